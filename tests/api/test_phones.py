from __future__ import annotations

import httpx
import pytest

PHONE = {"mac": "00:04:F2:AA:BB:CC", "model": "VVX_410", "description": "Lobby"}
MAC = "0004f2aabbcc"


async def _user(admin: httpx.AsyncClient, username: str = "1001") -> None:
    answer = await admin.post(
        "/api/v1/users", json={"username": username, "password": "secret-pass"}
    )
    assert answer.status_code == 201


async def test_create_answers_201_then_200_with_the_same_phone(admin: httpx.AsyncClient) -> None:
    created = await admin.post("/api/v1/phones", json=PHONE)
    assert created.status_code == 201
    body = created.json()
    assert body["mac"] == MAC and body["model"] == "VVX_410" and body["lines"] == []
    assert body["registered"] is False and len(body["unique_id"]) == 4
    assert set(body) >= {"ip", "firmware", "description", "last_seen", "created", "sync"}
    again = await admin.post(
        "/api/v1/phones", json={"mac": "00-04-f2-aa-bb-cc", "model": "VVX_410"}
    )
    assert again.status_code == 200
    assert again.json() == body


async def test_read_update_replace_delete(admin: httpx.AsyncClient) -> None:
    await admin.post("/api/v1/phones", json={**PHONE, "ip": "10.0.0.5", "firmware": "5.9.5"})
    patched = await admin.patch(
        f"/api/v1/phones/{MAC}",
        json={"ip": "10.0.0.6", "last_seen": "2026-01-31T10:00:00+02:00"},
    )
    assert patched.status_code == 200
    body = patched.json()
    assert (body["ip"], body["firmware"], body["description"]) == ("10.0.0.6", "5.9.5", "Lobby")
    assert body["last_seen"] == "2026-01-31T08:00:00Z"
    replaced = await admin.put("/api/v1/phones/00:04:f2:aa:bb:cc", json={"model": "VVX_310"})
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["model"], body["ip"], body["description"]) == ("VVX_310", None, "")
    assert (await admin.get(f"/api/v1/phones/{MAC}")).json() == body
    assert (await admin.delete(f"/api/v1/phones/{MAC}")).status_code == 204
    missing = await admin.get(f"/api/v1/phones/{MAC}")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "mac"


async def test_list_with_search_unassigned_paging_and_sort(admin: httpx.AsyncClient) -> None:
    for number in range(1, 6):
        mac = f"0004f2aabb{number:02x}"
        await admin.post("/api/v1/phones", json={"mac": mac, "model": "VVX_410"})
    await _user(admin)
    await admin.post("/api/v1/phones/0004f2aabb03/lines", json={"username": "1001"})

    listed = (await admin.get("/api/v1/phones", params={"per_page": 2, "page": 2})).json()
    assert listed["total"] == 5
    assert [p["mac"] for p in listed["items"]] == ["0004f2aabb03", "0004f2aabb04"]
    listed = (await admin.get("/api/v1/phones", params={"sort": "-mac", "limit": 1})).json()
    assert [p["mac"] for p in listed["items"]] == ["0004f2aabb05"]
    listed = (await admin.get("/api/v1/phones", params={"unassigned": "true"})).json()
    assert listed["total"] == 4 and "0004f2aabb03" not in [p["mac"] for p in listed["items"]]
    listed = (await admin.get("/api/v1/phones", params={"search": "AA:BB:04"})).json()
    assert [p["mac"] for p in listed["items"]] == ["0004f2aabb04"]
    listed = (await admin.get("/api/v1/phones", params={"search": "1001"})).json()
    assert [p["mac"] for p in listed["items"]] == ["0004f2aabb03"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"mac": "00:04:f2:aa:bb", "model": "VVX_410"}, "mac", "not a MAC address"),
        ({"mac": MAC, "model": "VVX_9999"}, "model", "known models: "),
        ({"mac": MAC}, "model", "Field required"),
        ({"mac": MAC, "model": "VVX_410", "ip": "300.1.1.1"}, "ip", "not an IP address"),
        ({"mac": MAC, "model": "VVX_410", "last_seen": 1700000000}, "last_seen", "RFC 3339"),
        ({"mac": MAC, "model": "VVX_410", "colour": "red"}, "colour", "Extra inputs"),
    ],
    ids=["mac", "model", "no-model", "ip", "time", "extra"],
)
async def test_bad_input_is_422_naming_the_field(
    admin: httpx.AsyncClient, body: dict[str, object], field: str, words: str
) -> None:
    answer = await admin.post("/api/v1/phones", json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["status"], error["field"]) == (422, field)
    assert words in error["message"]


async def test_lines_assign_unassign_and_resync(
    admin: httpx.AsyncClient, resyncs: list[str]
) -> None:
    await admin.post("/api/v1/phones", json={"mac": MAC, "model": "VVX_150"})
    await _user(admin, "1001")
    await _user(admin, "1002")
    assigned = await admin.post(
        f"/api/v1/phones/{MAC}/lines", json={"username": "1002", "position": 2}
    )
    assert assigned.status_code == 201
    assert assigned.json()["lines"] == [{"username": "1002", "position": 2, "display_name": ""}]
    beyond = await admin.post(
        f"/api/v1/phones/{MAC}/lines", json={"username": "1001", "position": 3}
    )
    assert beyond.status_code == 409 and beyond.json()["error"]["field"] == "position"
    twice = await admin.post(f"/api/v1/phones/{MAC}/lines", json={"username": "1002"})
    assert twice.status_code == 409 and twice.json()["error"]["field"] == "username"
    nobody = await admin.post(f"/api/v1/phones/{MAC}/lines", json={"username": "4242"})
    assert nobody.status_code == 404 and nobody.json()["error"]["field"] == "username"
    assert resyncs == [MAC]
    removed = await admin.delete(f"/api/v1/phones/{MAC}/lines/1002")
    assert removed.status_code == 200 and removed.json()["lines"] == []
    assert resyncs == [MAC, MAC]
    again = await admin.delete(f"/api/v1/phones/{MAC}/lines/1002")
    assert again.status_code == 404


async def test_restart_asks_for_a_resync(admin: httpx.AsyncClient, resyncs: list[str]) -> None:
    unknown = await admin.post(f"/api/v1/phones/{MAC}/restart")
    assert unknown.status_code == 404 and resyncs == []
    await admin.post("/api/v1/phones", json=PHONE)
    answer = await admin.post("/api/v1/phones/00-04-F2-AA-BB-CC/restart")
    assert answer.status_code == 202 and answer.json() == {"mac": MAC, "status": "requested"}
    assert resyncs == [MAC]
