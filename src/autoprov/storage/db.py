"""Engine and session factory. Synchronous SQLAlchemy: async services call it from a thread."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, Engine, create_engine, event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from autoprov.config import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (API, provisioning) run beside the one writer; the busy timeout makes
    # concurrent writers from several processes wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SQLITE_POOL_SIZE = 40
"""Connections kept open to an SQLite file: anyio's default limit of worker threads, so that
every thread a service runs database calls in can hold one at once. A smaller pool opens and
closes overflow connections (four PRAGMAs each) for as long as the load lasts."""

IDLE_BEFORE_PING = 10.0
"""Seconds a pooled connection may rest and still be handed out without a ping. A ping on every
checkout (``pool_pre_ping``) costs a round trip per unit of work; the server going away within
the last seconds costs one failed request instead, after which the pool reconnects."""


def _note_use(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["used_at"] = time.monotonic()


def _ping_if_idle(
    dialect: Dialect,
    dbapi_connection: DBAPIConnection,
    record: ConnectionPoolEntry,
    _proxy: PoolProxiedConnection,
) -> None:
    if time.monotonic() - record.info.get("used_at", 0.0) < IDLE_BEFORE_PING:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as exc:
        raise DisconnectionError("the database connection failed its ping") from exc
    if not alive:
        raise DisconnectionError("the database connection failed its ping")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = make_url(url).database
        pool: dict[str, int] = {}
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 10}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _note_use)
    event.listen(engine, "checkin", _note_use)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings.db_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
