"""The schema comes up from empty, goes all the way down and up again, and works after."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from autoprov.inventory.phones import PhoneQuery, create_phone, list_phones
from autoprov.storage.db import make_engine, session_factory
from autoprov.storage.migrate import downgrade, upgrade

TABLES = {"phones", "users", "lines", "unique_ids", "settings", "bindings", "registrar_commands"}
TRIGRAM_INDEXES = {
    "ix_phones_mac_trgm",
    "ix_phones_model_trgm",
    "ix_phones_description_trgm",
    "ix_unique_ids_uid_trgm",
    "ix_users_username_trgm",
}


def test_downgrade_to_empty_then_upgrade_again(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    # Trigram indexes for search: PostgreSQL's (where the extension can be created), not SQLite's.
    trigram = {
        index["name"]
        for table in ("phones", "unique_ids", "users")
        for index in inspect(engine).get_indexes(table)
        if str(index["name"]).endswith("_trgm")
    }
    assert trigram == (TRIGRAM_INDEXES if engine.dialect.name == "postgresql" else set())
    with session_factory(engine)() as session:
        phone, created = create_phone(session, "0004f2aabbcc", "VVX_410")
        session.commit()
    assert created and phone.unique_id


@pytest.fixture
def unprivileged_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database, and a role that may create tables in it but not extensions
    (no CREATE on the database)."""
    name = f"autoprov_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = make_url(postgres_admin_url).set(database=name)
    inside = create_engine(url, isolation_level="AUTOCOMMIT")
    with inside.connect() as conn:
        conn.execute(text(f'GRANT CREATE ON SCHEMA public TO "{name}"'))
    inside.dispose()
    try:
        yield url.set(username=name, password=None).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_without_the_trigram_extension_migrates_and_searches_with_a_warning(
    unprivileged_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(unprivileged_url)
    try:
        with caplog.at_level(logging.WARNING, logger="autoprov.storage"):
            upgrade(engine)
        assert "pg_trgm" in caplog.text
        indexes = {index["name"] for index in inspect(engine).get_indexes("phones")}
        assert "ix_phones_last_seen_at" in indexes and "ix_phones_mac_trgm" not in indexes
        with session_factory(engine)() as session:
            create_phone(session, "0004f2aabbcc", "VVX_410", description="Lobby")
            session.commit()
            found = list_phones(session, PhoneQuery(search="aa:bb")).items
        assert [phone.mac for phone in found] == ["0004f2aabbcc"]
        downgrade(engine, "0002")
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_trigram_indexes_take_rows_at_insert(
    postgres_admin_url: str,
) -> None:
    name = f"autoprov_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(
        make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    )
    try:
        # Created by 0003 with a pending list, which 0005 turns off and merges.
        upgrade(engine, "0003")
        with session_factory(engine)() as session:
            for number in range(200):
                create_phone(
                    session, f"0004f2{number:06x}", "VVX_410", description=f"desk {number}"
                )
            session.commit()
        upgrade(engine)
        with engine.connect() as conn:
            options = dict(
                conn.execute(
                    text("SELECT relname, reloptions FROM pg_class WHERE relname LIKE '%_trgm'")
                ).all()
            )
            assert options == {index: ["fastupdate=off"] for index in TRIGRAM_INDEXES}
        downgrade(engine, "0004")
        with engine.connect() as conn:
            reset = conn.scalars(
                text("SELECT reloptions FROM pg_class WHERE relname LIKE '%_trgm'")
            ).all()
            assert reset == [None] * len(TRIGRAM_INDEXES)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_bindings_get_their_source_host_on_upgrade(engine: Engine) -> None:
    downgrade(engine, "0005")
    assert "source_host" not in {c["name"] for c in inspect(engine).get_columns("bindings")}
    with engine.begin() as conn:
        for n, source in enumerate(("192.0.2.7:5062", "[2001:db8::1]:5060")):
            conn.execute(
                text(
                    "INSERT INTO bindings (aor, contact, expires_at, call_id, cseq, source, "
                    "transport, user_agent, display_name, updated_at) VALUES "
                    "('1001', :contact, 1, 'c', 1, :source, 'udp', '', '', 1)"
                ),
                {"contact": f"sip:1001@h{n}", "source": source},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT source, source_host FROM bindings")).all())
    assert found == {"192.0.2.7:5062": "192.0.2.7", "[2001:db8::1]:5060": "2001:db8::1"}
