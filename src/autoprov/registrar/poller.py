"""Polls ``registrar_commands`` about once a second (from a thread) and hands the new commands
to the registrar, all those of one poll at once (an import re-syncing thousands of phones
posts a command for each). A database outage delays commands, it does not lose them: polling
resumes after the last batch handled."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.logs import quote
from autoprov.storage.commands import Command, commands_after, latest_command_id, prune_commands

log = logging.getLogger("autoprov.registrar")

PRUNE_INTERVAL = 600.0

CommandHandler = Callable[[Sequence[Command]], Awaitable[None]]


def _latest(engine: Engine) -> int:
    with Session(engine) as session:
        return latest_command_id(session)


def _fetch(engine: Engine, after_id: int, prune: bool) -> list[Command]:
    with Session(engine) as session, session.begin():
        if prune:
            prune_commands(session)
        return commands_after(session, after_id)


class CommandPoller:
    def __init__(self, engine: Engine, handle: CommandHandler, interval: float = 1.0) -> None:
        self._engine = engine
        self._handle = handle
        self._interval = interval
        self._after_id: int | None = None
        self._failing = False
        self._next_prune = 0.0

    async def mark_start(self) -> None:
        """Remember where to begin; call BEFORE loading credentials and bindings, so that a
        change made while they load is still seen."""
        self._after_id = await asyncio.to_thread(_latest, self._engine)

    async def run(self) -> None:
        if self._after_id is None:
            await self.mark_start()
        while True:
            await asyncio.sleep(self._interval)
            await self.poll()

    async def poll(self) -> None:
        after_id = self._after_id or 0
        now = time.monotonic()
        prune = now >= self._next_prune
        try:
            commands = await asyncio.to_thread(_fetch, self._engine, after_id, prune)
        except Exception as exc:
            if not self._failing:
                log.error("command-poll-failed error=%s", quote(exc))
            self._failing = True
            return
        self._failing = False
        if prune:
            self._next_prune = now + PRUNE_INTERVAL
        if not commands:
            return
        try:
            await self._handle(commands)
        except Exception as exc:
            # retried at the next poll: a reload that failed must not be skipped (handling a
            # command twice does no harm: each only brings the registrar up to date)
            log.error(
                "command-failed ids=%d-%d kinds=%s error=%s",
                commands[0].id,
                commands[-1].id,
                ",".join(sorted({command.kind.value for command in commands})),
                quote(exc),
            )
            return
        self._after_id = commands[-1].id
