from __future__ import annotations

import pytest

from autoprov.sip import Request, Response, make_response, parse_message, serialize
from autoprov.sip.transaction import (
    CLIENT_TRANSITIONS,
    SERVER_TRANSITIONS,
    TIMER_E,
    TIMER_F,
    TIMER_J,
    TIMER_K,
    CancelTimer,
    ClientTransaction,
    Deliver,
    Send,
    ServerTransaction,
    StartTimer,
    State,
    Terminated,
    TimedOut,
    TransactionError,
    TransactionKey,
    TransportFailed,
)
from tests.sip.messages import REGISTER


def request(data: bytes = REGISTER) -> Request:
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


def state(transaction: ServerTransaction | ClientTransaction) -> State:
    """The state, read through a call so the type checker does not pin it between steps."""
    return transaction.state


def answer(status: int) -> Response:
    return make_response(request(), status, to_tag="t")


def test_tables_cover_every_state_and_terminated_is_final() -> None:
    for table in (SERVER_TRANSITIONS, CLIENT_TRANSITIONS):
        assert set(table) == set(State)
        assert table[State.TERMINATED] == {}
        assert all(table[state] for state in State if state is not State.TERMINATED)


def test_server_absorbs_retransmissions_until_it_has_answered() -> None:
    transaction = ServerTransaction(request())
    assert transaction.receive_request() == []  # Trying: the TU is still at work
    ok = answer(200)
    actions = transaction.send_response(ok)
    assert actions == [Send(serialize(ok)), StartTimer(TIMER_J, 32.0)]
    assert state(transaction) is State.COMPLETED
    # the retransmitted REGISTER gets the same bytes, and the TU is not asked again
    assert transaction.receive_request() == [Send(serialize(ok))]
    assert transaction.receive_request() == [Send(serialize(ok))]
    assert transaction.timer_fired(TIMER_J) == [Terminated()]
    assert state(transaction) is State.TERMINATED
    assert transaction.receive_request() == []


def test_server_provisional_then_final() -> None:
    transaction = ServerTransaction(request(), t1=0.1)
    trying = answer(100)
    assert transaction.send_response(trying) == [Send(serialize(trying))]
    assert state(transaction) is State.PROCEEDING
    assert transaction.receive_request() == [Send(serialize(trying))]
    ok = answer(200)
    assert transaction.send_response(ok)[-1] == StartTimer(TIMER_J, 6.4)
    with pytest.raises(TransactionError):
        transaction.send_response(answer(500))
    with pytest.raises(TransactionError):
        transaction.send_response(answer(180))


def test_server_over_a_reliable_transport_ends_with_the_final_response() -> None:
    transaction = ServerTransaction(request(), reliable=True)
    ok = answer(200)
    assert transaction.send_response(ok) == [Send(serialize(ok)), Terminated()]
    assert state(transaction) is State.TERMINATED


def test_server_ignores_timers_it_did_not_start_and_reports_transport_errors() -> None:
    transaction = ServerTransaction(request())
    assert transaction.timer_fired(TIMER_J) == []
    assert state(transaction) is State.TRYING
    assert transaction.transport_error() == [TransportFailed(), Terminated()]
    assert transaction.transport_error() == []


def test_client_retransmits_on_timer_e_doubling_up_to_t2() -> None:
    register = request()
    transaction = ClientTransaction(register)
    data = serialize(register)
    assert transaction.start() == [Send(data), StartTimer(TIMER_E, 0.5), StartTimer(TIMER_F, 32.0)]
    delays = []
    for _ in range(6):
        actions = transaction.timer_fired(TIMER_E)
        assert actions[0] == Send(data)
        start = actions[1]
        assert isinstance(start, StartTimer) and start.timer is TIMER_E
        delays.append(start.delay)
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert transaction.timer_fired(TIMER_F) == [CancelTimer(TIMER_E), TimedOut(), Terminated()]
    assert transaction.timer_fired(TIMER_E) == []


def test_client_provisional_moves_retransmissions_to_t2() -> None:
    transaction = ClientTransaction(request())
    transaction.start()
    trying = answer(100)
    assert transaction.receive_response(trying) == [Deliver(trying)]
    assert state(transaction) is State.PROCEEDING
    assert transaction.timer_fired(TIMER_E)[1] == StartTimer(TIMER_E, 4.0)


def test_client_final_response_stops_timers_and_lingers_for_k() -> None:
    transaction = ClientTransaction(request())
    transaction.start()
    ok = answer(200)
    assert transaction.receive_response(ok) == [
        CancelTimer(TIMER_E),
        CancelTimer(TIMER_F),
        Deliver(ok),
        StartTimer(TIMER_K, 5.0),
    ]
    assert state(transaction) is State.COMPLETED
    assert transaction.receive_response(ok) == []  # retransmission absorbed
    assert transaction.timer_fired(TIMER_F) == []  # cancelled, a late expiry means nothing
    assert transaction.timer_fired(TIMER_K) == [Terminated()]


def test_client_over_a_reliable_transport() -> None:
    transaction = ClientTransaction(request(), reliable=True)
    actions = transaction.start()
    assert [type(action) for action in actions] == [Send, StartTimer]
    ok = answer(401)
    assert transaction.receive_response(ok) == [CancelTimer(TIMER_F), Deliver(ok), Terminated()]
    assert transaction.transport_error() == []


def test_client_transport_error() -> None:
    transaction = ClientTransaction(request())
    transaction.start()
    assert transaction.transport_error() == [
        CancelTimer(TIMER_E),
        CancelTimer(TIMER_F),
        TransportFailed(),
        Terminated(),
    ]


def test_client_refuses_invite() -> None:
    invite = REGISTER.replace(b"REGISTER sip", b"INVITE sip").replace(b"2 REGISTER", b"2 INVITE")
    with pytest.raises(ValueError):
        ClientTransaction(request(invite))


def test_transaction_keys() -> None:
    register = request()
    key = TransactionKey.for_request(register)
    assert key == TransactionKey("z9hG4bK4d5f1e8a", "192.168.1.57:5060", "REGISTER")
    assert TransactionKey.for_request(request()) == key  # a retransmission matches
    assert TransactionKey.for_response(answer(200)) == key
    other = request(REGISTER.replace(b"branch=z9hG4bK4d5f1e8a", b"branch=z9hG4bK4d5f1e8b"))
    assert TransactionKey.for_request(other) != key
    assert len({key: 1, TransactionKey.for_request(register): 2}) == 1


def test_ack_matches_invite_and_rfc2543_requests_use_legacy_fields() -> None:
    ack = request(REGISTER.replace(b"REGISTER sip", b"ACK sip").replace(b"2 REGISTER", b"2 ACK"))
    assert TransactionKey.for_request(ack).method == "INVITE"
    old = request(REGISTER.replace(b";branch=z9hG4bK4d5f1e8a", b";branch=1234"))
    key = TransactionKey.for_request(old)
    assert key.branch == "" and key.legacy[3] == "6f3a1b2c-8e4d5f60@192.168.1.57"
    assert (
        TransactionKey.for_request(
            request(REGISTER.replace(b";branch=z9hG4bK4d5f1e8a", b";branch=1234"))
        )
        == key
    )
