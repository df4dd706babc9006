"""A phone's SIP socket: its own UDP port, requests sent through RFC 3261 non-INVITE client
transactions (retransmitted from T1 doubling up to T2, given up at 64*T1), and the requests a
server sends it answered through server transactions, a check-sync NOTIFY above all.

Messages, transactions and their timers' rules come from :mod:`autoprov.sip`; this module only
moves bytes and runs the timers the transactions ask for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import cast

from autoprov.simulate.register_message import polycom_tag
from autoprov.simulate.timers import SipTimers
from autoprov.sip import (
    Request,
    Response,
    SIPError,
    make_error_response,
    make_response,
    parse_message,
    serialize,
)
from autoprov.sip.transaction import (
    Action,
    CancelTimer,
    ClientTransaction,
    Deliver,
    Send,
    ServerTransaction,
    StartTimer,
    Terminated,
    TimedOut,
    Timer,
    TransactionKey,
    TransportFailed,
)

log = logging.getLogger(__name__)

Address = tuple[str, int]
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER"


class SipTimeout(Exception):
    """No final response within 64*T1 (Timer F)."""


def is_check_sync(request: Request) -> bool:
    event = request.headers.get("Event") or ""
    return request.method == "NOTIFY" and event.split(";")[0].strip().lower() == "check-sync"


class _Timers:
    """The loop timers one transaction asked for."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._handles: dict[Timer, asyncio.TimerHandle] = {}

    def start(self, action: StartTimer, fire: Callable[[Timer], None]) -> None:
        self.cancel(action.timer)
        self._handles[action.timer] = self._loop.call_later(action.delay, fire, action.timer)

    def cancel(self, timer: Timer) -> None:
        handle = self._handles.pop(timer, None)
        if handle is not None:
            handle.cancel()

    def cancel_all(self) -> None:
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()


class _ClientRun:
    """A client transaction in flight and the future its final response settles."""

    def __init__(
        self, endpoint: SipEndpoint, transaction: ClientTransaction, destination: Address
    ) -> None:
        loop = asyncio.get_running_loop()
        self.endpoint = endpoint
        self.transaction = transaction
        self.destination = destination
        self.timers = _Timers(loop)
        self.outcome: asyncio.Future[Response] = loop.create_future()

    def act(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self.endpoint.send_bytes(action.data, self.destination)
            elif isinstance(action, StartTimer):
                self.timers.start(action, self._fired)
            elif isinstance(action, CancelTimer):
                self.timers.cancel(action.timer)
            elif self.outcome.done():
                continue
            elif isinstance(action, Deliver) and action.response.status_code >= 200:
                self.outcome.set_result(action.response)
            elif isinstance(action, TimedOut | TransportFailed):
                method = self.transaction.request.method
                self.outcome.set_exception(
                    SipTimeout(f"no answer to {method} from {self.destination}")
                )

    def _fired(self, timer: Timer) -> None:
        self.act(self.transaction.timer_fired(timer))


class _ServerRun:
    """A request this phone answered, kept to answer its retransmissions (Timer J)."""

    def __init__(
        self, endpoint: SipEndpoint, key: TransactionKey, request: Request, source: Address
    ) -> None:
        self.endpoint = endpoint
        self.key = key
        self.transaction = ServerTransaction(request)
        self.source = source
        self.timers = _Timers(asyncio.get_running_loop())

    def act(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self.endpoint.send_bytes(action.data, self.source)
            elif isinstance(action, StartTimer):
                self.timers.start(action, self._fired)
            elif isinstance(action, CancelTimer):
                self.timers.cancel(action.timer)
            elif isinstance(action, Terminated):
                self.endpoint.forget(self)

    def _fired(self, timer: Timer) -> None:
        self.act(self.transaction.timer_fired(timer))


class SipEndpoint(asyncio.DatagramProtocol):
    def __init__(self, on_check_sync: Callable[[], None]) -> None:
        self._on_check_sync = on_check_sync
        self._transport: asyncio.DatagramTransport | None = None
        self._clients: dict[TransactionKey, _ClientRun] = {}
        self._servers: dict[TransactionKey, _ServerRun] = {}
        self.host = ""
        self.port = 0

    @classmethod
    async def open(cls, host: str, on_check_sync: Callable[[], None]) -> SipEndpoint:
        """A socket on ``host`` with a port of the system's choosing, as phones use."""
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(
            lambda: cls(on_check_sync), local_addr=(host, 0)
        )
        return endpoint

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is not a DatagramTransport subclass.
        self._transport = cast(asyncio.DatagramTransport, transport)
        self.host, self.port = transport.get_extra_info("sockname")[:2]

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        for client in self._clients.values():
            client.timers.cancel_all()
            client.outcome.cancel()
        for server in self._servers.values():
            server.timers.cancel_all()
        self._clients.clear()
        self._servers.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (server not there yet): the transaction's retransmissions cover it.
        log.debug("sip-socket-error port=%s error=%s", self.port, exc)

    def send_bytes(self, data: bytes, destination: Address) -> None:
        if self._transport is not None:
            self._transport.sendto(data, destination)

    def forget(self, server: _ServerRun) -> None:
        self._servers.pop(server.key, None)

    async def send_request(
        self, request: Request, destination: Address, timers: SipTimers
    ) -> Response:
        """The final response to ``request``; raises SipTimeout when none comes in time."""
        if self._transport is None:
            raise SipTimeout("the phone's socket is closed")
        key = TransactionKey.for_request(request)
        run = _ClientRun(self, ClientTransaction(request, t1=timers.t1, t2=timers.t2), destination)
        self._clients[key] = run
        run.act(run.transaction.start())
        try:
            return await run.outcome
        finally:
            # Retransmitted final responses arriving later match nothing and are dropped,
            # which is all Timer K's Completed state would do with them.
            self._clients.pop(key, None)
            run.timers.cancel_all()

    def datagram_received(self, data: bytes, addr: Address) -> None:
        try:
            message = parse_message(data)
        except SIPError as exc:
            answer = make_error_response(exc, source=addr)
            if answer is not None:
                self.send_bytes(serialize(answer), addr)
            return
        if isinstance(message, Response):
            self._response_received(message)
        else:
            self._request_received(message, addr)

    def _response_received(self, response: Response) -> None:
        try:
            run = self._clients.get(TransactionKey.for_response(response))
        except SIPError:
            return
        if run is not None:
            run.act(run.transaction.receive_response(response))

    def _request_received(self, request: Request, addr: Address) -> None:
        if request.method == "ACK":
            return
        try:
            key = TransactionKey.for_request(request)
        except SIPError:
            return
        known = self._servers.get(key)
        if known is not None:
            known.act(known.transaction.receive_request())
            return
        server = self._servers[key] = _ServerRun(self, key, request, addr)
        answer = self._answer(request)
        server.act(server.transaction.send_response(answer))
        if answer.status_code == 200 and is_check_sync(request):
            self._on_check_sync()

    @staticmethod
    def _answer(request: Request) -> Response:
        tag = polycom_tag()
        if is_check_sync(request) or request.method == "OPTIONS":
            return make_response(request, 200, to_tag=tag, headers=[("Allow", ALLOW)])
        if request.method == "NOTIFY":
            return make_response(request, 489, to_tag=tag)
        return make_response(request, 501, to_tag=tag, headers=[("Allow", ALLOW)])
