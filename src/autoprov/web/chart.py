"""The dashboard's "phones provisioned per day" chart, laid out here and drawn as inline SVG by
the template (no script, no image file)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

WIDTH = 560
HEIGHT = 140
LABEL_SPACE = 18
"""Room under the bars for the day labels."""
COUNT_SPACE = 16
"""Room over the tallest bar for its count."""


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float

    labelled: bool
    """Every other day carries its date, counted back from the last, so labels never touch."""

    @property
    def label(self) -> str:
        return self.day.strftime("%d %b")


@dataclass(frozen=True, slots=True)
class Chart:
    bars: tuple[Bar, ...]
    peak: int
    total: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - LABEL_SPACE


def daily_chart(created: Iterable[datetime], today: date, days: int = 14) -> Chart:
    """One bar per day for the ``days`` days ending ``today`` (UTC), scaled to the busiest."""
    first = today - timedelta(days=days - 1)
    counts = Counter(_utc_day(moment) for moment in created)
    series = [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(days)
    ]
    peak = max((count for _, count in series), default=0)
    slot = WIDTH / days
    usable = HEIGHT - LABEL_SPACE - COUNT_SPACE
    bars = []
    for index, (day, count) in enumerate(series):
        height = usable * count / peak if peak else 0.0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(index * slot + slot * 0.15, 1),
                y=round(HEIGHT - LABEL_SPACE - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                labelled=(days - 1 - index) % 2 == 0,
            )
        )
    return Chart(bars=tuple(bars), peak=peak, total=sum(count for _, count in series))


def _utc_day(moment: datetime) -> date:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()
