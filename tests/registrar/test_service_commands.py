"""Commands from the inventory reach the running registrar (``run(settings)``, as the CLI
runs it) through the ``registrar_commands`` table: no restart, no database read per REGISTER."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.storage.commands import CommandKind, post_command
from autoprov.storage.models import User
from tests.registrar.conftest import add_users
from tests.registrar.processes import configured, eventually, serving
from tests.registrar.sipclient import SipClient
from tests.registrar.test_persistence import rows

COMMAND_DELAY = 5.0
"""The registrar polls about once a second; the margin is for a loaded test machine."""


def autoprovision_password(engine: Engine) -> str:
    with Session(engine) as session:
        password = session.scalar(select(User.password).where(User.username == AUTOPROVISION_USER))
    assert password is not None
    return password


async def test_credentials_changed_applies_user_changes_without_restart(
    settings: Settings, engine: Engine
) -> None:
    # enough allowed failures that polling with a not-yet-valid password is never throttled
    settings = configured(settings, register_plugins=[], auth_fail_limit=1000)
    async with serving(settings) as address:
        client = await SipClient.open(address, settings.domain)
        assert (await client.register("2001", "pw-2001")).status == 401

        with Session(engine) as session, session.begin():
            session.add(User(username="2001", password="pw-2001"))
            post_command(session, CommandKind.CREDENTIALS_CHANGED)

        async def registers(password: str) -> bool:
            return (await client.register("2001", password)).status == 200

        assert await eventually(lambda: registers("pw-2001"), COMMAND_DELAY)

        with Session(engine) as session, session.begin():
            user = session.scalars(select(User).where(User.username == "2001")).one()
            user.password = "pw-2001-new"
            post_command(session, CommandKind.CREDENTIALS_CHANGED)
        assert await eventually(lambda: registers("pw-2001-new"), COMMAND_DELAY)
        assert (await client.register("2001", "pw-2001")).status == 401
        client.close()


async def test_remove_bindings_drops_only_that_phones_binding(
    settings: Settings, engine: Engine
) -> None:
    add_users(engine, {"1001": "secret-1001"})
    settings = configured(settings, register_plugins=[])
    async with serving(settings) as address:
        secret = autoprovision_password(engine)
        macs = ["0004f2000001", "0004f2000002", "0004f2000003"]
        phones = [await SipClient.open(address, settings.domain) for _ in macs]
        for mac, phone in zip(macs, phones, strict=True):
            reply = await phone.register(AUTOPROVISION_USER, secret, display_name=f"VVX350-{mac}")
            assert reply.status == 200
        # another AOR whose display name carries the same suffix is not the command's business
        user = await SipClient.open(address, settings.domain)
        reply = await user.register("1001", "secret-1001", display_name="Desk-0004f2000002")
        assert reply.status == 200
        contacts = {
            mac: f"sip:{AUTOPROVISION_USER}@127.0.0.1:{phone.local_port}"
            for mac, phone in zip(macs, phones, strict=True)
        }
        everything = {(AUTOPROVISION_USER, c) for c in contacts.values()} | {
            ("1001", f"sip:1001@127.0.0.1:{user.local_port}")
        }

        async def stored(expected: set[tuple[str, str]]) -> bool:
            return set(rows(engine)) == expected

        assert await eventually(lambda: stored(everything), COMMAND_DELAY)

        with Session(engine) as session, session.begin():
            post_command(
                session,
                CommandKind.REMOVE_BINDINGS,
                aor=AUTOPROVISION_USER,
                display_name_suffix="-0004f2000002",
            )
        removed = everything - {(AUTOPROVISION_USER, contacts["0004f2000002"])}
        assert await eventually(lambda: stored(removed), COMMAND_DELAY)
        # Removals posted together (an import re-syncing many phones) are applied together.
        with Session(engine) as session, session.begin():
            for mac in ("0004f2000001", "0004f2000003", "0004f2000009"):
                post_command(
                    session,
                    CommandKind.REMOVE_BINDINGS,
                    aor=AUTOPROVISION_USER,
                    display_name_suffix=f"-{mac}",
                )
        only_user = {("1001", f"sip:1001@127.0.0.1:{user.local_port}")}
        assert await eventually(lambda: stored(only_user), COMMAND_DELAY)
        for client in [*phones, user]:
            client.close()
