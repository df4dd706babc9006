"""The delivery worker: claims due outbox rows and delivers them to the inventory API.

It runs in a thread of its own with its own event loop, so neither its database calls nor its
HTTP requests ever hold up the registrar. Each round claims a batch, delivers it in one request
(phone by phone, a few at a time, to an API that does not take batches), and settles it in one
transaction: delivered rows are removed (only if no newer facts arrived meanwhile), rows that
may succeed later get a backoff, and rows the API refuses for good are dropped and logged.
When a whole round fails the worker itself pauses with the same backoff, so a down API is not
hammered. Two rounds are in flight at once (``WorkerOptions.rounds``); the claim's lease keeps
them, like workers in other registrars, from taking the same rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from autoprov.autoprovision.backoff import retry_delay
from autoprov.autoprovision.delivery import Outcome, Result, deliver_batch
from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.outbox import (
    QueuedSighting,
    claim_due,
    depth,
    finish,
    reschedule,
)
from autoprov.autoprovision.throttle import LogThrottle
from autoprov.config import Settings
from autoprov.inventory.bootstrap import read_secrets
from autoprov.logs import quote

log = logging.getLogger(__name__)

DEPTH_REFRESH = 1.0
"""Seconds between two counts of the outbox for the ``queue_depth`` gauge."""


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    batch_size: int = 32
    """Phones claimed, and delivered in one request, per round."""
    concurrency: int = 8
    """Requests at once when phones go one by one."""
    rounds: int = 2
    """Batches in flight at once: while one waits for the API, the next is claimed and sent,
    so that a busy API or database slows delivery less than it lengthens each round."""
    poll_interval: float = 1.0
    """Idle wait between two looks at the outbox (rows queued by other registrars, due
    retries); a sighting written by this process wakes the worker at once."""
    base_delay: float = 1.0
    max_delay: float = 60.0
    lease: float = 60.0
    """How long a claimed row stays hidden from other workers; longer than a batch can take."""
    request_timeout: float = 5.0


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        metrics: Metrics,
        options: WorkerOptions | None = None,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._metrics = metrics
        self._options = options or WorkerOptions()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._nudge: asyncio.Event | None = None
        self._retry_log = LogThrottle(log, interval=60.0)
        self._depth_at = 0.0
        self._failed_rounds = 0
        """Rounds failed in a row, by any of the rounds in flight: they back off together."""

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._main(),), name="autoprov-delivery", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll. Any thread."""
        self._call_in_loop(self._set_nudge)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the round in flight (its claimed rows are released) and end the thread."""
        self._stopping.set()
        self._call_in_loop(self._cancel)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _call_in_loop(self, callback: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None:
            # RuntimeError: the loop has just closed, there is nothing left to tell it
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)

    def _set_nudge(self) -> None:
        if self._nudge is not None:
            self._nudge.set()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._nudge = asyncio.Event()
        if self._stopping.is_set():
            return
        try:
            token = await self._service_token()
            async with httpx.AsyncClient(
                base_url=self._settings.api_base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self._options.request_timeout,
            ) as client:
                await self._serve(client)
        except asyncio.CancelledError:
            pass  # stop() asked for it; claimed rows were released on the way out

    async def _service_token(self) -> str:
        attempt = 0
        while True:
            try:
                return read_secrets(self._engine, self._settings).service_token
            except SQLAlchemyError as exc:
                attempt += 1
                log.error("autoprovision-token-unavailable error=%s", quote(exc))
                await asyncio.sleep(self._delay(attempt))

    def _delay(self, attempt: int) -> float:
        return retry_delay(attempt, self._options.base_delay, self._options.max_delay)

    async def _serve(self, client: httpx.AsyncClient) -> None:
        async with asyncio.TaskGroup() as rounds:
            for _ in range(self._options.rounds):
                rounds.create_task(self._deliver_rounds(client))

    async def _deliver_rounds(self, client: httpx.AsyncClient) -> None:
        while not self._stopping.is_set():
            assert self._nudge is not None
            self._nudge.clear()
            try:
                claimed = self._claim()
            except SQLAlchemyError as exc:
                log.error("autoprovision-claim-failed error=%s", quote(exc))
                await self._back_off()
                continue
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._nudge.wait(), self._options.poll_interval)
                continue
            if await self._round(client, claimed):
                self._failed_rounds = 0
            else:
                await self._back_off()

    async def _back_off(self) -> None:
        self._failed_rounds += 1
        await asyncio.sleep(self._delay(self._failed_rounds))

    def _claim(self) -> list[QueuedSighting]:
        now = time.time()
        with self._engine.begin() as conn:
            claimed = claim_due(
                conn, now=now, limit=self._options.batch_size, lease=self._options.lease
            )
            if now - self._depth_at >= DEPTH_REFRESH or not claimed:
                self._metrics.set("queue_depth", depth(conn))
                self._depth_at = now
        return claimed

    async def _round(self, client: httpx.AsyncClient, claimed: list[QueuedSighting]) -> bool:
        """Deliver one claimed batch; False when nothing in it got through."""
        settled = False
        try:
            results = await deliver_batch(
                client,
                [queued.sighting for queued in claimed],
                concurrency=self._options.concurrency,
            )
            self._settle(claimed, results)
            settled = True
        finally:
            if not settled:
                self._release(claimed)
        return any(result.outcome is not Outcome.RETRY for result in results)

    def _settle(self, claimed: Sequence[QueuedSighting], results: Sequence[Result]) -> None:
        now = time.time()
        done: list[QueuedSighting] = []
        later: list[tuple[str, float]] = []
        for queued, result in zip(claimed, results, strict=True):
            sighting = queued.sighting
            facts = (
                f"mac={sighting.mac} id={quote(sighting.unique_id)} ip={sighting.ip} "
                f"model={quote(sighting.model)}"
            )
            if result.outcome is Outcome.RETRY:
                self._metrics.add("retried")
                later.append((sighting.mac, now + self._delay(queued.attempts)))
                self._retry_log.warning(
                    ("retry",),
                    f"autoprovision-retry {facts} attempt={queued.attempts} "
                    f"detail={quote(result.detail)}",
                )
                continue
            done.append(queued)
            self._metrics.add(result.outcome.value)
            if result.outcome is Outcome.FAILED:
                log.error("autoprovision-failed %s detail=%s", facts, quote(result.detail))
            else:
                log.info("autoprovision-%s %s", result.outcome.value, facts)
        try:
            with self._engine.begin() as conn:
                finish(conn, done, now)
                reschedule(conn, later)
        except SQLAlchemyError as exc:
            # The claims lapse after the lease and the rows are delivered again: the API
            # answers "already there", so nothing is created twice.
            log.error("autoprovision-settle-failed error=%s", quote(exc))

    def _release(self, claimed: Sequence[QueuedSighting]) -> None:
        try:
            with self._engine.begin() as conn:
                reschedule(conn, [(queued.sighting.mac, time.time()) for queued in claimed])
        except SQLAlchemyError as exc:
            log.error("autoprovision-release-failed error=%s", quote(exc))
