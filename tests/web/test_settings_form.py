from __future__ import annotations

import pytest

from autoprov.web.settings_form import parse_settings_form

GOOD = {
    "sip_domain": "pbx.example.com",
    "registrar_host": "192.0.2.10",
    "registrar_port": "5060",
    "provision_user": "prov",
    "provision_password": "s3cret-Pass_1",
    "provision_networks": "10.1.0.0/16\n2001:db8::/48, 192.0.2.7",
    "time_server": "ntp.example.com",
    "autoprovision_enabled": "on",
    "unassigned_cap": "5000",
}


def test_a_good_form_gives_typed_changes() -> None:
    parsed = parse_settings_form(GOOD)
    assert parsed.errors == {}
    assert parsed.changes == {
        "sip_domain": "pbx.example.com",
        "registrar_host": "192.0.2.10",
        "registrar_port": 5060,
        "provision_user": "prov",
        "provision_password": "s3cret-Pass_1",
        "provision_networks": ("10.1.0.0/16", "2001:db8::/48", "192.0.2.7/32"),
        "time_server": "ntp.example.com",
        "autoprovision_enabled": True,
        "unassigned_cap": 5000,
    }


def test_an_unchecked_box_turns_auto_provisioning_off_and_no_networks_is_any() -> None:
    form = {**GOOD, "provision_networks": "  "}
    del form["autoprovision_enabled"]
    parsed = parse_settings_form(form)
    assert parsed.errors == {}
    assert parsed.changes["autoprovision_enabled"] is False
    assert parsed.changes["provision_networks"] == ()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sip_domain", "", "host name or an IP address"),
        ("sip_domain", "bad domain", "host name or an IP address"),
        ("registrar_host", "-x.example", "host name or an IP address"),
        ("registrar_port", "0", "1 to 65535"),
        ("registrar_port", "65536", "1 to 65535"),
        ("registrar_port", "\uff15\uff10\uff16\uff10", "1 to 65535"),  # full-width digits
        ("provision_user", "", "must not be empty"),
        ("provision_password", "pa:ss", "literally"),
        ("provision_password", "p@ss", "literally"),
        ("provision_networks", "10.1.0.1/16", "did you mean 10.1.0.0/16"),
        ("provision_networks", "10.1.0.0/33", "not a network"),
        ("provision_networks", "office", "not a network"),
        ("time_server", "", "host name or an IP address"),
        ("time_server", "ntp server", "host name or an IP address"),
        ("unassigned_cap", "-1", "0 or more"),
        ("unassigned_cap", "lots", "0 or more"),
    ],
)
def test_each_bad_value_is_named_with_a_clear_message(field: str, value: str, message: str) -> None:
    parsed = parse_settings_form({**GOOD, field: value})
    assert list(parsed.errors) == [field]
    assert message in parsed.errors[field]
    assert field not in parsed.changes
