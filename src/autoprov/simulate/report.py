"""The end-of-run summary: counts, p50/p99 per step, and the table the command prints."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table

from autoprov.config import AUTOPROVISION_USER
from autoprov.simulate.results import Milestones, PhoneResult, Step


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class StepStats:
    count: int
    p50: float
    p99: float


@dataclass(frozen=True, slots=True)
class Summary:
    phones: int
    booted: int
    auto_provisioned: int
    registered_as_user: int
    failed: int
    steps: dict[Step, StepStats]
    failures: tuple[tuple[str, str], ...]
    """``(mac, reason)`` of every failed phone."""


def summarize(results: Iterable[PhoneResult]) -> Summary:
    phones = list(results)
    samples: dict[Step, list[float]] = {step: [] for step in Step}
    for phone in phones:
        for boot in phone.boots:
            for step, seconds in boot.steps.items():
                samples[step].append(seconds)
    reached = [Milestones.of(phone) for phone in phones]
    return Summary(
        phones=len(phones),
        booted=sum(phone.booted for phone in phones),
        auto_provisioned=sum(m.auto_provisioned for m in reached),
        registered_as_user=sum(m.registered_as_user for m in reached),
        failed=sum(phone.failed for phone in phones),
        steps={
            step: StepStats(len(values), percentile(values, 0.5), percentile(values, 0.99))
            for step, values in samples.items()
            if values
        },
        failures=tuple((phone.mac, phone.failure) for phone in phones if phone.failure),
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def summary_tables(summary: Summary) -> tuple[Table, Table]:
    """Counts, then the time per step."""
    counts = Table(title="Phones", show_header=False)
    counts.add_column("what")
    counts.add_column("phones", justify="right")
    counts.add_row("emulated", str(summary.phones))
    counts.add_row("booted (every line registered)", str(summary.booted))
    counts.add_row(
        f"auto-provisioned (registered as {AUTOPROVISION_USER})", str(summary.auto_provisioned)
    )
    counts.add_row("registered as a user", str(summary.registered_as_user))
    counts.add_row("failed", str(summary.failed), style="red" if summary.failed else None)

    steps = Table(title="Time per step")
    steps.add_column("step")
    steps.add_column("samples", justify="right")
    steps.add_column("p50", justify="right")
    steps.add_column("p99", justify="right")
    for step, stats in summary.steps.items():
        steps.add_row(step.value, str(stats.count), _ms(stats.p50), _ms(stats.p99))
    return counts, steps
