"""The server transactions of requests this server answered (RFC 3261 17.2.2, 17.2.3).

Every request here is answered at once with a final response, so a transaction lives in the
Completed state: a retransmission of its request gets the same bytes again, the application
never sees it twice. Timer J (64*T1 over UDP, zero over TCP/TLS) ends it. Timer J is the same
for every transaction, so they end in the order they began: a FIFO queue of quarter-second
buckets, swept by the server about twice a second, holds the deadlines, with no timer object
per transaction.

At thousands of requests a second, Timer J keeps a few hundred thousand transactions alive.
Each is its key string and one number: where its answer lies in its bucket's buffer, which
holds the bucket's answers end to end and is freed whole when the bucket's Timer J fires.
Answers kept as objects of their own would be scattered among the bindings made meanwhile,
and the holes they left at the end of a burst would stay with the process. A retransmission
is answered to whoever sent it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Final

from autoprov.sip import MAGIC_COOKIE, Request
from autoprov.transport.peer import Channel, Peer

T1: Final = 0.5
TIMER_J: Final = 64 * T1
RELIABLE: Final = frozenset({"tcp", "tls"})
BUCKET: Final = 0.25
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


class _Bucket:
    """The transactions whose Timer J fires at ``due``: their keys, and their answers end to
    end in one buffer."""

    __slots__ = ("answers", "due", "keys", "number")

    def __init__(self, number: int, due: float) -> None:
        self.number = number
        self.due = due
        self.keys: list[TransactionKey] = []
        self.answers = bytearray()


_OFFSET_BITS: Final = 32
_LENGTH_BITS: Final = 16
"""Where an answer lies, packed in one number: bucket, offset in its buffer, length (a UDP
datagram is under 64 KiB, a quarter second's answers under 4 GiB)."""


class ServerTransactions:
    def __init__(self) -> None:
        self._completed: dict[TransactionKey, int] = {}
        self._buckets: deque[_Bucket] = deque()
        self._numbered = 0

    def __len__(self) -> int:
        return len(self._completed)

    def retransmit(self, key: TransactionKey, channel: Channel, peer: Peer) -> bool:
        """Answer a retransmitted request again, to whoever sent it, when it belongs to a
        completed transaction (see `transaction_key`)."""
        where = self._completed.get(key)
        if where is None:
            return False
        length = where & ((1 << _LENGTH_BITS) - 1)
        offset = (where >> _LENGTH_BITS) & ((1 << _OFFSET_BITS) - 1)
        number = where >> (_LENGTH_BITS + _OFFSET_BITS)
        buckets = self._buckets
        answers = buckets[number - buckets[0].number].answers
        channel.send(bytes(answers[offset : offset + length]), peer)
        return True

    def answered(self, key: TransactionKey, peer: Peer, response: bytes) -> None:
        if peer.transport in RELIABLE:
            return  # Timer J is zero: the transaction ends as it answers
        if len(response) >> _LENGTH_BITS:
            return  # larger than any datagram: it could not be sent, nor can it be again
        due = math.ceil((time.monotonic() + TIMER_J) / BUCKET) * BUCKET
        buckets = self._buckets
        if buckets and buckets[-1].due == due:
            bucket = buckets[-1]
        else:
            bucket = _Bucket(self._numbered, due)
            self._numbered += 1
            buckets.append(bucket)
        answers = bucket.answers
        where = (bucket.number << _OFFSET_BITS | len(answers)) << _LENGTH_BITS | len(response)
        answers += response
        bucket.keys.append(key)
        self._completed[key] = where

    def expire(self, now: float) -> int:
        """Forget the transactions whose Timer J fired."""
        buckets, completed = self._buckets, self._completed
        ended = 0
        while buckets and buckets[0].due <= now:
            for key in buckets.popleft().keys:
                if completed.pop(key, None) is not None:
                    ended += 1
        if ended and not completed:
            # a dict keeps its largest table: after a burst, start again from an empty one
            self._completed = {}
        return ended

    def clear(self) -> None:
        self._completed.clear()
        self._buckets.clear()
