from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.notifier import CheckSyncNotifier, SyncStatus
from autoprov.notifier.exchange import Timers
from autoprov.storage.commands import CommandKind
from autoprov.storage.models import Binding, Line, Phone, RegistrarCommand, User
from tests.helpers import free_port
from tests.notifier.phone import fake_phone, fake_tcp_phone

MAC = "0004f2aabbcc"
FAST = Timers(t1=0.02, t2=0.08)


def _add_phone(engine: Engine, ip: str | None = "127.0.0.1", users: tuple[str, ...] = ()) -> None:
    with Session(engine) as session, session.begin():
        phone = Phone(mac=MAC, model="VVX_410", ip=ip, description="")
        session.add(phone)
        for position, username in enumerate(users, start=1):
            user = User(username=username, password="secret", display_name=username)
            session.add(Line(phone=phone, user=user, position=position))


def _register(
    engine: Engine,
    aor: str,
    port: int,
    host: str = "127.0.0.1",
    display_name: str = "",
    user_agent: str = "PolycomVVX-VVX_410-UA/5.9.5.0614",
    transport: str = "udp",
) -> None:
    now = time.time()
    with Session(engine) as session, session.begin():
        session.add(
            Binding(
                aor=aor,
                contact=f"sip:{aor}@{host}:{port}",
                expires_at=now + 3600,
                call_id=f"{aor}-{port}@{host}",
                cseq=1,
                source=f"{host}:{port}",
                source_host=host,  # as the registrar writes it
                transport=transport,
                user_agent=user_agent,
                display_name=display_name,
                updated_at=now,
            )
        )


def _sync(engine: Engine) -> tuple[str | None, str | None]:
    with Session(engine) as session:
        phone = session.scalars(select(Phone).where(Phone.mac == MAC)).one()
        return phone.sync_status, phone.sync_detail


async def _settled(engine: Engine) -> tuple[str | None, str | None]:
    """The sync outcome once it is final (within 10 s)."""
    for _ in range(500):
        found = _sync(engine)
        if found[0] not in (None, SyncStatus.PENDING.value):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"still {found}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The notifier looks again for a missing contact for 30 flush intervals: keep that short.
    return settings.model_copy(update={"binding_flush_interval": 0.05})


@pytest.fixture
async def notifier(settings: Settings, engine: Engine) -> AsyncIterator[CheckSyncNotifier]:
    notifier = CheckSyncNotifier(settings, engine, timers=FAST)
    await notifier.start()
    yield notifier
    await notifier.stop()


async def test_a_phone_that_answers_is_ok(notifier: CheckSyncNotifier, engine: Engine) -> None:
    _add_phone(engine, users=("1001", "1002"))
    with fake_phone(200) as phone:
        _register(engine, "1001", phone.port)
        _register(engine, "1002", phone.port)
        # the API calls resync from its worker threads
        threading.Thread(target=notifier.resync, args=(MAC,)).start()
        status = await _settled(engine)
    assert status == ("ok", f"200 OK from 127.0.0.1:{phone.port}")
    assert len(phone.received) == 1, "one NOTIFY per address, not one per line"
    assert phone.requests[0].headers.get("Event") == "check-sync"


async def test_an_unassigned_phone_is_reached_by_its_autoprovisioning_binding(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine)
    with fake_phone(200) as phone, fake_phone(200) as neighbour:
        _register(engine, AUTOPROVISION_USER, phone.port, display_name=f"ABCD-{MAC}")
        _register(engine, AUTOPROVISION_USER, neighbour.port, display_name="EFGH-0004f2000001")
        notifier.resync(MAC)
        status = await _settled(engine)
    assert status[0] == "ok"
    assert len(phone.received) == 1
    assert not neighbour.received


async def test_an_assigned_phone_is_reached_before_its_binding_is_retired(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))  # just assigned: still registered as the special user
    with fake_phone(200) as phone:
        _register(engine, AUTOPROVISION_USER, phone.port, display_name=f"ABCD-{MAC}")
        notifier.resync(MAC)
        assert (await _settled(engine))[0] == "ok"
    assert len(phone.received) == 1
    with Session(engine) as session:
        posted = session.scalars(select(RegistrarCommand)).all()
    assert [(c.kind, json.loads(c.arg)) for c in posted] == [
        (
            CommandKind.REMOVE_BINDINGS.value,
            {"aor": AUTOPROVISION_USER, "display_name_suffix": f"-{MAC}"},
        )
    ]


