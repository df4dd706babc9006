"""Write-behind of bindings to the ``bindings`` table, and their reload at start.

Every ``binding_flush_interval`` seconds the journal is drained and written in one transaction
from a thread: upserts keyed by ``(aor, contact)``, deletes of what this process removed.
Several registrar processes may share one database, so neither statement touches a row another
process wrote later: an upsert only overwrites an older row, a delete only removes a row no
newer than the binding this process dropped. A write that fails for want of the database
(down, locked, restarting) is put back whole and retried. A write the database refuses for
the data it carries is split until the refused rows are isolated: those are dropped from
persistence (logged and counted; memory keeps them), the rest are written.

Only the free text (User-Agent, display name) is cleaned to fit its column. Key and identity
values (AOR, Contact, Call-ID, +sip.instance) are stored as they are or not at all: a
cleaned copy would come back at the next start as a different binding than the phone's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Dialect, Engine, String, and_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError

from autoprov.logs import quote
from autoprov.registrar.journal import BindingJournal, JournalBatch, RowKey
from autoprov.registrar.location import Binding
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.storage.models import BINDINGS

log = logging.getLogger("autoprov.registrar")

_COLUMNS = (
    "aor",
    "contact",
    "expires_at",
    "call_id",
    "cseq",
    "q",
    "instance",
    "source",
    "source_host",
    "transport",
    "user_agent",
    "display_name",
    "updated_at",
)
"""What `_row` writes, in this order: the ``bindings`` columns but ``id``."""


def _source(binding: Binding) -> str:
    host = binding.source_host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{binding.source_port}"


def _split_source(source: str) -> tuple[str, int]:
    host, _, port = source.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    return host, int(port) if port.isdigit() else 0


_FREE_TEXT_LENGTH = {
    name: cast(String, BINDINGS.c[name].type).length or 0 for name in ("user_agent", "display_name")
}


def _free_text(value: str, column: str) -> str:
    """A User-Agent or display name as its column can hold it, whatever the phone sent: UTF-8
    (octets that are not become U+FFFD), no NUL (PostgreSQL text has none), no longer than the
    column. One phone's odd text must not fail every flush; memory keeps the original."""
    length = _FREE_TEXT_LENGTH[column]
    if len(value) <= length and value.isascii() and "\x00" not in value:
        return value
    text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text.replace("\x00", "\ufffd")[:length]


def _row(binding: Binding) -> tuple[Any, ...]:
    """The values of a binding's row, in `_COLUMNS` order."""
    return (
        binding.aor,
        binding.contact,
        binding.expires_at,
        binding.call_id,
        binding.cseq,
        binding.q,
        binding.instance,
        _source(binding),
        binding.source_host,
        binding.transport,
        _free_text(binding.user_agent, "user_agent"),
        _free_text(binding.display_name, "display_name"),
        binding.updated_at,
    )


_LOADED = tuple(name for name in _COLUMNS if name != "source_host")
"""What `load_bindings` reads (``source_host`` is ``source`` without the port)."""
_LOAD_BATCH = 2000


def load_bindings(
    engine: Engine, now: float, owns: Callable[[str], bool] | None = None
) -> list[Binding]:
    """Unexpired bindings, of the AORs ``owns`` accepts (blocking: call from a thread).

    Read as plain rows in batches, not as ORM objects: at a hundred thousand bindings, the
    memory a whole result set takes at once stays with the process after it is freed."""
    columns = [BINDINGS.c[name] for name in _LOADED]
    query = select(*columns).where(BINDINGS.c.expires_at > now)
    bindings = []
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=_LOAD_BATCH).execute(query)
        for aor, contact, expires_at, call_id, cseq, q, instance, source, *rest in result:
            if owns is not None and not owns(aor):
                continue
            transport, user_agent, display_name, updated_at = rest
            host, port = _split_source(source)
            bindings.append(
                Binding(
                    aor=sys.intern(aor),  # shared as in `Registrar` (one string each)
                    contact=contact,
                    expires_at=expires_at,
                    call_id=call_id,
                    cseq=cseq,
                    q=q,
                    instance=instance,
                    source_host=sys.intern(host),
                    source_port=port,
                    transport=transport,
                    user_agent=sys.intern(user_agent),
                    display_name=sys.intern(display_name),
                    updated_at=updated_at,
                )
            )
    return bindings


_DELETE_KEYS = ("d_aor", "d_contact", "d_updated_at")


@dataclass(frozen=True, slots=True)
class _DriverStatements:
    """The upsert and the delete as the driver takes them, and whether its parameters are
    positional (SQLite's ``?``) or named (psycopg's ``%(name)s``)."""

    upsert: str
    delete: str
    positional: bool


