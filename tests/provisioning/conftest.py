from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets, bootstrap
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.store import Store

Refusals = Callable[[], list[str]]


@pytest.fixture
def secrets(engine: Engine, settings: Settings) -> Secrets:
    return bootstrap(engine, settings)


@pytest.fixture
def resolver(settings: Settings, engine: Engine, secrets: Secrets) -> Resolver:
    return Resolver(settings, Store(engine, settings))


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> Refusals:
    """The refusal lines logged so far (message part, as a fail2ban filter reads it)."""
    caplog.set_level(logging.INFO, logger="autoprov.provisioning")

    def lines() -> list[str]:
        messages = (r.getMessage() for r in caplog.records if r.name == "autoprov.provisioning")
        return [message for message in messages if message.startswith("refused ")]

    return lines
