"""Commands for running registrars, posted by the inventory and polled by each registrar.

A registrar keeps credentials and bindings in memory; this table is how the API process tells
every registrar (on this host or another) that users changed or that a binding must go.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from autoprov.storage.models import RegistrarCommand

RETENTION_SECONDS = 3600.0


class CommandKind(Enum):
    CREDENTIALS_CHANGED = "credentials-changed"
    """Reload the credential cache. No arguments."""
    REMOVE_BINDINGS = "remove-bindings"
    """Drop bindings of ``aor`` whose From display name ends with ``display_name_suffix``
    (the ``-<mac>`` an auto-provisioned phone sends), or all of the AOR's when it is empty."""


@dataclass(frozen=True, slots=True)
class Command:
    id: int
    kind: CommandKind
    args: dict[str, str]


def post_command(session: Session, kind: CommandKind, **args: str) -> None:
    """Queue a command; it takes effect when the caller's transaction commits."""
    session.add(RegistrarCommand(kind=kind.value, arg=json.dumps(args), created_at=time.time()))


def latest_command_id(session: Session) -> int:
    """Where a starting registrar begins polling: what came before, its start-up load covers."""
    last = session.scalar(select(RegistrarCommand.id).order_by(RegistrarCommand.id.desc()))
    return last or 0


def commands_after(session: Session, after_id: int) -> list[Command]:
    rows = session.scalars(
        select(RegistrarCommand).where(RegistrarCommand.id > after_id).order_by(RegistrarCommand.id)
    )
    found = []
    for row in rows:
        try:
            kind = CommandKind(row.kind)
        except ValueError:
            continue
        found.append(Command(id=row.id, kind=kind, args=json.loads(row.arg or "{}")))
    return found


def prune_commands(session: Session, now: float | None = None) -> None:
    cutoff = (now or time.time()) - RETENTION_SECONDS
    session.execute(delete(RegistrarCommand).where(RegistrarCommand.created_at < cutoff))
