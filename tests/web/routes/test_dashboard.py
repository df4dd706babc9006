from __future__ import annotations

import re

import httpx
from sqlalchemy import Engine

from autoprov.config import AUTOPROVISION_USER, Settings
from tests.web.inventory import add_phone, add_user, register

STATS = ("total", "unassigned", "registered")


def _stats(page: str) -> tuple[int, ...]:
    """Phones in total, unassigned, registered now."""
    found = [re.search(rf'id="stat-{name}">(\d+)<', page) for name in STATS]
    return tuple(int(match[1]) for match in found if match is not None)


def test_counts_recent_phones_chart_and_dhcp_value(
    admin: httpx.Client, ui_engine: Engine, settings: Settings
) -> None:
    empty = admin.get("/ui/").text
    assert _stats(empty) == (0, 0, 0)
    assert "No phone has provisioned yet" in empty

    first = add_phone(ui_engine, "0004f2000001", ip="192.0.2.11")
    add_phone(ui_engine, "0004f2000002", ip="192.0.2.12")
    add_phone(ui_engine, "0004f2000003", ip="192.0.2.13")
    add_user(ui_engine, "1001", on="0004f2000001")
    register(ui_engine, "1001", "192.0.2.11")
    register(ui_engine, AUTOPROVISION_USER, "192.0.2.12", display_name="XXXX-0004f2000002")

    page = admin.get("/ui/").text
    assert _stats(page) == (3, 2, 2)
    assert re.findall(r'<td class="mono">([0-9a-f]{12})</td>', page) == [
        "0004f2000003",
        "0004f2000002",
        "0004f2000001",
    ]
    assert first in page
    assert "last 14 days: 3." in page
    url = f"http://prov:prov-secret@127.0.0.1:{settings.provision_port}/"
    assert page.count(url) == 2  # options 66 and 160
