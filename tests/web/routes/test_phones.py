from __future__ import annotations

import re

import httpx
from sqlalchemy import Engine

from tests.web.inventory import add_phone, add_user

ROW = re.compile(r'<tr data-key="([0-9a-f]{12})"')


def _macs(client: httpx.Client, **params: str) -> list[str]:
    answer = client.get("/ui/phones", params=params)
    assert answer.status_code == 200
    return ROW.findall(answer.text)


def test_search_filter_and_sort(admin: httpx.Client, ui_engine: Engine) -> None:
    first = add_phone(ui_engine, "0004f2000001", description="Reception desk")
    add_phone(ui_engine, "0004f2000002", "VVX_310")
    add_phone(ui_engine, "64167f0000aa", "SPIP_650")
    add_user(ui_engine, "2042", "Anna", on="0004f2000002")

    assert _macs(admin, q=first.lower()) == ["0004f2000001"]
    assert _macs(admin, q="64:16:7F:00:00:AA") == ["64167f0000aa"]
    assert _macs(admin, q="64-16-7f") == ["64167f0000aa"]
    assert _macs(admin, q="2042") == ["0004f2000002"]
    assert _macs(admin, q="reception") == ["0004f2000001"]
    assert _macs(admin, q="no such thing") == []
    assert _macs(admin, filter="unassigned", sort="mac", order="asc") == [
        "0004f2000001",
        "64167f0000aa",
    ]
    assert _macs(admin, sort="mac", order="desc") == [
        "64167f0000aa",
        "0004f2000002",
        "0004f2000001",
    ]
    # Nonsense in the query string falls back to the defaults instead of failing.
    assert len(_macs(admin, sort="password", order="sideways", page="-3", filter="x")) == 3


def test_headers_sort_both_ways_and_keep_the_search(admin: httpx.Client, ui_engine: Engine) -> None:
    add_phone(ui_engine, "0004f2000001")
    page = admin.get("/ui/phones", params={"q": "0004f2", "sort": "mac", "order": "asc"}).text
    assert 'href="/ui/phones?q=0004f2&amp;sort=mac&amp;order=desc&amp;page=1"' in page
    assert 'href="/ui/phones?q=0004f2&amp;sort=model&amp;order=asc&amp;page=1"' in page
    assert 'aria-sort="ascending"' in page


def test_pages(admin: httpx.Client, ui_engine: Engine) -> None:
    for n in range(30):
        add_phone(ui_engine, f"0004f2{n:06x}")
    first = _macs(admin, sort="mac", order="asc")
    second = _macs(admin, sort="mac", order="asc", page="2")
    assert (len(first), len(second)) == (25, 5)
    assert first + second == sorted(first + second)
    beyond = admin.get("/ui/phones", params={"page": "9"})
    assert "page 2 of 2" in beyond.text


def test_the_polled_fragment_changes_only_when_the_list_does(
    admin: httpx.Client, ui_engine: Engine
) -> None:
    add_phone(ui_engine, "0004f2000001")
    page = admin.get("/ui/phones", params={"filter": "unassigned"}).text
    url = re.search(r'data-poll-url="([^"]+)"', page)
    version = re.search(r'data-poll-version="([^"]+)"', page)
    assert url is not None and version is not None
    fragment_url = url[1].replace("&amp;", "&")
    assert "filter=unassigned" in fragment_url

    same = admin.get(fragment_url)
    assert same.status_code == 200
    assert same.headers["x-fragment-version"] == version[1]
    assert same.headers["cache-control"] == "no-store"

    add_phone(ui_engine, "0004f2000002")
    changed = admin.get(fragment_url)
    assert changed.headers["x-fragment-version"] != version[1]
    assert ROW.findall(changed.text) == ["0004f2000002", "0004f2000001"]
