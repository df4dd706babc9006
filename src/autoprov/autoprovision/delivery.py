"""One sighting to the inventory REST API: create the phone, or update the one already known.

``POST /api/v1/phones`` is idempotent by MAC (201 created, 200 already there); a known phone
then gets its address, firmware and last-seen time with ``PATCH /api/v1/phones/{mac}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import httpx

from autoprov.autoprovision.sighting import Sighting

PHONES = "/api/v1/phones"

# Answers that may change by themselves: the API overloaded, its token not yet the one in the
# database (401/403), the phone deleted between POST and PATCH (404: the next attempt creates
# it). Any other 4xx (422 unknown model, 409 ID of another MAC) will never succeed.
_TRANSIENT = frozenset({401, 403, 404, 408, 425, 429})


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    detail: str


def description(sighting: Sighting) -> str:
    return f"auto-provisioned, ID {sighting.unique_id}, IP {sighting.ip}"


def _unsuccessful(response: httpx.Response) -> Result:
    detail = f"{response.request.method} {response.status_code} {response.text[:200]}"
    if response.status_code >= 500 or response.status_code in _TRANSIENT:
        return Result(Outcome.RETRY, detail)
    return Result(Outcome.FAILED, detail)


async def deliver(client: httpx.AsyncClient, sighting: Sighting) -> Result:
    """Never raises for HTTP or network trouble: that is a :attr:`Outcome.RETRY`."""
    seen = datetime.fromtimestamp(sighting.seen_at, UTC).isoformat()
    facts = {"ip": sighting.ip, "firmware": sighting.firmware, "last_seen": seen}
    try:
        created = await client.post(
            PHONES,
            json={
                "mac": sighting.mac,
                "model": sighting.model,
                "unique_id": sighting.unique_id,
                "description": description(sighting),
                **facts,
            },
        )
        if created.status_code == 201:
            return Result(Outcome.CREATED, "201")
        if created.status_code != 200:
            return _unsuccessful(created)
        updated = await client.patch(f"{PHONES}/{sighting.mac}", json=facts)
    except httpx.HTTPError as exc:
        return Result(Outcome.RETRY, f"{type(exc).__name__}: {exc}")
    if updated.is_success:
        return Result(Outcome.UPDATED, str(updated.status_code))
    return _unsuccessful(updated)
