"""Each emulated phone's own IP address.

Servers count requests and failures per source address, and the inventory shows each phone's
IP, so a fleet behind one address is not what a real site looks like. Against a server on
loopback every phone gets its own address from 127.0.0.0/8, which Linux routes without any
set-up; against another host the phones share the address this host reaches it from.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket

LOOPBACK_NETWORK = "127.100.0.0/16"


def route_source(server_host: str) -> str:
    """The local address packets to ``server_host`` leave from (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((server_host, 9))
        address: str = probe.getsockname()[0]
    return address


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def phone_addresses(count: int, server_host: str, network: str | None = None) -> list[str]:
    """``count`` source addresses, one per phone, taken in turn from ``network``."""
    if network is None:
        if not _is_loopback(server_host):
            return [route_source(server_host)] * count
        network = LOOPBACK_NETWORK
    net = ipaddress.ip_network(network, strict=False)
    pool = [str(address) for address in itertools.islice(net.hosts(), count)]
    return [pool[index % len(pool)] for index in range(count)]
