#!/usr/bin/env python3
"""The registrar's own share of a registration: SIPp's REGISTERs replayed through the endpoint
in this process, without sockets, event loop or database.

Users go in groups of 100, as SIPp's calls overlap: each group's first REGISTERs (answered
with a 401), then their authenticated retries (answered with a 200), so that the parser's
caches see what they see under SIPp. Prints the time per message of each kind and checks every
answer. From the repository root:

    python bench/registrar/replay.py --users 20000

For an instruction count that does not depend on the machine's load, run it under
``valgrind --tool=callgrind``: the difference between two user counts is the registrations'.
"""

from __future__ import annotations

import argparse
import gc
import re
import time

from autoprov.registrar.auth import Authenticator
from autoprov.registrar.credentials import CredentialCache
from autoprov.registrar.journal import BindingJournal
from autoprov.registrar.location import LocationService
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.registrar.registrar import ExpiryPolicy, Registrar
from autoprov.registrar.service import GC_THRESHOLD
from autoprov.registrar.throttle import AuthThrottle
from autoprov.sip.digest import NonceKeeper, response_for
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.peer import Peer

DOMAIN = "127.0.0.1"
GROUP = 100
CHALLENGE = re.compile(rb"WWW-Authenticate: (Digest [^\r]*)")


class Collect:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes, peer: Peer) -> None:
        self.sent.append(data)


def register(user: int, cseq: int, authorization: str | None = None) -> bytes:
    """A REGISTER as ``register_digest.xml`` has SIPp send it."""
    name = f"user{user:06d}"
    lines = [
        f"REGISTER sip:{DOMAIN} SIP/2.0",
        f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{user}-{cseq};rport",
        "Max-Forwards: 70",
        f"From: <sip:{name}@{DOMAIN}>;tag=4242SIPpTag00{user}",
        f"To: <sip:{name}@{DOMAIN}>",
        f"Call-ID: {user}-4242@127.0.0.1",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{name}@127.0.0.1:5070;transport=UDP>",
        *([f"Authorization: {authorization}"] if authorization else []),
        "Expires: 3600",
        "User-Agent: sipp-register-digest",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000)
    users = parser.parse_args().users
    credentials = CredentialCache({f"user{i:06d}": f"pass{i:06d}" for i in range(users)})
    authenticator = Authenticator(
        DOMAIN, credentials, NonceKeeper(b"s" * 32, 300.0), AuthThrottle(5, 60.0, [])
    )
    registrar = Registrar(
        location=LocationService(10, [], BindingJournal()),
        authenticator=authenticator,
        served_hosts=[DOMAIN],
        expiry=ExpiryPolicy(60, 3600, 7200),
        metrics=RegistrarMetrics(lambda: 0, lambda: 0),
    )
    endpoint = SipEndpoint(registrar)
    channel = Collect()
    peer = Peer("udp", "127.0.0.1", 5070)
    firsts = [register(user, 1) for user in range(users)]
    gc.freeze()  # as the server does once started
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    challenged = authenticated = 0.0
    for start in range(0, users, GROUP):
        channel.sent.clear()
        began = time.perf_counter()
        for data in firsts[start : start + GROUP]:
            endpoint.receive_datagram(data, peer, channel)
        challenged += time.perf_counter() - began
        retries = []
        for offset, answer in enumerate(channel.sent):
            found = CHALLENGE.search(answer)
            assert answer.startswith(b"SIP/2.0 401") and found is not None, answer[:60]
            user = start + offset
            authorization = response_for(
                found[1].decode(),
                username=f"user{user:06d}",
                password=f"pass{user:06d}",
                method="REGISTER",
                uri=f"sip:{DOMAIN}:5060",
            )
            retries.append(register(user, 2, authorization))
        channel.sent.clear()
        began = time.perf_counter()
        for data in retries:
            endpoint.receive_datagram(data, peer, channel)
        authenticated += time.perf_counter() - began
        assert all(answer.startswith(b"SIP/2.0 200") for answer in channel.sent)
    print(
        f"{users} registrations: REGISTER to 401 {challenged * 1e6 / users:.1f} us, "
        f"REGISTER with credentials to 200 {authenticated * 1e6 / users:.1f} us, "
        f"both {(challenged + authenticated) * 1e6 / users:.1f} us"
    )


if __name__ == "__main__":
    main()
