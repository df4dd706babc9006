"""A small but real inventory API on loopback: the phone endpoints the delivery worker uses,
with switches to answer 503 (API down), 422 (a model it refuses: a batch holding one is
refused as a whole), 409 (a MAC whose ID is another's), or to have no batch endpoint (an API
that takes phones one by one)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class InventoryState:
    down: bool = False
    batches_taken: bool = True
    refused_models: set[str] = field(default_factory=set)
    conflicting: set[str] = field(default_factory=set)
    phones: dict[str, dict[str, Any]] = field(default_factory=dict)
    posted: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    patched: Counter[str] = field(default_factory=Counter)
    """Known phones whose facts changed, by PATCH or in a batch."""
    batches: int = 0
    batch_delay: float = 0.0
    """Seconds each batch takes, as on a busy API."""
    batches_in_flight: int = 0
    most_batches_in_flight: int = 0
    unavailable: int = 0
    tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(status: int, field: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": f"bad {field}", "field": field}}


def _create(state: InventoryState, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    state.posted[body["mac"]] += 1
    if body["model"] in state.refused_models:
        return 422, _error(422, "model")
    if body["mac"] in state.conflicting:
        return 409, _error(409, "unique_id")
    with state.lock:
        if body["mac"] in state.phones:
            return 200, state.phones[body["mac"]]
        state.phones[body["mac"]] = body
        state.created[body["mac"]] += 1
    return 201, body


def _app(state: InventoryState) -> Starlette:
    async def create(request: Request) -> JSONResponse:
        state.tokens.add(request.headers.get("authorization", ""))
        if state.down:
            state.unavailable += 1
            return JSONResponse({"detail": "starting"}, status_code=503)
        status, phone = _create(state, await request.json())
        return JSONResponse(phone, status_code=status)

    async def create_batch(request: Request) -> JSONResponse:
        state.tokens.add(request.headers.get("authorization", ""))
        if not state.batches_taken:
            return JSONResponse({"detail": "not found"}, status_code=404)
        state.batches += 1
        if state.down:
            state.unavailable += 1
            return JSONResponse({"detail": "starting"}, status_code=503)
        phones = (await request.json())["phones"]
        state.batches_in_flight += 1
        state.most_batches_in_flight = max(state.most_batches_in_flight, state.batches_in_flight)
        await asyncio.sleep(state.batch_delay)
        state.batches_in_flight -= 1
        if any(body["model"] in state.refused_models for body in phones):
            return JSONResponse(_error(422, "model"), status_code=422)
        results = []
        for body in phones:
            status, phone = _create(state, body)
            if status == 200:
                facts = {key: body[key] for key in ("ip", "firmware", "last_seen")}
                if facts.items() - phone.items():
                    phone.update(facts)
                    state.patched[body["mac"]] += 1
            ok = status in (200, 201)
            results.append(
                {
                    "mac": body["mac"],
                    "status": status,
                    "phone": phone if ok else None,
                    "error": None if ok else phone["error"],
                }
            )
        return JSONResponse({"results": results})

    async def update(request: Request) -> JSONResponse:
        if state.down:
            state.unavailable += 1
            return JSONResponse({"detail": "starting"}, status_code=503)
        mac = request.path_params["mac"]
        if mac not in state.phones:
            return JSONResponse({"detail": "no such phone"}, status_code=404)
        state.phones[mac].update(await request.json())
        state.patched[mac] += 1
        return JSONResponse(state.phones[mac])

    return Starlette(
        routes=[
            Route("/api/v1/phones", create, methods=["POST"]),
            Route("/api/v1/phone-batches", create_batch, methods=["POST"]),
            Route("/api/v1/phones/{mac}", update, methods=["PATCH"]),
        ]
    )


@contextmanager
def running_inventory(port: int) -> Iterator[InventoryState]:
    state = InventoryState()
    config = uvicorn.Config(_app(state), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test inventory API did not start")
        time.sleep(0.01)
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(10)
