"""Which unique ID is reserved for which MAC, cached: a reservation never changes once made,
so after the first look-up a re-registering phone costs no query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from autoprov.storage.models import UniqueId

_TABLE = UniqueId.__table__
_CHUNK = 500
MAX_CACHED = 200_000


class ReservationCache:
    """Used from one thread (the outbox writer's); not thread-safe by design."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def load(self, conn: Connection, macs: Iterable[str]) -> None:
        """Fetch the reservations of the MACs not cached yet, in a few queries."""
        missing = sorted({mac for mac in macs if mac not in self._ids})
        if len(self._ids) + len(missing) > MAX_CACHED:
            self._ids.clear()
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            rows = conn.execute(select(_TABLE.c.mac, _TABLE.c.uid).where(_TABLE.c.mac.in_(chunk)))
            self._ids.update({row.mac: row.uid for row in rows})

    def matches(self, mac: str, unique_id: str) -> bool:
        """Whether ``unique_id`` is the one reserved for ``mac`` (after :meth:`load`)."""
        return self._ids.get(mac) == unique_id
