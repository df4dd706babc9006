"""The API app (``create_app`` mounts the admin UI) over the ``settings`` fixture's database
(SQLite and PostgreSQL), served on a loopback port, and a client logged in as the admin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from autoprov.api.app import create_app
from autoprov.config import Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.storage.db import engine_for
from tests.web.forms import log_in
from tests.web.server import serving


@pytest.fixture
def resyncs() -> list[str]:
    """The MACs the app asked to re-sync, in order."""
    return []


@pytest.fixture
def ui_engine(settings: Settings) -> Iterator[Engine]:
    engine = engine_for(settings)
    bootstrap(engine, settings)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, ui_engine: Engine, resyncs: list[str]) -> FastAPI:
    return create_app(settings, ui_engine, resync=resyncs.append)


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    """A browser-like client: keeps cookies, does not follow redirects (tests look at them)."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        yield client


@pytest.fixture
def admin(client: httpx.Client) -> httpx.Client:
    log_in(client)
    return client
