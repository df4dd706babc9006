"""Request-scoped dependencies: the database, paging, and the re-sync hook.

The API's routes run their inventory work through :class:`Database`: the whole unit of work
(session, queries, commit, close) in one worker thread, so a request crosses to a thread once.
``SessionDep`` (a session per request, each step in the thread pool) is kept for code that
prefers a plain session.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MAX_PER_PAGE = 500
Resync = Callable[[str], None]
T = TypeVar("T")


class Database:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        one_writer: bool = False,
        connections: int | None = None,
    ) -> None:
        """``one_writer``: run one writing unit of work at a time in this process (SQLite, which
        takes one writer at a time anyway: its busy handler would poll and sleep instead).

        ``connections``: at most this many units of work at once (the engine pool's size).
        Beyond it, each unit of work would open a connection past the pool and close it after
        (a new server process and its log-in, on PostgreSQL) for as long as the load lasts."""
        self._sessions = sessions
        self._write_lock = threading.Lock() if one_writer else contextlib.nullcontext()
        self._limiter = None if connections is None else anyio.CapacityLimiter(connections)

    async def read(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a worker thread; nothing it did is committed."""
        return await anyio.to_thread.run_sync(self._run, work, False, limiter=self._limiter)

    async def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a worker thread, committed if it returns."""
        return await anyio.to_thread.run_sync(self._run, work, True, limiter=self._limiter)

    def _run(self, work: Callable[[Session], T], commit: bool) -> T:
        if not commit:
            with self._sessions() as session:
                return work(session)
        with self._write_lock, self._sessions() as session:
            result = work(session)
            session.commit()
            return result


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; handlers commit, anything not committed is rolled back."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def request_resync(request: Request, mac: str) -> None:
    """Ask for a re-sync after a commit. The hook must return at once; should it fail, the
    change stays committed and the failure is logged (``autoprov phones restart`` retries)."""
    resync: Resync = request.app.state.resync
    try:
        resync(mac)
    except Exception:
        log.exception("resync-failed mac=%s", mac)


def log_resync(mac: str) -> None:
    """The hook when no notifier is wired in: the phone re-syncs at its next reboot."""
    log.info("resync-requested mac=%s notifier=none", mac)


@dataclass(frozen=True, slots=True)
class Window:
    offset: int
    limit: int


async def paging(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
    offset: Annotated[
        int | None, Query(ge=0, le=1_000_000_000, description="Overrides `page`")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_PER_PAGE, description="Overrides `per_page`")
    ] = None,
) -> Window:
    size = per_page if limit is None else limit
    start = (page - 1) * per_page if offset is None else offset
    return Window(offset=start, limit=size)


PagingDep = Annotated[Window, Depends(paging)]
