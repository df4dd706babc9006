"""The completed server transactions: answers kept end to end per quarter second, each found
again byte for byte for a retransmission until its Timer J fires."""

from __future__ import annotations

import time

from autoprov.transport.peer import Peer
from autoprov.transport.transactions import BUCKET, TIMER_J, ServerTransactions

PHONE = Peer("udp", "192.0.2.10", 5060)


class Sent:
    def __init__(self) -> None:
        self.items: list[tuple[bytes, Peer]] = []

    def send(self, data: bytes, peer: Peer) -> None:
        self.items.append((data, peer))


def answer(n: int) -> bytes:
    """Answers of different lengths, so that a wrong offset or length shows."""
    return f"SIP/2.0 200 OK\r\nX-N: {n}\r\n".encode() + b"x" * (n % 97) + b"\r\n\r\n"


def test_each_answer_comes_back_whole_from_every_bucket() -> None:
    transactions = ServerTransactions()
    for n in range(300):
        transactions.answered(f"key-{n}", PHONE, answer(n))
    time.sleep(BUCKET + 0.05)  # the next answers fall due a bucket later
    for n in range(300, 600):
        transactions.answered(f"key-{n}", PHONE, answer(n))
    sent = Sent()
    for n in reversed(range(600)):
        assert transactions.retransmit(f"key-{n}", sent, PHONE)
    assert [data for data, _ in sent.items] == [answer(n) for n in reversed(range(600))]
    assert len(transactions) == 600


def test_a_retransmission_is_answered_where_it_came_from() -> None:
    transactions = ServerTransactions()
    transactions.answered("key", PHONE, answer(1))
    sent = Sent()
    moved = Peer("udp", "198.51.100.7", 40000)  # a NAT that picked a new port
    assert transactions.retransmit("key", sent, moved)
    assert sent.items == [(answer(1), moved)]
    assert not transactions.retransmit("other", sent, moved)
    assert len(sent.items) == 1


def test_an_answer_no_datagram_can_carry_is_not_kept() -> None:
    transactions = ServerTransactions()
    transactions.answered("big", PHONE, b"x" * 65536)
    transactions.answered("small", PHONE, answer(1))
    assert not transactions.retransmit("big", Sent(), PHONE)
    assert transactions.retransmit("small", Sent(), PHONE)


def test_reliable_transports_keep_nothing() -> None:
    transactions = ServerTransactions()
    transactions.answered("key", Peer("tcp", "192.0.2.10", 5060), answer(1))
    transactions.answered("key", Peer("tls", "192.0.2.10", 5061), answer(1))
    assert len(transactions) == 0
    assert not transactions.retransmit("key", Sent(), PHONE)


def test_timer_j_ends_each_bucket_in_turn() -> None:
    transactions = ServerTransactions()
    start = time.monotonic()
    transactions.answered("early", PHONE, answer(1))
    time.sleep(BUCKET + 0.05)
    transactions.answered("late", PHONE, answer(2))
    assert transactions.expire(start) == 0
    # past the first answer's Timer J, before the second's
    assert transactions.expire(start + TIMER_J + BUCKET + 0.01) == 1
    sent = Sent()
    assert not transactions.retransmit("early", sent, PHONE)
    assert transactions.retransmit("late", sent, PHONE)
    assert sent.items == [(answer(2), PHONE)]
    assert transactions.expire(start + TIMER_J + 3 * BUCKET + 0.1) == 1
    assert len(transactions) == 0
    # a request with a forgotten key is a new transaction again
    transactions.answered("early", PHONE, answer(3))
    assert transactions.retransmit("early", sent, PHONE)
    assert sent.items[-1] == (answer(3), PHONE)
