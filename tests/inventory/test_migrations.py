"""The schema comes up from empty, goes all the way down and up again, and works after."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from autoprov.inventory.phones import create_phone
from autoprov.storage.db import session_factory
from autoprov.storage.migrate import downgrade, upgrade

TABLES = {"phones", "users", "lines", "unique_ids", "settings", "bindings", "registrar_commands"}


def test_downgrade_to_empty_then_upgrade_again(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with session_factory(engine)() as session:
        phone, created = create_phone(session, "0004f2aabbcc", "VVX_410")
        session.commit()
    assert created and phone.unique_id
