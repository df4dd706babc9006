"""A small but real inventory API on loopback: the phone endpoints the delivery worker uses,
with switches to answer 503 (API down) or 422 (a model it refuses)."""

from __future__ import annotations

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
    refused_models: set[str] = field(default_factory=set)
    phones: dict[str, dict[str, Any]] = field(default_factory=dict)
    posted: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    patched: Counter[str] = field(default_factory=Counter)
    unavailable: int = 0
    tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _app(state: InventoryState) -> Starlette:
    async def create(request: Request) -> JSONResponse:
        state.tokens.add(request.headers.get("authorization", ""))
        if state.down:
            state.unavailable += 1
            return JSONResponse({"detail": "starting"}, status_code=503)
        body = await request.json()
        state.posted[body["mac"]] += 1
        if body["model"] in state.refused_models:
            return JSONResponse({"detail": [{"loc": ["body", "model"]}]}, status_code=422)
        with state.lock:
            if body["mac"] in state.phones:
                return JSONResponse(state.phones[body["mac"]], status_code=200)
            state.phones[body["mac"]] = body
            state.created[body["mac"]] += 1
        return JSONResponse(body, status_code=201)

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
