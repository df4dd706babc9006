"""Non-INVITE transactions (RFC 3261 17.1.2 client, 17.2.2 server) as pure state machines.

Theory of operation
-------------------
A transaction sees inputs (a request or response arriving, the TU sending a response, a
timer firing, the transport failing) and answers with actions for the caller to carry out:
`Send` these bytes to the peer, `StartTimer` / `CancelTimer`, `Deliver` a response to the TU,
`TimedOut` (Timer F: the TU treats it as a 408), `TransportFailed`, `Terminated` (drop the
transaction from your table). There is no clock inside: the caller runs the timers it is told
to start and calls `timer_fired` when one expires. Starting a timer that is already running
replaces it.

Rule 1: every state change is in the tables below (state -> input -> next state), which are
the whole protocol; what each move sends is in the transaction classes.
Rule 2: an input missing from a state's row is a protocol error when the TU caused it
(`TransactionError`, a bug in the caller) and is ignored when the network or a timer did
(a late retransmission, a timer that fired after it was cancelled).

RFC 3261 17.2.2: a request retransmitted while the TU works (Trying) is absorbed; once a
response was sent, the last one is sent again, without the TU seeing the request twice.
Timer J (64*T1 on UDP, 0 on reliable transports) keeps the Completed state around to answer
retransmissions. 17.1.2.2: the client retransmits on Timer E, doubling from T1 up to T2 (T2
straight away once a provisional arrived), gives up on Timer F (64*T1) and lingers in
Completed for Timer K (T4 on UDP, 0 on reliable transports).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from autoprov.sip.builders import MAGIC_COOKIE
from autoprov.sip.errors import ParseError
from autoprov.sip.events import Request, Response
from autoprov.sip.serializer import serialize

T1 = 0.5
"""RTT estimate, seconds (RFC 3261 17.1.1.1)."""
T2 = 4.0
"""Maximum retransmit interval for non-INVITE requests."""
T4 = 5.0
"""Maximum duration a message remains in the network."""


class State(Enum):
    TRYING = "Trying"
    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    TERMINATED = "Terminated"


class Timer(Enum):
    TIMER_E = "E"
    TIMER_F = "F"
    TIMER_J = "J"
    TIMER_K = "K"


TIMER_E = Timer.TIMER_E
TIMER_F = Timer.TIMER_F
TIMER_J = Timer.TIMER_J
TIMER_K = Timer.TIMER_K


class Input(Enum):
    RECEIVE_REQUEST = "receive request"
    SEND_PROVISIONAL = "send 1xx"
    SEND_FINAL = "send 2xx-6xx"
    RECEIVE_PROVISIONAL = "receive 1xx"
    RECEIVE_FINAL = "receive 2xx-6xx"
    TIMER_E = "Timer E"
    TIMER_F = "Timer F"
    TIMER_J = "Timer J"
    TIMER_K = "Timer K"
    TRANSPORT_ERROR = "transport error"


_TIMER_INPUTS = {
    TIMER_E: Input.TIMER_E,
    TIMER_F: Input.TIMER_F,
    TIMER_J: Input.TIMER_J,
    TIMER_K: Input.TIMER_K,
}
_TU_INPUTS = frozenset({Input.SEND_PROVISIONAL, Input.SEND_FINAL})

TRYING, PROCEEDING, COMPLETED, TERMINATED = State

SERVER_TRANSITIONS: dict[State, dict[Input, State]] = {
    TRYING: {
        Input.RECEIVE_REQUEST: TRYING,
        Input.SEND_PROVISIONAL: PROCEEDING,
        Input.SEND_FINAL: COMPLETED,
        Input.TRANSPORT_ERROR: TERMINATED,
    },
    PROCEEDING: {
        Input.RECEIVE_REQUEST: PROCEEDING,
        Input.SEND_PROVISIONAL: PROCEEDING,
        Input.SEND_FINAL: COMPLETED,
        Input.TRANSPORT_ERROR: TERMINATED,
    },
    COMPLETED: {
        Input.RECEIVE_REQUEST: COMPLETED,
        Input.TIMER_J: TERMINATED,
        Input.TRANSPORT_ERROR: TERMINATED,
    },
    TERMINATED: {},
}

CLIENT_TRANSITIONS: dict[State, dict[Input, State]] = {
    TRYING: {
        Input.TIMER_E: TRYING,
        Input.TIMER_F: TERMINATED,
        Input.RECEIVE_PROVISIONAL: PROCEEDING,
        Input.RECEIVE_FINAL: COMPLETED,
        Input.TRANSPORT_ERROR: TERMINATED,
    },
    PROCEEDING: {
        Input.TIMER_E: PROCEEDING,
        Input.TIMER_F: TERMINATED,
        Input.RECEIVE_PROVISIONAL: PROCEEDING,
        Input.RECEIVE_FINAL: COMPLETED,
        Input.TRANSPORT_ERROR: TERMINATED,
    },
    COMPLETED: {
        Input.RECEIVE_PROVISIONAL: COMPLETED,
        Input.RECEIVE_FINAL: COMPLETED,
        Input.TIMER_K: TERMINATED,
    },
    TERMINATED: {},
}


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes


@dataclass(frozen=True, slots=True)
class StartTimer:
    timer: Timer
    delay: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    timer: Timer


@dataclass(frozen=True, slots=True)
class Deliver:
    response: Response


@dataclass(frozen=True, slots=True)
class TimedOut:
    pass


@dataclass(frozen=True, slots=True)
class TransportFailed:
    pass


@dataclass(frozen=True, slots=True)
class Terminated:
    pass


Action = Send | StartTimer | CancelTimer | Deliver | TimedOut | TransportFailed | Terminated


class TransactionError(Exception):
    """The TU asked for something the transaction's state does not allow (a caller bug)."""


