"""The durable outbox: table ``autoprov_outbox``, one row per MAC awaiting delivery.

A newer sighting of a queued phone merges into its row (the payload is replaced and
``version`` bumped) so a phone is queued at most once. A worker claims due rows by moving
their ``next_attempt_at`` forward by a lease: rows of a worker that died become due again when
the lease runs out. On PostgreSQL the claim locks with ``FOR UPDATE SKIP LOCKED``, so several
registrars share the queue without delivering a phone twice; on SQLite the claim is one
``UPDATE ... RETURNING`` statement under the database's single write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from autoprov.autoprovision.sighting import Sighting
from autoprov.storage.models import OUTBOX

# Statements built once and run with a parameter set per row (executemany), so they are
# compiled once: a statement holding a batch's rows inline was compiled anew for every batch.
_DELIVERED = delete(OUTBOX).where(
    OUTBOX.c.mac == bindparam("b_mac"), OUTBOX.c.version == bindparam("b_version")
)
_DUE = (
    update(OUTBOX)
    .where(OUTBOX.c.mac == bindparam("b_mac"))
    .values(next_attempt_at=bindparam("b_at"), attempts=0)
)
_RESCHEDULE = (
    update(OUTBOX)
    .where(OUTBOX.c.mac == bindparam("b_mac"))
    .values(next_attempt_at=bindparam("b_at"))
)


@cache
def _merge(dialect: str) -> postgresql.Insert | sqlite.Insert:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OUTBOX)
    # Backoff state is kept: a phone re-registering must not hurry a retry to a down API.
    return statement.on_conflict_do_update(
        index_elements=[OUTBOX.c.mac],
        set_={"payload": statement.excluded.payload, "version": OUTBOX.c.version + 1},
    )


@dataclass(frozen=True, slots=True)
class QueuedSighting:
    sighting: Sighting
    version: int
    attempts: int
    """Delivery attempts so far, this claim included."""


def merge_sightings(conn: Connection, sightings: Sequence[Sighting], now: float) -> None:
    """Queue each sighting, merging into the row of a MAC already queued (one per MAC)."""
    if not sightings:
        return
    rows = [
        {
            "mac": s.mac,
            "payload": s.to_payload(),
            "version": 1,
            "attempts": 0,
            "next_attempt_at": now,
            "enqueued_at": now,
        }
        for s in sightings
    ]
    conn.execute(_merge(conn.dialect.name), rows)


def claim_due(conn: Connection, *, now: float, limit: int, lease: float) -> list[QueuedSighting]:
    """Take up to ``limit`` due rows for this worker until ``now + lease``."""
    due = (
        select(OUTBOX.c.mac)
        .where(OUTBOX.c.next_attempt_at <= now)
        .order_by(OUTBOX.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(OUTBOX)
        .where(OUTBOX.c.mac.in_(due))
        .values(next_attempt_at=now + lease, attempts=OUTBOX.c.attempts + 1)
        .returning(OUTBOX.c.payload, OUTBOX.c.version, OUTBOX.c.attempts)
    )
    return [
        QueuedSighting(Sighting.from_payload(row.payload), row.version, row.attempts)
        for row in conn.execute(statement)
    ]


def finish(conn: Connection, done: Sequence[QueuedSighting], now: float) -> None:
    """Remove delivered rows whose version is unchanged; a row that received newer facts
    while it was being delivered stays, due at once and with a fresh backoff."""
    if not done:
        return
    conn.execute(_DELIVERED, [{"b_mac": q.sighting.mac, "b_version": q.version} for q in done])
    conn.execute(_DUE, [{"b_mac": q.sighting.mac, "b_at": now} for q in done])


def reschedule(conn: Connection, schedule: Iterable[tuple[str, float]]) -> None:
    """Set when each MAC's row is next due (after a failed attempt, or to release a claim)."""
    params = [{"b_mac": mac, "b_at": at} for mac, at in schedule]
    if params:
        conn.execute(_RESCHEDULE, params)


def depth(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(OUTBOX)) or 0
