"""The admin verbs run through Typer's CliRunner against the ``settings`` fixture's database
(SQLite and PostgreSQL), configured by environment as in real use; ``api`` serves the API on a
real socket for the verbs that ask it to re-sync phones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from autoprov.api.app import create_app
from autoprov.cli.main import app as cli
from autoprov.config import Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.storage.db import engine_for
from tests.helpers import free_port
from tests.web.server import serving


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("AUTOPROV_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AUTOPROV_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("AUTOPROV_ADMIN_PASSWORD", "admin-secret")
    monkeypatch.setenv("AUTOPROV_EXTERNAL_HOST", "127.0.0.1")
    # Nothing listens here unless a test starts the API (``api`` fixture).
    monkeypatch.setenv("AUTOPROV_API_URL", f"http://127.0.0.1:{free_port()}")
    return settings


@pytest.fixture
def db(environment: Settings) -> Iterator[Engine]:
    engine = engine_for(environment)
    bootstrap(engine, environment)
    yield engine
    engine.dispose()


@dataclass
class RunningApi:
    url: str
    resyncs: list[str]


@pytest.fixture
def api(environment: Settings, db: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningApi]:
    resyncs: list[str] = []
    with serving(create_app(environment, db, resync=resyncs.append)) as url:
        monkeypatch.setenv("AUTOPROV_API_URL", url)
        yield RunningApi(url, resyncs)


Invoke = Callable[..., Result]


@pytest.fixture
def run(environment: Settings) -> Invoke:
    """``run("users", "add", "1001")``: the command's result (exit code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke
