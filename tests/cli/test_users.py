from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import create_phone
from autoprov.storage.models import User
from tests.cli.conftest import Invoke, RunningApi


def _password(engine: Engine, username: str) -> str | None:
    with Session(engine) as session:
        return session.scalar(select(User.password).where(User.username == username))


def test_add_generates_a_password_and_shows_it_once(run: Invoke, db: Engine) -> None:
    added = run("users", "add", "1001", "--display-name", "Front Desk")
    assert added.exit_code == 0
    generated = _password(db, "1001")
    assert generated and f"password: {generated}" in added.stdout
    listed = run("users", "list")
    assert "1001" in listed.stdout and "Front Desk" in listed.stdout
    assert generated not in listed.stdout


def test_add_with_a_password_and_refusals(run: Invoke, db: Engine) -> None:
    assert run("users", "add", "1002", "--password", "chosen-pass").exit_code == 0
    assert _password(db, "1002") == "chosen-pass"
    again = run("users", "add", "1002", "--password", "chosen-pass")
    assert again.exit_code == 1 and "username: user '1002' exists" in again.stderr
    short = run("users", "add", "1003", "--password", "short")
    assert short.exit_code == 1 and "password:" in short.stderr
    assert run("users", "delete", "4242").exit_code == 1


def test_delete_unassigns_and_asks_the_api_to_resync(
    run: Invoke, db: Engine, api: RunningApi
) -> None:
    run("users", "add", "1001", "--password", "chosen-pass")
    with Session(db) as session, session.begin():
        create_phone(session, "0004f2aabbcc", "VVX_410")
        assign_line(session, "0004f2aabbcc", "1001")
    deleted = run("users", "delete", "1001")
    assert deleted.exit_code == 0
    assert "unassigned from: 0004f2aabbcc" in deleted.stdout
    assert api.resyncs == ["0004f2aabbcc"]
    assert "1001" not in run("users", "list").stdout
