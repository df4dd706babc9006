"""One NOTIFY as a non-INVITE client transaction: the SIP core's `ClientTransaction`
(RFC 3261 17.1.2) decides what to send and which timers to run, this module carries it out on
the event loop's clock (Timer E retransmissions over UDP, Timer F timeout)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from autoprov.notifier.routing import ResponseRouter
from autoprov.sip import Request, Response
from autoprov.sip.transaction import (
    T1,
    T2,
    Action,
    CancelTimer,
    ClientTransaction,
    Deliver,
    Send,
    StartTimer,
    TimedOut,
    Timer,
    TransactionKey,
    TransportFailed,
)


@dataclass(frozen=True, slots=True)
class Timers:
    t1: float = T1
    """RTT estimate (RFC 3261 17.1.1.1); Timer F is 64*T1. Tests shorten it."""
    t2: float = T2
    """Longest retransmit interval for non-INVITE requests."""


async def exchange(
    responses: ResponseRouter,
    send: Callable[[bytes], None],
    request: Request,
    timers: Timers,
    *,
    reliable: bool = False,
) -> Response | None:
    """The final response, or None when Timer F fired first. Raises OSError when the
    request cannot be sent. Final responses retransmitted later find no transaction and are
    dropped, as the transaction's Completed state would absorb them."""
    loop = asyncio.get_running_loop()
    transaction = ClientTransaction(request, reliable=reliable, t1=timers.t1, t2=timers.t2)
    outcome: asyncio.Future[Response | None] = loop.create_future()
    running: dict[Timer, asyncio.TimerHandle] = {}

    def fire(timer: Timer) -> None:
        running.pop(timer, None)
        perform(transaction.timer_fired(timer))

    def perform(actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                try:
                    send(action.data)
                except OSError as exc:
                    if not outcome.done():
                        outcome.set_exception(exc)
                    perform(transaction.transport_error())
                    return
            elif isinstance(action, StartTimer):
                if (previous := running.pop(action.timer, None)) is not None:
                    previous.cancel()
                running[action.timer] = loop.call_later(action.delay, fire, action.timer)
            elif isinstance(action, CancelTimer):
                if (handle := running.pop(action.timer, None)) is not None:
                    handle.cancel()
            elif isinstance(action, Deliver) and action.response.status_code >= 200:
                if not outcome.done():
                    outcome.set_result(action.response)
            elif isinstance(action, TimedOut | TransportFailed) and not outcome.done():
                outcome.set_result(None)

    key = TransactionKey.for_request(request)
    responses.expect(key, lambda response: perform(transaction.receive_response(response)))
    try:
        perform(transaction.start())
        return await outcome
    finally:
        responses.forget(key)
        for handle in running.values():
            handle.cancel()
