"""Property-based run of the OpenAPI document against the app, in process, as the admin: no
answer is a 5xx, and every answer's status, content type, headers and body are the documented
ones (schemathesis' default checks). The fuzzing phase runs on both databases; the coverage
phase (boundary values of every parameter, the slow part) on SQLite only, since what it probes
is the API's validation rather than the database."""

from __future__ import annotations

import base64
import os

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from sqlalchemy import Engine

from autoprov.api.app import OPENAPI_PATH
from tests.api.conftest import ADMIN

AUTHORIZATION = "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode()
EXAMPLES = int(os.environ.get("AUTOPROV_SCHEMATHESIS_EXAMPLES", "10"))
SEED = int(os.environ.get("AUTOPROV_SCHEMATHESIS_SEED", "20261126"))
"""Fixed by default so a CI run is reproducible; set another to explore further."""

CONFIG = {
    "seed": SEED,
    "suppress-health-check": ["too_slow", "filter_too_much"],
    "headers": {"Authorization": AUTHORIZATION},
    "generation": {"max-examples": EXAMPLES},
}


@pytest.fixture
def api_schema(app: FastAPI, engine: Engine) -> schemathesis.BaseSchema:
    coverage = {"coverage": {"enabled": engine.dialect.name == "sqlite"}}
    config = schemathesis.Config.from_dict({**CONFIG, "phases": coverage})
    return schemathesis.openapi.from_asgi(OPENAPI_PATH, app, config=config, auth=ADMIN)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_keeps_to_its_document(case: Case) -> None:
    case.call_and_validate()
