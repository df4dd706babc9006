from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from autoprov.config import Settings
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.registrar.plugins import LoadedPlugin, PluginRunner, load_plugins
from tests.registrar import fake_plugin
from tests.registrar.test_location import binding

FAKE = "tests.registrar.fake_plugin"


def test_unknown_and_broken_plugins_are_logged_and_skipped(
    caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    settings = Settings(data_dir=tmp_path)
    names = [
        f"{FAKE}:create_recording",
        "no-such-plugin",
        "no.such.module:create",
        f"{FAKE}:create_broken",
        f"{FAKE}:NOT_CALLABLE",
        f"{FAKE}:missing",
    ]
    with caplog.at_level(logging.ERROR, "autoprov.registrar"):
        loaded = load_plugins(names, settings, cast(Any, None))
    assert [p.name for p in loaded] == [f"{FAKE}:create_recording"]
    failures = [r.getMessage() for r in caplog.records if "plugin-load-failed" in r.getMessage()]
    assert len(failures) == 5
    assert any("factory bug" in line for line in failures)


async def test_a_raising_plugin_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    raising, recording = fake_plugin.RaisingPlugin(), fake_plugin.RecordingPlugin()
    metrics = RegistrarMetrics()
    runner = PluginRunner(
        [LoadedPlugin("raising", raising), LoadedPlugin("recording", recording)], metrics
    )
    await runner.start()
    items = [binding(contact=f"sip:a@h{n}") for n in range(20)]
    with caplog.at_level(logging.ERROR, "autoprov.registrar"):
        runner.submit(cast(Any, "request"), items)
        await runner.stop()
    assert [b for _, b in recording.seen] == items
    assert metrics.plugin_errors == 20
    # one line per plugin per minute, with the traceback
    logged = [r for r in caplog.records if "plugin-failed" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert raising.stopped and recording.stopped


async def test_a_slow_plugin_fills_the_queue_and_calls_are_dropped() -> None:
    sleeping = fake_plugin.SleepingPlugin()
    metrics = RegistrarMetrics()
    runner = PluginRunner([LoadedPlugin("sleeping", sleeping)], metrics, queue_size=3)
    await runner.start()
    runner.submit(cast(Any, "request"), [binding(contact=f"sip:a@h{n}") for n in range(10)])
    # submit returned with the plugin still on its first call: nothing waited for it
    assert sleeping.seen == []
    assert metrics.plugin_calls_dropped >= 6
    await runner.stop()


async def test_a_plugin_that_fails_to_start_is_left_out() -> None:
    failing, recording = fake_plugin.FailingStartPlugin(), fake_plugin.RecordingPlugin()
    runner = PluginRunner(
        [LoadedPlugin("failing", failing), LoadedPlugin("recording", recording)],
        RegistrarMetrics(),
    )
    await runner.start()
    assert runner.names == ["recording"]
    runner.submit(cast(Any, "request"), [binding()])
    await runner.stop()
    assert len(recording.seen) == 1
    assert failing.seen == []
