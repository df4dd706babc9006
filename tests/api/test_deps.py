"""``Database``: units of work in worker threads, no more at once than the pool's connections."""

from __future__ import annotations

import threading
import time

import anyio
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.api.deps import Database
from autoprov.storage.db import session_factory


async def test_units_of_work_wait_for_a_connection_beyond_the_limit(engine: Engine) -> None:
    database = Database(session_factory(engine), connections=2)
    lock = threading.Lock()
    running = peak = 0

    def work(_session: Session) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(database.read, work)
    assert peak == 2
