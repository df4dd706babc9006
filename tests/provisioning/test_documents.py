"""Rendered files are kept, and must never outlive what they were rendered from: these ask
for each file again after every kind of change, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets
from autoprov.inventory.lines import assign_line, unassign_line
from autoprov.inventory.site import update_site_settings
from autoprov.inventory.users import create_user, update_user
from autoprov.polycom.rendering import RELOAD_INTERVAL
from autoprov.provisioning.answers import Refusal
from autoprov.provisioning.request import Auth
from autoprov.provisioning.resolver import PHONE_TTL, SITE_TTL, Resolver
from autoprov.provisioning.store import Store
from autoprov.storage.db import make_engine
from tests.polycom.xmlfile import parameters
from tests.provisioning.clients import http
from tests.provisioning.expect import body, refusal
from tests.provisioning.inventory import add_phone

MAC = "0004f2aabbcc"
OTHER_MAC = "64167f000001"
PROFILE = f"/{MAC}-profile.cfg"
REGISTRATION = f"/autoprov/{MAC}-registration.cfg"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def other_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    """A second connection pool to the same database, as another process has."""
    other = make_engine(database_url)
    yield other
    other.dispose()


def registration(mac: str) -> str:
    return f"/autoprov/{mac}-registration.cfg"


async def profile_of(resolver: Resolver, mac: str = MAC) -> dict[str, str]:
    return parameters(body(await resolver.resolve(http(f"/{mac}-profile.cfg", auth=Auth.VALID))))


async def test_a_changed_password_shows_at_once_in_every_process(
    settings: Settings, engine: Engine, other_engine: Engine, secrets: Secrets
) -> None:
    add_phone(engine, MAC, users=("1001",))
    first = Resolver(settings, Store(engine, settings))
    second = Resolver(settings, Store(other_engine, settings))
    for resolver in (first, second, first, second):
        assert (await profile_of(resolver))["reg.1.auth.password"] == "1001-pw"
    with Session(engine) as session, session.begin():
        update_user(session, "1001", password="changed-secret", display_name="Front Desk")
    for resolver in (first, second):
        found = await profile_of(resolver)
        assert found["reg.1.auth.password"] == "changed-secret"
        assert found["reg.1.displayName"] == "Front Desk"


async def test_lines_added_and_removed_show_at_once(
    resolver: Resolver, engine: Engine, secrets: Secrets
) -> None:
    add_phone(engine, MAC, users=("1001",))
    master = http(f"/{MAC}.cfg")
    master_before = body(await resolver.resolve(master))
    assert "reg.2.address" not in await profile_of(resolver)
    with Session(engine) as session, session.begin():
        create_user(session, "1002", "1002-secret")
        assign_line(session, MAC, "1002")
    assert (await profile_of(resolver))["reg.2.auth.password"] == "1002-secret"
    with Session(engine) as session, session.begin():
        unassign_line(session, MAC, "1001")
    found = await profile_of(resolver)
    assert "reg.1.address" not in found and found["reg.2.auth.userId"] == "1002"
    assert body(await resolver.resolve(master)) == master_before  # it names the profile only
    with Session(engine) as session, session.begin():
        unassign_line(session, MAC, "1002")
    assert refusal(await resolver.resolve(master)) is Refusal.NOT_FOUND
    assert refusal(await resolver.resolve(http(PROFILE, auth=Auth.VALID))) is Refusal.NOT_FOUND


async def test_phones_never_get_each_others_files(
    resolver: Resolver, engine: Engine, secrets: Secrets
) -> None:
    add_phone(engine, MAC, users=("1001",))
    add_phone(engine, OTHER_MAC, users=("1002",))
    for _ in range(3):
        mine, theirs = await profile_of(resolver, MAC), await profile_of(resolver, OTHER_MAC)
        assert (mine["reg.1.auth.userId"], mine["reg.1.auth.password"]) == ("1001", "1001-pw")
        assert (theirs["reg.1.auth.userId"], theirs["reg.1.auth.password"]) == ("1002", "1002-pw")
    for _ in range(3):
        one = parameters(body(await resolver.resolve(http(registration("0004f2000001")))))
        two = parameters(body(await resolver.resolve(http(registration("0004f2000002")))))
        assert one["reg.1.displayName"].endswith("-0004f2000001")
        assert two["reg.1.displayName"].endswith("-0004f2000002")
        assert one["reg.1.label"] != two["reg.1.label"]


async def test_the_registration_file_follows_the_site_settings(
    settings: Settings, engine: Engine, secrets: Secrets
) -> None:
    clock = Clock()
    resolver = Resolver(settings, Store(engine, settings), clock=clock)
    found = parameters(body(await resolver.resolve(http(REGISTRATION))))
    assert found["reg.1.server.1.address"] == "127.0.0.1"
    with Session(engine) as session, session.begin():
        update_site_settings(session, registrar_host="192.0.2.5", registrar_port=5070)
    clock.now += max(SITE_TTL, PHONE_TTL)  # as fresh as the settings have always been
    found = parameters(body(await resolver.resolve(http(REGISTRATION))))
    assert (found["reg.1.server.1.address"], found["reg.1.server.1.port"]) == ("192.0.2.5", "5070")


async def test_the_time_server_follows_the_site_settings(
    settings: Settings, engine: Engine, secrets: Secrets
) -> None:
    add_phone(engine, MAC, users=("1001",))
    clock = Clock()
    resolver = Resolver(settings, Store(engine, settings), clock=clock)

    async def time_servers() -> tuple[str, str]:
        site = parameters(body(await resolver.resolve(http("/site.cfg"))))
        return site["tcpIpApp.sntp.address"], (await profile_of(resolver))["tcpIpApp.sntp.address"]

    assert await time_servers() == ("pool.ntp.org", "pool.ntp.org")
    with Session(engine) as session, session.begin():
        update_site_settings(session, time_server="ntp.example.net")
    clock.now += max(SITE_TTL, PHONE_TTL)
    assert await time_servers() == ("ntp.example.net", "ntp.example.net")


async def test_an_edited_template_shows_once_the_templates_are_read_again(
    settings: Settings, engine: Engine, secrets: Secrets
) -> None:
    clock = Clock()
    resolver = Resolver(settings, Store(engine, settings), clock=clock)
    templates = settings.data_dir / "templates"
    templates.mkdir(parents=True)
    override = templates / "registration.cfg.j2"
    override.write_text('<polycomConfig edition="1" label="{{ line.label }}"/>\n')
    assert parameters(body(await resolver.resolve(http(REGISTRATION))))["edition"] == "1"
    override.write_text('<polycomConfig edition="two" label="{{ line.label }}"/>\n')
    clock.now += RELOAD_INTERVAL
    assert parameters(body(await resolver.resolve(http(REGISTRATION))))["edition"] == "two"
