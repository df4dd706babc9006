"""The resolver against the inventory: what each phone gets depends on the database, so these
run on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.bootstrap import Secrets
from autoprov.inventory.site import update_site_settings
from autoprov.inventory.unique_ids import find_unique_id
from autoprov.polycom.unique_id import is_unique_id
from autoprov.provisioning.answers import Refusal, Refused
from autoprov.provisioning.request import Auth
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.store import PhoneAccounts, Store
from tests.polycom.xmlfile import parameters
from tests.provisioning.clients import UPDATER_AGENT, ftp, http, tftp
from tests.provisioning.conftest import Refusals
from tests.provisioning.expect import body, refusal
from tests.provisioning.inventory import add_phone, assign, phone_row

MAC = "0004f2aabbcc"
OTHER_MAC = "64167f000001"
REGISTRATION = f"/autoprov/{MAC}-registration.cfg"


async def test_unknown_or_unassigned_phone_has_no_mac_cfg(
    resolver: Resolver, engine: Engine, refusals: Refusals
) -> None:
    assert refusal(await resolver.resolve(http(f"/{MAC}.cfg"))) is Refusal.NOT_FOUND
    add_phone(engine, MAC)
    assert refusal(await resolver.resolve(http(f"/{MAC}.cfg"))) is Refusal.NOT_FOUND
    assert refusals() == []  # a phone looking for its own file is not an attack


async def test_assignment_shows_at_once_in_mac_cfg(resolver: Resolver, engine: Engine) -> None:
    add_phone(engine, MAC)
    assert refusal(await resolver.resolve(http(f"/{MAC}.cfg"))) is Refusal.NOT_FOUND
    assign(engine, MAC, "1001")
    found = parameters(body(await resolver.resolve(ftp(f"/{MAC}.cfg"))))
    assert found["CONFIG_FILES"] == f"{MAC}-profile.cfg"
    assert found["LOG_FILE_DIRECTORY"].endswith("/logs")


async def test_registration_file(resolver: Resolver, engine: Engine, secrets: Secrets) -> None:
    found = parameters(body(await resolver.resolve(http(REGISTRATION))))
    with Session(engine) as session:
        unique_id = find_unique_id(session, MAC)
    assert unique_id is not None and is_unique_id(unique_id)
    assert found == {
        "reg.1.address": AUTOPROVISION_USER,
        "reg.1.auth.userId": AUTOPROVISION_USER,
        "reg.1.auth.password": secrets.autoprovision_password,
        "reg.1.label": unique_id,
        "reg.1.displayName": f"{unique_id}-{MAC}",
        "reg.1.server.1.address": "127.0.0.1",
        "reg.1.server.1.port": str(resolver._settings.sip_port),
        "reg.1.server.1.transport": "UDPOnly",
        "reg.1.server.1.expires": "3600",
        "msg.mwi.1.subscribe": "",
        "msg.mwi.1.callBackMode": "disabled",
        "voIpProt.SIP.specialEvent.checkSync.alwaysReboot": "1",
    }


async def test_requests_arriving_together_share_one_id_reservation(
    resolver: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = resolver._store
    reserved: list[str] = []
    reserve = store.reserve_unique_id

    def counted(mac: str) -> str:
        reserved.append(mac)
        return reserve(mac)

    monkeypatch.setattr(store, "reserve_unique_id", counted)
    answers = await asyncio.gather(*(resolver.resolve(http(REGISTRATION)) for _ in range(20)))
    labels = {parameters(body(answer))["reg.1.label"] for answer in answers}
    assert len(labels) == 1
    assert reserved == [MAC]


async def test_registration_requests_arriving_together_share_one_phone_look_up(
    resolver: Resolver, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_phone(engine, MAC, users=("1001",))
    store = resolver._store
    looked_up: list[str] = []
    look_up = store.phone

    def counted(mac: str) -> PhoneAccounts | None:
        looked_up.append(mac)
        return look_up(mac)

    monkeypatch.setattr(store, "phone", counted)
    answers = await asyncio.gather(*(resolver.resolve(http(REGISTRATION)) for _ in range(20)))
    assert {refusal(answer) for answer in answers} == {Refusal.NOT_FOUND}
    assert looked_up == [MAC]
    # <mac>.cfg must show an assignment at once: each request reads for itself
    await asyncio.gather(*(resolver.resolve(http(f"/{MAC}.cfg")) for _ in range(3)))
    assert looked_up == [MAC] * 4


async def test_registration_id_is_stable_and_distinct(
    resolver: Resolver, settings: Settings, engine: Engine
) -> None:
    first = parameters(body(await resolver.resolve(http(REGISTRATION))))["reg.1.label"]
    again = parameters(body(await resolver.resolve(http(REGISTRATION))))["reg.1.label"]
    restarted = Resolver(settings, Store(engine, settings))
    after_restart = parameters(body(await restarted.resolve(ftp(REGISTRATION))))["reg.1.label"]
    other_path = f"autoprov/{OTHER_MAC}-registration.cfg"
    other = parameters(body(await resolver.resolve(tftp(other_path))))["reg.1.label"]
    assert first == again == after_restart
    assert other != first


async def test_registration_refused_when_autoprovisioning_is_off(
    resolver: Resolver, engine: Engine, refusals: Refusals
) -> None:
    with Session(engine) as session, session.begin():
        update_site_settings(session, autoprovision_enabled=False)
    answer = await resolver.resolve(http(REGISTRATION))
    assert answer == Refused(Refusal.FORBIDDEN, "auto-provisioning is off")
    assert "reason=autoprovision-off" in refusals()[0]


async def test_registration_refused_to_new_phones_past_the_cap(
    resolver: Resolver, engine: Engine, refusals: Refusals
) -> None:
    add_phone(engine, OTHER_MAC)
    with Session(engine) as session, session.begin():
        update_site_settings(session, unassigned_cap=1)
    assert refusal(await resolver.resolve(http(REGISTRATION))) is Refusal.UNAVAILABLE
    assert "reason=unassigned-cap" in refusals()[0]
    # a phone already in the inventory keeps getting its file
    assert body(await resolver.resolve(http(f"/autoprov/{OTHER_MAC}-registration.cfg")))


async def test_assigned_phone_has_no_registration_file(resolver: Resolver, engine: Engine) -> None:
    add_phone(engine, MAC, users=("1001",))
    assert refusal(await resolver.resolve(http(REGISTRATION))) is Refusal.NOT_FOUND


async def test_profile_needs_credentials(
    resolver: Resolver, engine: Engine, refusals: Refusals
) -> None:
    add_phone(engine, MAC, users=("1001", "1002"))
    path = f"/{MAC}-profile.cfg"
    assert refusal(await resolver.resolve(http(path))) is Refusal.UNAUTHORIZED
    assert refusals() == []  # a first request without credentials is a challenge, not an attack
    assert refusal(await resolver.resolve(http(path, auth=Auth.INVALID))) is Refusal.UNAUTHORIZED
    assert "reason=bad-credentials" in refusals()[0]
    assert refusal(await resolver.resolve(tftp(path))) is Refusal.UNAUTHORIZED
    found = parameters(body(await resolver.resolve(http(path, auth=Auth.VALID))))
    assert found["reg.1.auth.password"] == "1001-pw"
    assert found["reg.2.auth.password"] == "1002-pw"
    assert found["msg.mwi.2.subscribe"] == "1002"
    assert found["voIpProt.SIP.specialEvent.checkSync.alwaysReboot"] == "1"
    assert "tcpIpApp.sntp.address" in found


async def test_profile_only_from_allowed_networks(
    resolver: Resolver, engine: Engine, refusals: Refusals
) -> None:
    add_phone(engine, MAC, users=("1001",))
    with Session(engine) as session, session.begin():
        update_site_settings(session, provision_networks=("10.0.0.0/8", "192.0.2.0/28"))
    path = f"/{MAC}-profile.cfg"
    assert body(await resolver.resolve(http(path, auth=Auth.VALID)))
    outsider = http(path, auth=Auth.VALID, ip="198.51.100.7")
    assert refusal(await resolver.resolve(outsider)) is Refusal.FORBIDDEN
    assert "reason=network" in refusals()[0]


async def test_profile_of_a_phone_without_lines_is_not_found(
    resolver: Resolver, engine: Engine
) -> None:
    add_phone(engine, MAC)
    answer = await resolver.resolve(http(f"/{MAC}-profile.cfg", auth=Auth.VALID))
    assert refusal(answer) is Refusal.NOT_FOUND


async def test_requests_note_last_seen_and_application_firmware(
    resolver: Resolver, engine: Engine
) -> None:
    add_phone(engine, MAC)
    await resolver.resolve(http(f"/{MAC}.cfg", agent=UPDATER_AGENT, ip="192.0.2.20"))
    resolver.sightings.flush()
    seen = phone_row(engine, MAC)
    assert seen is not None and seen.ip == "192.0.2.20" and seen.last_seen_at is not None
    assert seen.firmware is None  # the updater reports its own version
    await resolver.resolve(http(REGISTRATION, ip="192.0.2.21"))
    await resolver.resolve(http("/unknown-file", agent=f"{UPDATER_AGENT} (SN:{MAC})"))
    resolver.sightings.flush()
    seen = phone_row(engine, MAC)
    assert seen is not None and seen.ip == "192.0.2.10" and seen.firmware == "5.9.7.4477"


async def test_unknown_phones_and_strangers_leave_no_trace(
    resolver: Resolver, engine: Engine
) -> None:
    add_phone(engine, MAC)
    await resolver.resolve(http(f"/{MAC}.cfg", agent="curl/8.5.0"))
    await resolver.resolve(http(f"/{OTHER_MAC}.cfg"))
    resolver.sightings.flush()
    seen = phone_row(engine, MAC)
    assert seen is not None and seen.last_seen_at is None
    assert phone_row(engine, OTHER_MAC) is None


@pytest.mark.parametrize("door", [ftp, tftp])
async def test_ftp_and_tftp_requests_are_sightings_without_firmware(
    resolver: Resolver, engine: Engine, door: object
) -> None:
    add_phone(engine, MAC)
    await resolver.resolve(door(f"{MAC}.cfg"))  # type: ignore[operator]
    resolver.sightings.flush()
    seen = phone_row(engine, MAC)
    assert seen is not None and seen.last_seen_at is not None and seen.firmware is None
