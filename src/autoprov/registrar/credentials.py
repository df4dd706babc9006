"""SIP passwords held in memory, so that authenticating a REGISTER never touches the database.

Loaded at start and reloaded whole when the API posts ``credentials-changed``; the swap of one
dict for another is atomic, so the event loop never sees a half-loaded table.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.storage.models import User


def load_passwords(engine: Engine) -> dict[str, str]:
    """Blocking: call from a thread."""
    with Session(engine) as session:
        rows = session.execute(select(User.username, User.password))
        # interned: the registrar's bindings share these strings as their AORs
        return {sys.intern(username): password for username, password in rows}


class CredentialCache:
    __slots__ = ("_passwords",)

    def __init__(self, passwords: dict[str, str] | None = None) -> None:
        self._passwords: dict[str, str] = passwords or {}

    def __len__(self) -> int:
        return len(self._passwords)

    def password(self, username: str) -> str | None:
        return self._passwords.get(username)

    def replace(self, passwords: dict[str, str]) -> None:
        self._passwords = passwords
