"""The outcome of a re-sync, as the API shows it (``phones.sync_status/sync_detail/sync_at``)."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Engine, update

from autoprov.storage.models import Phone, utcnow


class SyncStatus(Enum):
    PENDING = "pending"
    """A NOTIFY is on its way."""
    OK = "ok"
    """The phone answered 2xx: it is fetching its configuration (and rebooting)."""
    TIMEOUT = "timeout"
    """No answer from any of the phone's contacts (Timer F)."""
    ERROR = "error"
    """An error answer, or the NOTIFY could not be sent."""
    NO_CONTACT = "no-contact"
    """The phone has no current registration to send a NOTIFY to."""


def record_status(engine: Engine, mac: str, status: SyncStatus, detail: str) -> None:
    """Blocking: call from a thread. A phone deleted meanwhile is simply not found."""
    with engine.begin() as conn:
        conn.execute(
            update(Phone)
            .where(Phone.mac == mac)
            .values(sync_status=status.value, sync_detail=detail, sync_at=utcnow())
        )
