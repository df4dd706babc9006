"""Register plugins for tests, loaded by ``module:attribute`` name like a third-party plugin."""

from __future__ import annotations

import threading
import time
from typing import Any

from autoprov.registrar.location import Binding


class RecordingPlugin:
    instances: list[RecordingPlugin] = []

    def __init__(self) -> None:
        self.seen: list[tuple[Any, Binding]] = []
        self.started = self.stopped = False
        self.event = threading.Event()
        RecordingPlugin.instances.append(self)

    def take_action(self, request: Any, binding: Binding) -> None:
        self.seen.append((request, binding))
        self.event.set()

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


class RaisingPlugin(RecordingPlugin):
    def take_action(self, request: Any, binding: Binding) -> None:
        super().take_action(request, binding)
        raise RuntimeError("plugin bug")


class SleepingPlugin(RecordingPlugin):
    delay = 0.5

    def take_action(self, request: Any, binding: Binding) -> None:
        time.sleep(self.delay)
        super().take_action(request, binding)


class FailingStartPlugin(RecordingPlugin):
    async def start(self) -> None:
        raise RuntimeError("cannot start")


def create_recording(settings: Any, engine: Any) -> RecordingPlugin:
    return RecordingPlugin()


def create_raising(settings: Any, engine: Any) -> RaisingPlugin:
    return RaisingPlugin()


def create_sleeping(settings: Any, engine: Any) -> SleepingPlugin:
    return SleepingPlugin()


def create_failing_start(settings: Any, engine: Any) -> FailingStartPlugin:
    return FailingStartPlugin()


def create_broken(settings: Any, engine: Any) -> RecordingPlugin:
    raise RuntimeError("factory bug")


NOT_CALLABLE = 42