class _Machine:
    """The table walk and the timer bookkeeping both roles share."""

    def __init__(self, table: dict[State, dict[Input, State]], reliable: bool) -> None:
        self._table = table
        self.reliable = reliable
        self.state = TRYING
        self._running: set[Timer] = set()

    def _move(self, event: Input) -> State | None:
        """The next state, or None for an ignored network/timer input."""
        next_state = self._table[self.state].get(event)
        if next_state is None and event in _TU_INPUTS:
            raise TransactionError(f"{event.value} is not allowed in state {self.state.value}")
        return next_state

    def _start(self, timer: Timer, delay: float) -> StartTimer:
        self._running.add(timer)
        return StartTimer(timer, delay)

    def _stop_all(self) -> list[Action]:
        actions: list[Action] = [CancelTimer(timer) for timer in sorted(self._running, key=str)]
        self._running.clear()
        return actions

    def _fired(self, timer: Timer) -> bool:
        """Whether this expiry counts (the timer was running); it is no longer running."""
        if timer not in self._running:
            return False
        self._running.discard(timer)
        return True

    def _terminate(self, *extra: Action) -> list[Action]:
        self.state = TERMINATED
        return [*self._stop_all(), *extra, Terminated()]


class ServerTransaction(_Machine):
    """RFC 3261 17.2.2. Created by the caller for a new request (the TU then handles it);
    the caller feeds it retransmissions of that request and the TU's responses."""

    def __init__(self, request: Request, *, reliable: bool = False, t1: float = T1) -> None:
        super().__init__(SERVER_TRANSITIONS, reliable)
        self.request = request
        self.t1 = t1
        self.last_response: bytes | None = None

    def receive_request(self) -> list[Action]:
        """A retransmission of the request arrived: resend the last response, if any."""
        if self._move(Input.RECEIVE_REQUEST) is None or self.last_response is None:
            return []
        return [Send(self.last_response)]

    def send_response(self, response: Response) -> list[Action]:
        final = response.status_code >= 200
        next_state = self._move(Input.SEND_FINAL if final else Input.SEND_PROVISIONAL)
        assert next_state is not None
        self.state = next_state
        self.last_response = serialize(response)
        actions: list[Action] = [Send(self.last_response)]
        if not final:
            return actions
        if self.reliable:
            return actions + self._terminate()
        return [*actions, self._start(TIMER_J, 64 * self.t1)]

    def timer_fired(self, timer: Timer) -> list[Action]:
        if not self._fired(timer) or self._move(_TIMER_INPUTS[timer]) is None:
            return []
        return self._terminate()

    def transport_error(self) -> list[Action]:
        if self._move(Input.TRANSPORT_ERROR) is None:
            return []
        return self._terminate(TransportFailed())


