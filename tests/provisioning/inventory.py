"""Inventory rows for provisioning tests, written straight to the database."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.storage.models import Line, Phone, User


def add_phone(
    engine: Engine, mac: str, model: str = "VVX_410", users: tuple[str, ...] = ()
) -> None:
    """A phone with one line per username (users are created, password ``<name>-pw``)."""
    with Session(engine) as session, session.begin():
        phone = Phone(mac=mac, model=model)
        session.add(phone)
        for position, username in enumerate(users, start=1):
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, password=f"{username}-pw", display_name="")
                session.add(user)
            session.add(Line(phone=phone, user=user, position=position))


def assign(engine: Engine, mac: str, username: str, display_name: str = "") -> None:
    with Session(engine) as session, session.begin():
        phone = session.scalar(select(Phone).where(Phone.mac == mac))
        assert phone is not None
        user = User(username=username, password=f"{username}-pw", display_name=display_name)
        session.add(Line(phone=phone, user=user, position=len(phone.lines) + 1))


def phone_row(engine: Engine, mac: str) -> Phone | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.scalar(select(Phone).where(Phone.mac == mac))
