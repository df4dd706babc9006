from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.inventory.phones import create_phone, get_phone
from autoprov.inventory.users import create_user
from tests.cli.conftest import Invoke, RunningApi


@pytest.fixture
def stocked(db: Engine) -> Engine:
    with Session(db) as session, session.begin():
        create_phone(session, "0004f2aabb01", "VVX_410", description="Lobby", ip="10.0.0.1")
        create_phone(session, "0004f2aabb02", "VVX_150", description="Desk")
        create_user(session, "1001", "secret-pass", "Front Desk")
    return db


def test_list_filters_and_searches(run: Invoke, stocked: Engine) -> None:
    listed = run("phones", "list")
    assert listed.exit_code == 0
    assert "2 phone(s)" in listed.stdout
    assert "0004f2aabb01" in listed.stdout and "0004f2aabb02" in listed.stdout
    found = run("phones", "list", "--search", "AA:BB:02")
    assert "1 phone(s)" in found.stdout and "0004f2aabb02" in found.stdout
    assert run("phones", "list", "--sort", "password").exit_code == 1


def test_assign_unassign_restart_go_through_the_running_api(
    run: Invoke, stocked: Engine, api: RunningApi
) -> None:
    assigned = run("phones", "assign", "00:04:F2:AA:BB:02", "1001", "--position", "2")
    assert assigned.exit_code == 0, assigned.stderr
    assert "2: 1001" in assigned.stdout
    unassigned_list = run("phones", "list", "--unassigned")
    assert "1 phone(s)" in unassigned_list.stdout and "0004f2aabb01" in unassigned_list.stdout
    assert run("phones", "unassign", "0004f2aabb02", "1001").exit_code == 0
    assert run("phones", "restart", "0004f2aabb01").exit_code == 0
    assert api.resyncs == ["0004f2aabb02", "0004f2aabb02", "0004f2aabb01"]


def test_refusals_name_the_field(run: Invoke, stocked: Engine) -> None:
    beyond = run("phones", "assign", "0004f2aabb02", "1001", "--position", "3")
    assert beyond.exit_code == 1 and "position:" in beyond.stderr
    nobody = run("phones", "assign", "0004f2aabb02", "4242")
    assert nobody.exit_code == 1 and "username:" in nobody.stderr
    bad_mac = run("phones", "restart", "0004f2")
    assert bad_mac.exit_code == 1 and "mac: not a MAC address" in bad_mac.stderr


def test_without_the_api_the_change_is_kept_and_the_resync_reported(
    run: Invoke, stocked: Engine
) -> None:
    assigned = run("phones", "assign", "0004f2aabb01", "1001")
    assert assigned.exit_code == 0
    assert "could not ask the API" in assigned.stderr
    with Session(stocked) as session:
        assert [line.username for line in get_phone(session, "0004f2aabb01").lines] == ["1001"]
    assert run("phones", "restart", "0004f2aabb01").exit_code == 1
