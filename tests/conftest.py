"""Fixtures shared by every test: settings in a temporary data directory and a migrated
database, once on SQLite and once on PostgreSQL (``AUTOPROV_TEST_PG_URL``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from autoprov.config import Settings
from autoprov.storage.db import make_engine
from autoprov.storage.migrate import upgrade
from tests.helpers import IN_CI, free_port

PG_URL = os.environ.get("AUTOPROV_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind; PostgreSQL gets a throwaway database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'autoprov.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"autoprov_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database migrated to the newest schema."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for one test: its own data directory, database and loopback ports."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        bind="127.0.0.1",
        external_host="127.0.0.1",
        sip_domain="127.0.0.1",
        sip_port=free_port(),
        provision_port=free_port(),
        ftp_port=free_port(),
        tftp_port=free_port(),
        api_port=free_port(),
        admin_password="admin-secret",
        provision_user="prov",
        provision_password="prov-secret",
        provision_http_workers=1,  # tests that want more ask for them
    )
