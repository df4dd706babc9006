from __future__ import annotations

import httpx


async def test_unknown_routes_and_methods_answer_in_the_error_shape(
    admin: httpx.AsyncClient,
) -> None:
    missing = await admin.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "message": "Not Found", "field": None}}
    wrong = await admin.put("/api/v1/users")
    assert wrong.status_code == 405 and wrong.json()["error"]["status"] == 405
    assert "GET" in wrong.headers["allow"]


async def test_malformed_json_and_query_values_are_422(admin: httpx.AsyncClient) -> None:
    garbled = await admin.post(
        "/api/v1/phones", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 422 and garbled.json()["error"]["status"] == 422
    paging = await admin.get("/api/v1/phones", params={"per_page": 0})
    assert paging.status_code == 422 and paging.json()["error"]["field"] == "per_page"
    sort = await admin.get("/api/v1/phones", params={"sort": "password"})
    assert sort.status_code == 422 and sort.json()["error"]["field"] == "sort"
    assert "-last_seen" in sort.json()["error"]["message"]
    path = await admin.get("/api/v1/phones/not-a-mac")
    assert path.status_code == 422 and path.json()["error"]["field"] == "mac"
    assert "not a MAC address" in path.json()["error"]["message"]
