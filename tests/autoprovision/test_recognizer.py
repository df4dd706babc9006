from __future__ import annotations

import pytest

from autoprov.autoprovision.recognizer import NotASighting, read_sighting
from autoprov.config import AUTOPROVISION_USER as AUTO
from tests.autoprovision.registers import VVX_410, register

MAC = "0004f2aabbcc"


@pytest.mark.parametrize(
    ("user_agent", "model", "firmware"),
    [
        ("PolycomVVX-VVX_410-UA/5.9.5.0614", "VVX_410", "5.9.5.0614"),
        ("PolycomVVX-VVX_310-UA/4.1.4.7430_0004f2aabbcc", "VVX_310", "4.1.4.7430"),
        ("Polycom/5.5.2.8571 PolycomVVX-VVX_310-UA/5.5.2.8571", "VVX_310", "5.5.2.8571"),
        ("PolycomSoundPointIP-SPIP_650-UA/4.0.15.1009", "SPIP_650", "4.0.15.1009"),
        ("PolycomRealPresenceTrio-Trio_8800-UA/5.4.3.2007", "Trio_8800", "5.4.3.2007"),
    ],
)
def test_a_polycom_registering_for_autoprovisioning_is_seen(
    user_agent: str, model: str, firmware: str
) -> None:
    sighting = read_sighting(*register(f"ABCD-{MAC}", user_agent), now=1000.0)
    assert (sighting.mac, sighting.unique_id, sighting.model, sighting.firmware) == (
        MAC,
        "ABCD",
        model,
        firmware,
    )
    assert (sighting.ip, sighting.seen_at) == ("192.0.2.10", 1000.0)


def test_the_mac_in_the_display_name_may_be_upper_case() -> None:
    assert read_sighting(*register("ABCD-0004F2AABBCC")).mac == MAC


@pytest.mark.parametrize(
    ("contact", "ip"),
    [
        ("sip:~~id~autoprovision@192.0.2.44:5062;transport=udp", "192.0.2.44"),
        ("sip:~~id~autoprovision@[2001:db8::10]:5060", "2001:db8::10"),
        ("sip:~~id~autoprovision@phone.example.com", "198.51.100.7"),
    ],
)
def test_the_address_comes_from_contact_else_from_the_source(contact: str, ip: str) -> None:
    assert read_sighting(*register(f"ABCD-{MAC}", contact=contact)).ip == ip


@pytest.mark.parametrize(
    ("display_name", "user_agent", "aor", "reason"),
    [
        (f"ABCD-{MAC}", VVX_410, "1001", "other-aor"),
        (f"ABCD-{MAC}", "Yealink SIP-T46S 66.86.0.15", AUTO, "not-polycom"),
        (f"ABCD-{MAC}", None, AUTO, "not-polycom"),
        (f"ABCD-{MAC}", "PolycomVVX-VVX_999-UA/5.9.5.0614", AUTO, "unknown-model"),
        ("Front Desk", VVX_410, AUTO, "malformed-display-name"),
        (None, VVX_410, AUTO, "malformed-display-name"),
        ("ABCD", VVX_410, AUTO, "malformed-display-name"),
        (f"AB0D-{MAC}", VVX_410, AUTO, "malformed-display-name"),  # no 0 in the alphabet
        (f"ABCDE-{MAC}", VVX_410, AUTO, "malformed-display-name"),
        ("ABCD-0004f2aabbc", VVX_410, AUTO, "malformed-display-name"),
        ("ABCD-0004f2aabbcg", VVX_410, AUTO, "malformed-display-name"),
        (f"ABCD-{MAC}", "PolycomVVX-VVX_310-UA/4.1.4.7430_0004f2000001", AUTO, "mac-mismatch"),
        (
            f"ABCD-{MAC}",
            "PolycomSoundStationIP-SSIP_5000-UA/4.0.3.7562 (SN:0004f2000001)",
            AUTO,
            "mac-mismatch",
        ),
    ],
)
def test_anything_else_is_not_a_sighting(
    display_name: str | None, user_agent: str | None, aor: str, reason: str
) -> None:
    with pytest.raises(NotASighting) as raised:
        read_sighting(*register(display_name, user_agent, aor=aor))
    assert raised.value.reason == reason
