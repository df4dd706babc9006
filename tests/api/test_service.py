"""``api.service.run``: the API on a real socket, with the check-sync notifier as its re-sync
hook, stopped by cancellation."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from autoprov.api.service import run
from autoprov.config import Settings
from tests.api.conftest import ADMIN

STARTUP_TIMEOUT = 30.0


async def _until_up(client: httpx.AsyncClient) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    while True:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/api/v1/health")).status_code == 200:
                return
        assert asyncio.get_running_loop().time() < deadline, "the API did not come up"
        await asyncio.sleep(0.1)


async def test_assigning_a_line_reaches_the_notifier_then_the_service_stops(
    settings: Settings,
) -> None:
    # The notifier looks again for a missing contact for 30 flush intervals: keep that short.
    settings = settings.model_copy(update={"binding_flush_interval": 0.05})
    service = asyncio.create_task(run(settings))
    base = f"http://127.0.0.1:{settings.api_port}"
    async with httpx.AsyncClient(base_url=base, auth=ADMIN, timeout=10) as client:
        await _until_up(client)
        await client.post("/api/v1/users", json={"username": "1001", "password": "secret-pass"})
        await client.post("/api/v1/phones", json={"mac": "0004f2aabbcc", "model": "VVX_410"})
        assigned = await client.post("/api/v1/phones/0004f2aabbcc/lines", json={"username": "1001"})
        assert assigned.status_code == 201
        # Not registered, so the notifier has nobody to NOTIFY: it says so on the phone.
        for _ in range(100):
            sync = (await client.get("/api/v1/phones/0004f2aabbcc")).json()["sync"]
            if sync["status"] not in (None, "pending"):
                break
            await asyncio.sleep(0.1)
        assert sync["status"] == "no-contact"
    service.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(service, timeout=15)
    assert service.cancelled()
    async with httpx.AsyncClient(base_url=base) as client:
        with pytest.raises(httpx.TransportError):
            await client.get("/api/v1/health")
