"""Inventory facts for UI tests, written with the inventory's own functions."""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import create_phone
from autoprov.inventory.users import create_user
from autoprov.storage.models import Binding


def add_phone(engine: Engine, mac: str, model: str = "VVX_410", **facts: str) -> str:
    """The phone (created as the worker does) and its unique ID."""
    with Session(engine) as db, db.begin():
        record, _ = create_phone(db, mac, model, **facts)
    assert record.unique_id is not None
    return record.unique_id


def add_user(engine: Engine, username: str, display_name: str = "", *, on: str = "") -> None:
    """A user, assigned to the phone ``on`` if given."""
    with Session(engine) as db, db.begin():
        create_user(db, username, "user-password-1", display_name)
        if on:
            assign_line(db, on, username)


def register(engine: Engine, aor: str, host: str, display_name: str = "") -> None:
    """A binding as the registrar writes it behind for a REGISTER from ``host``."""
    now = time.time()
    with Session(engine) as db, db.begin():
        db.add(
            Binding(
                aor=aor,
                contact=f"sip:{aor}@{host}:5062",
                expires_at=now + 600,
                call_id=f"{aor}-{host}",
                cseq=1,
                source=f"{host}:5062",
                transport="udp",
                user_agent="PolycomVVX-VVX_410-UA/5.9.5.0614",
                display_name=display_name,
                updated_at=now,
            )
        )
