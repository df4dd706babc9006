"""The server transactions of requests this server answered (RFC 3261 17.2.2, 17.2.3).

Every request here is answered at once with a final response, so a transaction lives in the
Completed state: a retransmission of its request gets the same bytes again, the application
never sees it twice. Timer J (64*T1 over UDP, zero over TCP/TLS) ends it. Timer J is the same
for every transaction, so they end in the order they began: a FIFO queue of quarter-second
buckets, swept by the server about twice a second, holds the deadlines, with no timer object
per transaction.

At thousands of requests a second, Timer J keeps a few hundred thousand transactions alive.
Each is kept as one key string and a tuple of bytes, string and number, which the garbage
collector stops tracking, so that they do not lengthen its passes; and as few objects as
that, because the memory they take at the peak of a burst stays with the process.
"""

from __future__ import annotations

import math
import time
from collections import deque

from autoprov.sip import MAGIC_COOKIE, Request
from autoprov.transport.peer import Channel, Peer

T1 = 0.5
TIMER_J = 64 * T1
RELIABLE = frozenset({"tcp", "tls"})
BUCKET = 0.25
"""Deadlines are rounded up to this (seconds): one queue entry per bucket, not per request."""

TransactionKey = str
"""The matching fields, joined by a line feed (which no parsed field holds)."""


def transaction_key(request: Request) -> TransactionKey:
    """RFC 3261 17.2.3: the branch, sent-by and method for RFC 3261 senders; for older ones
    (no magic cookie, or nothing after it) the fields RFC 2543 matched on."""
    top = request.via[0]
    branch = top.branch
    if branch is not None and branch.startswith(MAGIC_COOKIE) and len(branch) > len(MAGIC_COOKIE):
        return f"{branch}\n{top.sent_by}\n{request.method}"
    return "\n".join(
        (
            str(request.uri),
            request.from_.tag or "",
            request.to.tag or "",
            request.call_id,
            str(request.cseq),
            str(top),
        )
    )


Completed = tuple[bytes, str, int]
"""The response sent, and the host and port it went to."""


class ServerTransactions:
    def __init__(self) -> None:
        self._completed: dict[TransactionKey, Completed] = {}
        self._deadlines: deque[tuple[float, list[TransactionKey]]] = deque()

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
        due = math.ceil((time.monotonic() + TIMER_J) / BUCKET) * BUCKET
        deadlines = self._deadlines
        if deadlines and deadlines[-1][0] == due:
            deadlines[-1][1].append(key)
        else:
            deadlines.append((due, [key]))

    def expire(self, now: float) -> int:
        """Forget the transactions whose Timer J fired."""
        deadlines, completed = self._deadlines, self._completed
        ended = 0
        while deadlines and deadlines[0][0] <= now:
            for key in deadlines.popleft()[1]:
                if completed.pop(key, None) is not None:
                    ended += 1
        return ended

    def clear(self) -> None:
        self._completed.clear()
        self._deadlines.clear()
