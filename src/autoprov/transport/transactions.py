"""The server transactions of requests this server answered (RFC 3261 17.2.2, 17.2.3).

Every request here is answered at once with a final response, so a transaction lives in the
Completed state: a retransmission of its request gets the same bytes again, the application
never sees it twice. Timer J (64*T1 over UDP, zero over TCP/TLS) ends it. The timers sit in
one heap swept by the server about twice a second: no timer object per transaction.
"""

from __future__ import annotations

import heapq
import time

from autoprov.sip import MAGIC_COOKIE, Request
from autoprov.transport.peer import Channel, Peer

T1 = 0.5
TIMER_J = 64 * T1
RELIABLE = frozenset({"tcp", "tls"})

TransactionKey = tuple[str, ...]


class CompletedTransaction:
    __slots__ = ("channel", "peer", "response")

    def __init__(self, peer: Peer, channel: Channel, response: bytes) -> None:
        self.peer = peer
        self.channel = channel
        self.response = response

    def retransmit(self, channel: Channel) -> None:
        """Answer the retransmitted request again, on whatever channel it came."""
        channel.send(self.response, self.peer)


def transaction_key(request: Request) -> TransactionKey:
    """RFC 3261 17.2.3: the branch, sent-by and method for RFC 3261 senders; for older ones
    (no magic cookie, or nothing after it) the fields RFC 2543 matched on."""
    top = request.via[0]
    branch = top.branch
    if branch is not None and branch.startswith(MAGIC_COOKIE) and len(branch) > len(MAGIC_COOKIE):
        return (branch, top.sent_by, request.method)
    return (
        str(request.uri),
        request.from_.tag or "",
        request.to.tag or "",
        request.call_id,
        str(request.cseq),
        str(top),
    )


class ServerTransactions:
    def __init__(self) -> None:
        self._completed: dict[TransactionKey, CompletedTransaction] = {}
        self._timers: list[tuple[float, TransactionKey]] = []

    def __len__(self) -> int:
        return len(self._completed)

    def match(self, request: Request, peer: Peer) -> CompletedTransaction | None:
        return self._completed.get(transaction_key(request))

    def answered(self, request: Request, peer: Peer, channel: Channel, response: bytes) -> None:
        if peer.transport in RELIABLE:
            return  # Timer J is zero: the transaction ends as it answers
        key = transaction_key(request)
        self._completed[key] = CompletedTransaction(peer, channel, response)
        heapq.heappush(self._timers, (time.monotonic() + TIMER_J, key))

    def expire(self, now: float) -> int:
        """Forget the transactions whose Timer J fired."""
        timers, completed = self._timers, self._completed
        ended = 0
        while timers and timers[0][0] <= now:
            _, key = heapq.heappop(timers)
            if completed.pop(key, None) is not None:
                ended += 1
        return ended

    def clear(self) -> None:
        self._completed.clear()
        self._timers.clear()
