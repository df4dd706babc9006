from __future__ import annotations

from autoprov.polycom.profile import (
    LineConfig,
    Registrar,
    SiteConfig,
    autoprovision_line,
    render_profile,
    render_registration,
    render_site,
    sip_address,
)
from autoprov.polycom.rendering import make_environment
from tests.polycom.xmlfile import parameters

REGISTRAR = Registrar("192.0.2.1", 5060, "UDPOnly", 3600)


def test_registration_file_is_design_step_3() -> None:
    line = autoprovision_line(
        user="~~id~autoprovision",
        password="sp3cial",
        unique_id="K7Q2",
        mac="0004f2aabbcc",
        domain="192.0.2.1",
        registrar_host="192.0.2.1",
    )
    data = render_registration(make_environment(), line, REGISTRAR, mac="0004f2aabbcc", model=None)
    assert parameters(data) == {
        "reg.1.address": "~~id~autoprovision",
        "reg.1.auth.userId": "~~id~autoprovision",
        "reg.1.auth.password": "sp3cial",
        "reg.1.label": "K7Q2",
        "reg.1.displayName": "K7Q2-0004f2aabbcc",
        "reg.1.server.1.address": "192.0.2.1",
        "reg.1.server.1.port": "5060",
        "reg.1.server.1.transport": "UDPOnly",
        "reg.1.server.1.expires": "3600",
        "msg.mwi.1.subscribe": "",
        "msg.mwi.1.callBackMode": "disabled",
        "voIpProt.SIP.specialEvent.checkSync.alwaysReboot": "1",
    }


def test_address_carries_the_domain_only_when_it_differs() -> None:
    assert sip_address("1001", "192.0.2.1", "192.0.2.1") == "1001"
    assert sip_address("1001", "example.com", "192.0.2.1") == "1001@example.com"


def test_profile_has_one_block_per_line() -> None:
    lines = [
        LineConfig(1, "1001", "1001", "pw1", "Front Desk", "Front Desk", "1001"),
        LineConfig(2, "1002", "1002", "pw2", "1002", "1002", "1002"),
    ]
    data = render_profile(
        make_environment(),
        lines,
        REGISTRAR,
        SiteConfig("ntp.example.com"),
        mac="0004f2aabbcc",
        model="VVX_410",
    )
    found = parameters(data)
    for n, user, password, label in [(1, "1001", "pw1", "Front Desk"), (2, "1002", "pw2", "1002")]:
        assert found[f"reg.{n}.address"] == user
        assert found[f"reg.{n}.auth.userId"] == user
        assert found[f"reg.{n}.auth.password"] == password
        assert found[f"reg.{n}.label"] == label
        assert found[f"reg.{n}.displayName"] == label
        assert found[f"reg.{n}.server.1.address"] == "192.0.2.1"
        assert found[f"reg.{n}.server.1.port"] == "5060"
        assert found[f"reg.{n}.server.1.transport"] == "UDPOnly"
        assert found[f"reg.{n}.server.1.expires"] == "3600"
        assert found[f"msg.mwi.{n}.subscribe"] == user
    assert "reg.3.address" not in found
    assert found["voIpProt.SIP.specialEvent.checkSync.alwaysReboot"] == "1"
    assert found["tcpIpApp.sntp.address"] == "ntp.example.com"


def test_site_file() -> None:
    assert parameters(render_site(make_environment(), SiteConfig("ntp.example.com"))) == {
        "voIpProt.SIP.specialEvent.checkSync.alwaysReboot": "1",
        "tcpIpApp.sntp.address": "ntp.example.com",
    }
