from __future__ import annotations

import pytest
from rich.console import Console

from autoprov.config import AUTOPROVISION_USER
from autoprov.simulate.report import percentile, summarize, summary_tables
from autoprov.simulate.results import BootRecord, FleetTally, Milestones, PhoneResult, Step


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def _phone(mac: str, users: set[str], failure: str | None = None) -> PhoneResult:
    boot = BootRecord(number=1, steps={Step.TOTAL: 0.2, Step.REGISTER: 0.01})
    boot.registered_as = tuple(sorted(users))
    return PhoneResult(
        mac=mac,
        model="VVX_410",
        boots=[boot] if users else [],
        failure=failure,
        ever_registered=users,
    )


def test_summary_counts_and_table() -> None:
    phones = [
        _phone("0004f2000001", {AUTOPROVISION_USER}),
        _phone("0004f2000002", {AUTOPROVISION_USER, "1001"}),
        _phone("0004f2000003", set(), failure="GET http://x/000000000000.cfg: HTTP 500"),
    ]
    summary = summarize(phones)
    assert (summary.phones, summary.booted, summary.auto_provisioned) == (3, 2, 2)
    assert (summary.registered_as_user, summary.failed) == (1, 1)
    assert summary.steps[Step.TOTAL].count == 2
    assert Step.MASTER_FILE not in summary.steps
    assert summary.failures == (("0004f2000003", "GET http://x/000000000000.cfg: HTTP 500"),)
    console = Console(width=120, record=True)
    for table in summary_tables(summary):
        console.print(table)
    text = console.export_text()
    assert "registered as a user" in text and "200 ms" in text


def test_tally_counts_each_milestone_once_per_phone() -> None:
    tally = FleetTally()
    phone = PhoneResult(mac="0004f2000001", model="VVX_410")
    reached = Milestones.of(phone)

    def change() -> None:
        nonlocal reached
        now = Milestones.of(phone)
        tally.advance(reached, now)
        reached = now

    phone.ever_registered.add(AUTOPROVISION_USER)
    phone.boots.append(BootRecord(number=1, registered_as=(AUTOPROVISION_USER,)))
    change()
    change()  # no news: nothing counted twice
    assert tally == FleetTally(booted_or_failed=1, auto_provisioned=1, registered_as_user=0)
    phone.ever_registered.add("1001")
    phone.failure = "later failure"  # booted already: not counted again
    change()
    assert tally == FleetTally(booted_or_failed=1, auto_provisioned=1, registered_as_user=1)
    assert Milestones.of(phone) == Milestones(True, True, True)
