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
from typing import cast

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from autoprov.autoprovision.sighting import Sighting
from autoprov.storage.models import OutboxEntry

_TABLE = cast(Table, OutboxEntry.__table__)
_CHUNK = 500
"""Rows per statement: well under SQLite's bound-parameter limit."""


@dataclass(frozen=True, slots=True)
class QueuedSighting:
    sighting: Sighting
    version: int
    attempts: int
    """Delivery attempts so far, this claim included."""


def merge_sightings(conn: Connection, sightings: Sequence[Sighting], now: float) -> None:
    """Queue each sighting, merging into the row of a MAC already queued (one per MAC)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(sightings), _CHUNK):
        rows = [
            {
                "mac": s.mac,
                "payload": s.to_payload(),
                "version": 1,
                "attempts": 0,
                "next_attempt_at": now,
                "enqueued_at": now,
            }
            for s in sightings[start : start + _CHUNK]
        ]
        statement = insert(_TABLE).values(rows)
        # Backoff state is kept: a phone re-registering must not hurry a retry to a down API.
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.mac],
            set_={"payload": statement.excluded.payload, "version": _TABLE.c.version + 1},
        )
        conn.execute(statement)


def claim_due(conn: Connection, *, now: float, limit: int, lease: float) -> list[QueuedSighting]:
    """Take up to ``limit`` due rows for this worker until ``now + lease``."""
    due = (
        select(_TABLE.c.mac)
        .where(_TABLE.c.next_attempt_at <= now)
        .order_by(_TABLE.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(_TABLE)
        .where(_TABLE.c.mac.in_(due))
        .values(next_attempt_at=now + lease, attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.payload, _TABLE.c.version, _TABLE.c.attempts)
    )
    return [
        QueuedSighting(Sighting.from_payload(row.payload), row.version, row.attempts)
        for row in conn.execute(statement)
    ]


def finish(conn: Connection, done: Sequence[QueuedSighting], now: float) -> None:
    """Remove delivered rows whose version is unchanged; a row that received newer facts
    while it was being delivered stays, due at once and with a fresh backoff."""
    for start in range(0, len(done), _CHUNK):
        chunk = done[start : start + _CHUNK]
        unchanged = or_(
            *(and_(_TABLE.c.mac == q.sighting.mac, _TABLE.c.version == q.version) for q in chunk)
        )
        conn.execute(delete(_TABLE).where(unchanged))
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.mac.in_([q.sighting.mac for q in chunk]))
            .values(next_attempt_at=now, attempts=0)
        )


def reschedule(conn: Connection, schedule: Iterable[tuple[str, float]]) -> None:
    """Set when each MAC's row is next due (after a failed attempt, or to release a claim)."""
    params = [{"b_mac": mac, "b_at": at} for mac, at in schedule]
    if params:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.mac == bindparam("b_mac"))
            .values(next_attempt_at=bindparam("b_at")),
            params,
        )


def depth(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(_TABLE)) or 0
