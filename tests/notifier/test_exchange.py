from __future__ import annotations

import itertools
import math

from autoprov.notifier.exchange import Timers, exchange
from autoprov.notifier.message import check_sync
from autoprov.notifier.targets import Target
from autoprov.notifier.udp import UdpChannel
from autoprov.sip import Response
from tests.notifier.phone import fake_phone


async def _notify(timers: Timers, phone_port: int) -> Response | None:
    channel = await UdpChannel.open("127.0.0.1")
    try:
        target = Target(f"sip:1001@127.0.0.1:{phone_port}", "udp", "127.0.0.1", phone_port)
        request = check_sync(
            target, domain="example.com", local_host="127.0.0.1", local_port=channel.port
        )
        address = ("127.0.0.1", phone_port)
        return await exchange(channel, lambda data: channel.send(data, address), request, timers)
    finally:
        channel.close()


async def test_the_final_answer_ends_the_transaction() -> None:
    with fake_phone(answer=200) as phone:
        response = await _notify(Timers(t1=0.5), phone.port)
    assert response is not None
    assert response.status_code == 200
    assert len(phone.received) == 1
    notify = phone.requests[0]
    assert notify.method == "NOTIFY"
    assert notify.headers.get("Event") == "check-sync"
    assert (notify.cseq.seq, notify.cseq.method) == (1, "NOTIFY")
    assert notify.from_.tag
    assert str(notify.uri) == f"sip:1001@127.0.0.1:{phone.port}"


async def test_silence_is_retransmitted_with_timer_e_then_times_out() -> None:
    timers = Timers(t1=0.02, t2=0.16)
    with fake_phone(answer=None) as phone:
        response = await _notify(timers, phone.port)
    assert response is None
    sent = [data for _, data in phone.received]
    assert len(set(sent)) == 1, "retransmissions repeat the same request"
    # Timer E: T1, 2*T1, 4*T1, then T2 each time, until Timer F (64*T1)
    expected_gaps = [0.02, 0.04, 0.08, 0.16, 0.16]
    times = [at for at, _ in phone.received]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) >= len(expected_gaps)
    for gap, expected in zip(gaps, expected_gaps, strict=False):
        assert gap >= expected * 0.8
    most = 1 + 3 + math.ceil((64 * timers.t1 - 0.14) / timers.t2)
    assert len(sent) <= most
