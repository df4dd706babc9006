"""A registrar running in the test's event loop on loopback ports, with a few users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.registrar.service import RegistrarService
from autoprov.storage.models import User
from tests.registrar.sipclient import SipClient

USERS = {"1001": "secret-1001", "1002": "secret-1002"}
RECORDING_PLUGIN = "tests.registrar.fake_plugin:create_recording"


@dataclass
class Running:
    service: RegistrarService
    settings: Settings
    address: tuple[str, int]

    async def client(self) -> SipClient:
        return await SipClient.open(self.address, self.settings.domain)


def add_users(engine: Engine, users: dict[str, str]) -> None:
    with Session(engine) as session, session.begin():
        session.add_all(User(username=u, password=p) for u, p in users.items())


async def start_registrar(settings: Settings, engine: Engine, **changes: Any) -> Running:
    changes.setdefault("register_plugins", [RECORDING_PLUGIN])
    configured = Settings(**{**settings.model_dump(), **changes})
    service = RegistrarService(configured, engine)
    await service.start()
    return Running(service, configured, ("127.0.0.1", configured.sip_port))


@pytest.fixture
async def registrar(settings: Settings, engine: Engine) -> AsyncIterator[Running]:
    add_users(engine, USERS)
    running = await start_registrar(settings, engine)
    try:
        yield running
    finally:
        await running.service.stop()
