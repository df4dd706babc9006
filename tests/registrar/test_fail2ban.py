"""The fail2ban filter in docs/registrar.md against the log ``autoprov registrar`` really
writes: it catches failed and throttled authentications with the sender's address, nothing
else, and no password ever reaches the log, even at DEBUG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.storage.models import Setting
from tests.helpers import require_tool
from tests.registrar.conftest import add_users
from tests.registrar.processes import configured, registrar_process, stop_cleanly
from tests.registrar.sipclient import SipClient
from tests.registrar.test_clients import run_tool
from tests.registrar.test_service_commands import autoprovision_password

DOCS = Path(__file__).resolve().parents[2] / "docs" / "registrar.md"
# how fail2ban expands <HOST> (an optional IPv4-mapped prefix, then the address)
HOST = r"(?:::f{4,6}:)?(?P<host>\S+)"
PASSWORD = "secret-1001"
WRONG = "guess-1001"
FORGED_USER = "x ip=203.0.113.5 user=y"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The log lines do not depend on the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'autoprov.db'}"


def documented_filter() -> str:
    """The ``[Definition]`` block of the filter, as the docs print it."""
    match = re.search(r"```ini\n(\[Definition\]\n.*?)```", DOCS.read_text(), re.DOTALL)
    assert match, "no fail2ban filter in docs/registrar.md"
    return match.group(1)


def failregex() -> re.Pattern[str]:
    line = next(x for x in documented_filter().splitlines() if x.startswith("failregex"))
    return re.compile(line.partition("=")[2].strip().replace("<HOST>", HOST))


def check_failregex(lines: list[str]) -> None:
    expected = [line for line in lines if " WARNING autoprov.registrar auth-" in line]
    assert [line.split()[3] for line in expected] == [
        "auth-failed",
        "auth-failed",
        "auth-failed",
        "auth-throttled",  # once: the attempts refused by the block log nothing more
    ]
    successes = [line for line in lines if re.search(r" (un)?registered ", line)]
    assert len(successes) == 2
    regex = failregex()
    # as written to a file, and as fail2ban's systemd backend presents a journal entry
    for prefix in ("", "pbx autoprov[4242]: "):
        matches = [(line, regex.search(prefix + line)) for line in lines]
        found = [(line, m.group("host")) for line, m in matches if m is not None]
        assert found == [(line, "127.0.0.1") for line in expected]


async def check_with_fail2ban(fail2ban_regex: str, log: Path, tmp_path: Path) -> None:
    filter_file = tmp_path / "autoprov-registrar.conf"
    filter_file.write_text(documented_filter())
    code, output = await run_tool(fail2ban_regex, "-o", "ip", str(log), str(filter_file))
    assert code == 0, output
    assert output.split() == ["127.0.0.1"] * 4, output


def check_no_secret(text: str, engine: Engine) -> None:
    with Session(engine) as session:
        nonce_secret = session.scalar(
            select(Setting.value).where(Setting.key == "generated.nonce_secret")
        )
    assert nonce_secret
    secrets = [PASSWORD, WRONG, autoprovision_password(engine), nonce_secret]
    secrets += ["admin-secret", "prov-secret"]
    assert " DEBUG autoprov.registrar registered " in text  # the debug lines are there
    for secret in secrets:
        assert secret not in text


async def test_the_log_feeds_fail2ban_and_holds_no_password(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """A registration, an un-registration, failures (one with a user name that tries to
    forge an address) up to the throttle, then a throttled attempt."""
    fail2ban_regex = require_tool("fail2ban-regex")
    add_users(engine, {"1001": PASSWORD})
    settings = configured(settings, register_plugins=[], log_level="DEBUG", auth_fail_limit=3)
    log = tmp_path / "registrar.log"
    async with registrar_process(settings, log) as process:
        client = await SipClient.open(("127.0.0.1", settings.sip_port), settings.domain)
        assert (await client.register("1001", PASSWORD)).status == 200
        assert (await client.register("1001", PASSWORD, expires=0)).status == 200
        assert (await client.register("1001", WRONG)).status == 401
        assert (await client.register("1001", WRONG)).status == 401
        assert (await client.register("1001", WRONG, auth_user=FORGED_USER)).status == 401
        # blocked now, even with the right password
        assert (await client.register("1001", PASSWORD)).status == 403
        client.close()
        assert await stop_cleanly(process) == 0
    text = log.read_text()
    check_failregex(text.splitlines())
    await check_with_fail2ban(fail2ban_regex, log, tmp_path)
    check_no_secret(text, engine)
