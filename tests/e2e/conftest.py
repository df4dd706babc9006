"""The whole product on loopback for one test: registrar, provisioning server and REST API
started through their ``run(settings)`` functions in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from autoprov.config import Settings
from tests.e2e.harness import Stack


@pytest.fixture
def e2e_settings(settings: Settings) -> Settings:
    """Loopback settings whose registrations age out quickly, so refreshes happen in a test."""
    return settings.model_copy(update={"min_expires": 5, "default_expires": 30})


@pytest.fixture
async def stack(e2e_settings: Settings) -> AsyncIterator[Stack]:
    running = Stack(e2e_settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
