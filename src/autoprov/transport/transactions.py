"""The server transactions of requests this server answered (RFC 3261 17.2.2, 17.2.3).

Every request here is answered at once with a final response, so a transaction lives in the
Completed state: a retransmission of its request gets the same bytes again, the application
never sees it twice. Timer J (64*T1 over UDP, zero over TCP/TLS) ends it. Timer J is the same
for every transaction, so they end in the order they began: a FIFO queue swept by the server
about twice a second holds the deadlines, with no timer object per transaction.

At thousands of requests a second, Timer J keeps a few hundred thousand transactions alive.
Each is kept as tuples of strings, bytes and numbers only, which the garbage collector stops
tracking, so that they do not lengthen its passes.
"""

from __future__ import annotations

import time
from collections import deque

from autoprov.sip import MAGIC_COOKIE, Request
from autoprov.transport.peer import Channel, Peer

T1 = 0.5
TIMER_J = 64 * T1
RELIABLE = frozenset({"tcp", "tls"})

TransactionKey = tuple[str, ...]


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


Completed = tuple[bytes, str, int]
"""The response sent, and the host and port it went to."""


class ServerTransactions:
    def __init__(self) -> None:
        self._completed: dict[TransactionKey, Completed] = {}
        self._deadlines: deque[tuple[float, TransactionKey]] = deque()

    def __len__(self) -> int:
        return len(self._completed)

    def retransmit(self, key: TransactionKey, channel: Channel, transport: str) -> bool:
        """Answer a retransmitted request again, on whatever channel it came, when it belongs
        to a completed transaction (see `transaction_key`)."""
        completed = self._completed.get(key)
        if completed is None:
            return False
        response, host, port = completed
        channel.send(response, Peer(transport, host, port))
        return True

    def answered(self, key: TransactionKey, peer: Peer, response: bytes) -> None:
        if peer.transport in RELIABLE:
            return  # Timer J is zero: the transaction ends as it answers
        self._completed[key] = (response, peer.host, peer.port)
        self._deadlines.append((time.monotonic() + TIMER_J, key))

    def expire(self, now: float) -> int:
        """Forget the transactions whose Timer J fired."""
        deadlines, completed = self._deadlines, self._completed
        ended = 0
        while deadlines and deadlines[0][0] <= now:
            _, key = deadlines.popleft()
            if completed.pop(key, None) is not None:
                ended += 1
        return ended

    def clear(self) -> None:
        self._completed.clear()
        self._deadlines.clear()
