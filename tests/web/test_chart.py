from __future__ import annotations

from datetime import UTC, date, datetime

from autoprov.web.chart import COUNT_SPACE, HEIGHT, LABEL_SPACE, daily_chart


def test_bars_count_each_utc_day_and_scale_to_the_busiest() -> None:
    created = [
        datetime(2026, 11, 24, 23, 59, tzinfo=UTC),
        datetime(2026, 11, 26, 0, 1, tzinfo=UTC),
        datetime(2026, 11, 26, 12, 0),  # naive, as SQLite returns it: taken as UTC
        datetime(2026, 11, 26, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 10, tzinfo=UTC),  # before the window
    ]
    chart = daily_chart(created, date(2026, 11, 26), days=3)
    assert [(bar.day, bar.count) for bar in chart.bars] == [
        (date(2026, 11, 24), 1),
        (date(2026, 11, 25), 0),
        (date(2026, 11, 26), 3),
    ]
    assert chart.peak == 3
    assert chart.total == 4
    tallest, empty = chart.bars[2], chart.bars[1]
    assert tallest.y + tallest.height == HEIGHT - LABEL_SPACE
    assert tallest.y >= COUNT_SPACE, "room for the count over the tallest bar"
    assert tallest.height > chart.bars[0].height > 0
    assert empty.height == 0
    assert [bar.x for bar in chart.bars] == sorted(bar.x for bar in chart.bars)


def test_no_phones_draws_empty_bars() -> None:
    chart = daily_chart([], date(2026, 11, 26))
    assert len(chart.bars) == 14
    assert chart.peak == 0
    assert all(bar.height == 0 for bar in chart.bars)
    assert chart.bars[-1].label == "26 Nov"


def test_labels_alternate_from_the_last_day() -> None:
    chart = daily_chart([], date(2026, 11, 26), days=5)
    assert [bar.labelled for bar in chart.bars] == [True, False, True, False, True]
