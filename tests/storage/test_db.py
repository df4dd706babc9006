"""Pooled connections: PostgreSQL's pinged when handed out after a rest, not on every unit of
work; SQLite's kept open for every worker thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from autoprov.storage import db


@pytest.fixture
def engine(postgres_admin_url: str) -> Iterator[Engine]:
    engine = db.make_engine(postgres_admin_url)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.scalar(text("SELECT pg_backend_pid()"))
        return pid


@pytest.mark.postgres
def test_a_rested_connection_the_server_dropped_is_replaced(
    engine: Engine, postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = _backend_pid(engine)
    killer = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    killer.dispose()
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # as if it had rested long enough
    assert _backend_pid(engine) != dropped


@pytest.mark.postgres
def test_a_connection_in_use_is_handed_out_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[Any] = []
    do_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return do_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    first = _backend_pid(engine)
    assert [_backend_pid(engine) for _ in range(3)] == [first] * 3
    assert pings == []
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    assert _backend_pid(engine) == first
    assert len(pings) == 1


def test_sqlite_keeps_a_connection_open_for_each_worker_thread(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'autoprov.db'}")
    opened: list[Any] = []
    event.listen(engine, "connect", lambda dbapi_connection, _record: opened.append(1))
    for _ in range(2):
        # as many at once as there are worker threads, then all handed back
        held = [engine.connect() for _ in range(db.SQLITE_POOL_SIZE)]
        for connection in held:
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
            connection.close()
    assert len(opened) == db.SQLITE_POOL_SIZE
    engine.dispose()
