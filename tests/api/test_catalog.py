"""Models, registrations, health, metrics and the OpenAPI document."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.polycom.models import all_models
from autoprov.storage.models import Binding


async def test_models_come_from_the_model_table(admin: httpx.AsyncClient) -> None:
    body = (await admin.get("/api/v1/models")).json()
    assert body["total"] == len(all_models())
    vvx = next(model for model in body["items"] if model["id"] == "VVX_410")
    assert vvx["lines"] == all_models()["VVX_410"].lines and vvx["family"]


async def test_registrations_list_unexpired_bindings_and_mark_the_phone(
    admin: httpx.AsyncClient, engine: Engine
) -> None:
    await admin.post("/api/v1/phones", json={"mac": "0004f2aabbcc", "model": "VVX_410"})
    now = time.time()
    with Session(engine) as session, session.begin():
        for ttl, name, port in ((60, "ABCD-0004f2aabbcc", 5060), (-5, "EFGH-0004f2000001", 5062)):
            session.add(
                Binding(
                    aor=AUTOPROVISION_USER,
                    contact=f"<sip:{AUTOPROVISION_USER}@192.0.2.10:{port}>",
                    expires_at=now + ttl,
                    call_id=name,
                    cseq=1,
                    source=f"192.0.2.10:{port}",
                    transport="udp",
                    user_agent="PolycomVVX-VVX_410-UA/5.9.5.0614",
                    display_name=name,
                    updated_at=now,
                )
            )
    body = (await admin.get("/api/v1/registrations")).json()
    assert body["total"] == 1 and body["items"][0]["display_name"] == "ABCD-0004f2aabbcc"
    phone = (await admin.get("/api/v1/phones/0004f2aabbcc")).json()
    assert phone["registered"] is True


async def test_metrics_count_requests_per_route_and_the_inventory(
    admin: httpx.AsyncClient,
) -> None:
    await admin.post("/api/v1/phones", json={"mac": "0004f2aabbcc", "model": "VVX_410"})
    await admin.get("/api/v1/phones/0004f2aabbcc")
    await admin.get("/no/such/route")
    answer = await admin.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert (
        'autoprov_api_requests_total{method="GET",route="/api/v1/phones/{mac}",status="200"} 1.0'
        in text
    )
    assert 'route="unmatched",status="404"' in text
    assert "autoprov_api_request_duration_seconds_bucket" in text
    assert "autoprov_phones 1.0" in text and "autoprov_phones_unassigned 1.0" in text
    assert "autoprov_users 0.0" in text


async def test_the_openapi_document_describes_every_route(admin: httpx.AsyncClient) -> None:
    document = (await admin.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    assert {"/api/v1/phones", "/api/v1/phones/{mac}/lines", "/api/v1/users/{username}"} <= set(
        paths
    )
    assert {"401", "409", "422"} <= set(paths["/api/v1/phones/{mac}/lines"]["post"]["responses"])
    assert set(document["components"]["securitySchemes"]) == {"HTTPBasic", "HTTPBearer"}
    assert (await admin.get("/api/v1/docs")).status_code == 200
