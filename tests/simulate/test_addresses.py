from __future__ import annotations

from autoprov.simulate.addresses import LOOPBACK_NETWORK, phone_addresses


def test_one_loopback_address_per_phone_against_a_loopback_server() -> None:
    addresses = phone_addresses(1000, "127.0.0.1")
    assert len(set(addresses)) == 1000
    assert addresses[0] == "127.100.0.1"
    assert LOOPBACK_NETWORK.startswith("127.")


def test_a_given_network_is_used_in_turn() -> None:
    assert phone_addresses(5, "localhost", "127.7.0.0/30") == [
        "127.7.0.1",
        "127.7.0.2",
        "127.7.0.1",
        "127.7.0.2",
        "127.7.0.1",
    ]
    assert phone_addresses(2, "127.0.0.1", "127.0.0.1/32") == ["127.0.0.1", "127.0.0.1"]