@cache
def _statements(dialect: Dialect) -> _DriverStatements:
    """Compiled once per dialect and run with the driver's own ``executemany``: SQLAlchemy's
    per-row parameter handling (type processors, one dict per row) cost as much CPU as the
    database's own work, in a thread that holds the GIL against the event loop."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(BINDINGS)
    excluded = statement.excluded
    upsert = statement.on_conflict_do_update(
        index_elements=["aor", "contact"],
        set_={name: excluded[name] for name in _COLUMNS if name not in ("aor", "contact")},
        where=BINDINGS.c.updated_at <= excluded.updated_at,
    )
    removal = delete(BINDINGS).where(
        and_(
            BINDINGS.c.aor == bindparam(_DELETE_KEYS[0]),
            BINDINGS.c.contact == bindparam(_DELETE_KEYS[1]),
            BINDINGS.c.updated_at <= bindparam(_DELETE_KEYS[2]),
        )
    )
    # for_executemany: no RETURNING of the new id (PostgreSQL would add it for one row)
    compiled = upsert.compile(dialect=dialect, column_keys=list(_COLUMNS), for_executemany=True)
    compiled_delete = removal.compile(dialect=dialect)
    if compiled.positional and (
        compiled.positiontup != list(_COLUMNS) or compiled_delete.positiontup != list(_DELETE_KEYS)
    ):
        raise RuntimeError("the driver would get the values in another order")
    return _DriverStatements(str(compiled), str(compiled_delete), compiled.positional)


def write_batch(engine: Engine, batch: JournalBatch) -> None:
    """Blocking: call from a thread. All or nothing."""
    statements = _statements(engine.dialect)
    rows: list[Any] = [_row(b) for b in batch.upserts.values()]
    deletes: list[Any] = [
        (aor, contact, updated_at) for (aor, contact), updated_at in batch.deletes.items()
    ]
    if not statements.positional:
        rows = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
        deletes = [dict(zip(_DELETE_KEYS, row, strict=True)) for row in deletes]
    with engine.begin() as connection:
        if rows:
            connection.exec_driver_sql(statements.upsert, rows)
        if deletes:
            connection.exec_driver_sql(statements.delete, deletes)


_REFUSED_DATA = (DataError, IntegrityError, ValueError)
"""What a write raises when the database or its driver cannot take a value (PostgreSQL's
NUL in text, a value too long for its column, a str with surrogate escapes that does not
encode as UTF-8: the driver's ``UnicodeEncodeError``). Anything else (operational,
connection, missing table) is about the database, not the rows."""


def _halves(batch: JournalBatch) -> tuple[JournalBatch, JournalBatch]:
    upserts = list(batch.upserts.items())
    deletes = list(batch.deletes.items())
    cut = len(batch) // 2
    cut_deletes = max(0, cut - len(upserts))
    return (
        JournalBatch(dict(upserts[:cut]), dict(deletes[:cut_deletes])),
        JournalBatch(dict(upserts[cut:]), dict(deletes[cut_deletes:])),
    )


def write_isolating(engine: Engine, batch: JournalBatch) -> list[tuple[RowKey, Exception]]:
    """Blocking: call from a thread. Write ``batch``; if the database refuses its data, write
    each half apart, down to single rows, and return the rows refused with the reason. Any
    other failure propagates, so that the caller retries the whole batch (rewriting a row is
    harmless: upserts and deletes only move a row forward in time)."""
    try:
        write_batch(engine, batch)
    except _REFUSED_DATA as exc:
        if len(batch) == 1:
            [key] = [*batch.upserts, *batch.deletes]
            return [(key, exc)]
        first, second = _halves(batch)
        return write_isolating(engine, first) + write_isolating(engine, second)
    return []


class WriteBehind:
    def __init__(
        self,
        engine: Engine,
        journal: BindingJournal,
        interval: float,
        metrics: RegistrarMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._journal = journal
        self._interval = interval
        self._metrics = metrics
        self._stopping = asyncio.Event()
        self._failing = False

    async def run(self) -> None:
        """Flush every interval until :meth:`stop`, then once more."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            await self.flush()

    def stop(self) -> None:
        self._stopping.set()

    async def flush(self) -> bool:
        if not len(self._journal):
            return True
        batch = self._journal.drain()
        try:
            refused = await asyncio.to_thread(write_isolating, self._engine, batch)
        except Exception as exc:
            self._journal.requeue(batch)
            if not self._failing:
                log.error("bindings-write-failed pending=%d error=%s", len(batch), quote(exc))
            self._failing = True
            return False
        for (aor, contact), error in refused:
            log.error(
                "bindings-write-dropped aor=%s contact=%s error=%s",
                quote(aor),
                quote(contact),
                quote(error),
            )
        if self._metrics is not None:
            self._metrics.bindings_write_dropped += len(refused)
        if self._failing:
            log.info("bindings-write-recovered written=%d", len(batch) - len(refused))
        self._failing = False
        return True
