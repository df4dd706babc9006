"""The API app over the migrated ``engine`` (SQLite and PostgreSQL), with a re-sync hook that
records, and in-process clients: as the admin, as the auto-provisioning service, and as nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.api.app import create_app
from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets, load_secrets

ADMIN = ("admin", "admin-secret")


@pytest.fixture
def resyncs() -> list[str]:
    """The MACs the app asked to re-sync, in order."""
    return []


@pytest.fixture
def app(settings: Settings, engine: Engine, resyncs: list[str]) -> FastAPI:
    return create_app(settings, engine, resync=resyncs.append)


@pytest.fixture
def secrets(app: FastAPI, settings: Settings, engine: Engine) -> Secrets:
    with Session(engine) as session:
        return load_secrets(session, settings)


def _client(app: FastAPI, **options: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **options)  # type: ignore[arg-type]


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, auth=ADMIN) as client:
        yield client


@pytest.fixture
async def service(app: FastAPI, secrets: Secrets) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {secrets.service_token}"}
    async with _client(app, headers=headers) as client:
        yield client


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as client:
        yield client