async def test_an_unassigned_phone_keeps_its_binding(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine)
    with fake_phone(200) as phone:
        _register(engine, AUTOPROVISION_USER, phone.port, display_name=f"ABCD-{MAC}")
        notifier.resync(MAC)
        assert (await _settled(engine))[0] == "ok"
    with Session(engine) as session:
        assert session.scalars(select(RegistrarCommand)).all() == []


async def test_a_phone_still_registered_as_a_former_user_is_reached(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine)  # its line was just taken away
    with fake_phone(200) as phone:
        _register(engine, "1001", phone.port)
        notifier.resync(MAC)
        assert (await _settled(engine))[0] == "ok"
    assert len(phone.received) == 1


async def test_the_same_user_on_another_device_is_left_alone(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))
    with fake_phone(200) as phone, fake_phone(200, host="127.0.0.2") as softphone:
        _register(engine, "1001", phone.port)
        _register(engine, "1001", softphone.port, host="127.0.0.2", user_agent="Linphone/5.2")
        notifier.resync(MAC)
        assert (await _settled(engine))[0] == "ok"
    assert len(phone.received) == 1
    assert not softphone.received


async def test_a_phone_registered_over_tcp_is_reached_over_tcp(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))
    async with fake_tcp_phone(200) as phone:
        _register(engine, "1001", phone.port, transport="tcp")
        notifier.resync(MAC)
        status = await _settled(engine)
    assert status == ("ok", f"200 OK from 127.0.0.1:{phone.port}")
    assert [r.headers.get("Event") for r in phone.received] == ["check-sync"]
    assert phone.received[0].via[0].transport == "TCP"


async def test_a_refused_tcp_connection_is_an_error(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))
    _register(engine, "1001", free_port(), transport="tcp")
    notifier.resync(MAC)
    status, detail = await _settled(engine)
    assert status == "error"
    assert detail is not None
    assert "cannot reach 127.0.0.1" in detail


async def test_a_silent_phone_times_out(notifier: CheckSyncNotifier, engine: Engine) -> None:
    _add_phone(engine, users=("1001",))
    with fake_phone(answer=None) as phone:
        _register(engine, "1001", phone.port)
        notifier.resync(MAC)
        status = await _settled(engine)
    assert status == ("timeout", f"no answer from 127.0.0.1:{phone.port}")
    assert len(phone.received) > 3


async def test_a_contact_written_after_the_assignment_is_still_reached(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    # Assigned the moment it appeared: its binding is not in the database yet (the registrar
    # writes behind), and its auto-provisioning binding is retired only once found.
    _add_phone(engine, users=("1001",))
    with fake_phone(200) as phone:
        notifier.resync(MAC)
        await asyncio.sleep(0.15)
        with Session(engine) as session:
            assert _sync(engine)[0] == SyncStatus.PENDING.value
            assert not session.scalars(select(RegistrarCommand)).all()
        _register(engine, AUTOPROVISION_USER, phone.port, display_name=f"ABCD-{MAC}")
        assert (await _settled(engine))[0] == "ok"
    assert len(phone.received) == 1
    with Session(engine) as session:
        (command,) = session.scalars(select(RegistrarCommand)).all()
    assert command.kind == CommandKind.REMOVE_BINDINGS.value


async def test_an_error_answer_is_an_error(notifier: CheckSyncNotifier, engine: Engine) -> None:
    _add_phone(engine, users=("1001",))
    with fake_phone(answer=489) as phone:
        _register(engine, "1001", phone.port)
        notifier.resync(MAC)
        status = await _settled(engine)
    assert status == ("error", f"489 Bad Event from 127.0.0.1:{phone.port}")


async def test_a_phone_without_registration_has_no_contact(
    notifier: CheckSyncNotifier, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))
    _register(engine, "1001", 5061, transport="tls")  # out of the notifier's reach
    notifier.resync(MAC)
    assert await _settled(engine) == ("no-contact", "no registered contact")


async def test_a_resync_asked_before_start_runs_at_start(
    settings: Settings, engine: Engine
) -> None:
    _add_phone(engine, users=("1001",))
    notifier = CheckSyncNotifier(settings, engine, timers=FAST)
    with fake_phone(200) as phone:
        _register(engine, "1001", phone.port)
        notifier.resync(MAC)
        await notifier.start()
        try:
            assert (await _settled(engine))[0] == "ok"
        finally:
            await notifier.stop()