class ClientTransaction(_Machine):
    """RFC 3261 17.1.2. `start` sends the request; the caller feeds it matching responses
    (see `TransactionKey`) and expired timers."""

    def __init__(
        self,
        request: Request,
        *,
        reliable: bool = False,
        t1: float = T1,
        t2: float = T2,
        t4: float = T4,
    ) -> None:
        super().__init__(CLIENT_TRANSITIONS, reliable)
        if request.method in ("INVITE", "ACK"):
            raise ValueError("only non-INVITE transactions are implemented")
        self.request = request
        self.t1, self.t2, self.t4 = t1, t2, t4
        self._data = serialize(request)
        self._interval = t1

    def start(self) -> list[Action]:
        actions: list[Action] = [Send(self._data)]
        if not self.reliable:
            actions.append(self._start(TIMER_E, self._interval))
        actions.append(self._start(TIMER_F, 64 * self.t1))
        return actions

    def receive_response(self, response: Response) -> list[Action]:
        final = response.status_code >= 200
        previous = self.state
        next_state = self._move(Input.RECEIVE_FINAL if final else Input.RECEIVE_PROVISIONAL)
        if next_state is None or previous is COMPLETED:
            return []  # retransmissions of the final response are absorbed
        self.state = next_state
        if not final:
            return [Deliver(response)]
        actions = [*self._stop_all(), Deliver(response)]
        if self.reliable:
            return actions + self._terminate()
        return [*actions, self._start(TIMER_K, self.t4)]

    def timer_fired(self, timer: Timer) -> list[Action]:
        if not self._fired(timer):
            return []
        next_state = self._move(_TIMER_INPUTS[timer])
        if next_state is None:
            return []
        if timer is TIMER_F:
            return self._terminate(TimedOut())
        if timer is TIMER_K:
            return self._terminate()
        # Timer E: retransmit, doubling up to T2 while Trying, at T2 once Proceeding
        self._interval = min(2 * self._interval, self.t2) if self.state is TRYING else self.t2
        return [Send(self._data), self._start(TIMER_E, self._interval)]

    def transport_error(self) -> list[Action]:
        if self._move(Input.TRANSPORT_ERROR) is None:
            return []
        return self._terminate(TransportFailed())


@dataclass(frozen=True, slots=True)
class TransactionKey:
    """What identifies a transaction (RFC 3261 17.1.3, 17.2.3), usable as a dict key.

    With an RFC 3261 branch (magic cookie plus something unique) it is branch, sent-by and
    method (ACK counts as INVITE). Otherwise (RFC 2543 peers, or a branch that is just the
    cookie, RFC 4475 3.2.1) ``legacy`` holds Request-URI, tags, Call-ID, CSeq number and the
    top Via instead.
    """

    branch: str
    sent_by: str
    method: str
    legacy: tuple[str, ...] = ()

    @classmethod
    def for_request(cls, request: Request) -> TransactionKey:
        if not request.via:
            raise ParseError("Missing Via header")
        top = request.via[0]
        method = "INVITE" if request.method == "ACK" else request.method
        branch = top.branch or ""
        if branch.startswith(MAGIC_COOKIE) and len(branch) > len(MAGIC_COOKIE):
            return cls(branch, top.sent_by.lower(), method)
        legacy = (
            str(request.uri),
            request.to.tag or "",
            request.from_.tag or "",
            request.call_id,
            str(request.cseq.seq),
            str(top),
        )
        return cls("", top.sent_by.lower(), method, legacy)

    @classmethod
    def for_response(cls, response: Response) -> TransactionKey:
        """The key of the client transaction a response belongs to (top Via branch and
        CSeq method, RFC 3261 17.1.3); it equals ``for_request`` of the request sent."""
        if not response.via:
            raise ParseError("Missing Via header")
        top = response.via[0]
        return cls(top.branch or "", top.sent_by.lower(), response.cseq.method)
