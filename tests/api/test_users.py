from __future__ import annotations

import httpx

MAC = "0004f2aabbcc"


async def test_users_crud_never_returns_the_password(admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/v1/users",
        json={"username": "1001", "password": "secret-pass", "display_name": "Front Desk"},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["username"] == "1001" and body["has_password"] is True
    assert "password" not in body and "secret-pass" not in created.text
    taken = await admin.post("/api/v1/users", json={"username": "1001", "password": "x" * 8})
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "username"
    patched = await admin.patch("/api/v1/users/1001", json={"display_name": "Reception"})
    assert patched.json()["display_name"] == "Reception"
    cleared = await admin.patch("/api/v1/users/1001", json={"password": None})
    assert cleared.status_code == 422 and cleared.json()["error"]["field"] == "password"
    listed = (await admin.get("/api/v1/users", params={"search": "recep"})).json()
    assert listed["total"] == 1 and listed["items"][0]["username"] == "1001"
    assert "secret-pass" not in (await admin.get("/api/v1/users/1001")).text


async def test_bad_user_input(admin: httpx.AsyncClient) -> None:
    short = await admin.post("/api/v1/users", json={"username": "1001", "password": "short"})
    assert short.status_code == 422 and short.json()["error"]["field"] == "password"
    odd = await admin.post("/api/v1/users", json={"username": "10 01", "password": "x" * 8})
    assert odd.status_code == 422 and odd.json()["error"]["field"] == "username"
    system = await admin.get("/api/v1/users/~~id~autoprovision")
    assert system.status_code == 422
    listed = (await admin.get("/api/v1/users")).json()
    assert listed == {"items": [], "total": 0}


async def test_deleting_a_user_unassigns_and_resyncs_its_phones(
    admin: httpx.AsyncClient, resyncs: list[str]
) -> None:
    await admin.post("/api/v1/users", json={"username": "1001", "password": "secret-pass"})
    await admin.post("/api/v1/phones", json={"mac": MAC, "model": "VVX_410"})
    await admin.post(f"/api/v1/phones/{MAC}/lines", json={"username": "1001"})
    user = (await admin.get("/api/v1/users/1001")).json()
    assert user["phones"] == [{"mac": MAC, "position": 1}]
    resyncs.clear()
    deleted = await admin.delete("/api/v1/users/1001")
    assert deleted.status_code == 200
    assert deleted.json() == {"username": "1001", "unassigned_phones": [MAC]}
    assert resyncs == [MAC]
    assert (await admin.get(f"/api/v1/phones/{MAC}")).json()["lines"] == []
    unassigned = (await admin.get("/api/v1/phones", params={"unassigned": True})).json()
    assert [phone["mac"] for phone in unassigned["items"]] == [MAC]
    assert (await admin.delete("/api/v1/users/1001")).status_code == 404
