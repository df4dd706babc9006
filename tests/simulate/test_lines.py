from __future__ import annotations

import pytest

from autoprov.simulate.lines import (
    DEFAULT_EXPIRES,
    DEFAULT_SIP_PORT,
    always_reboots_on_check_sync,
    configured_lines,
)
from autoprov.simulate.params import ConfigParams
from autoprov.simulate.xmlfile import ConfigError


def _params(xml: str) -> ConfigParams:
    params = ConfigParams()
    params.add_file(xml.encode(), "test.cfg")
    return params


REGISTRATION = """<polycomConfig reg.1.address="~~id~autoprovision"
  reg.1.auth.userId="~~id~autoprovision" reg.1.auth.password="s3cret" reg.1.label="K7QX"
  reg.1.displayName="K7QX-0004f2aabbcc" reg.1.server.1.address="127.0.0.1"
  reg.1.server.1.port="5070" reg.1.server.1.transport="UDPOnly" reg.1.server.1.expires="120"
  voIpProt.SIP.specialEvent.checkSync.alwaysReboot="1"/>"""


def test_registration_file_gives_one_line() -> None:
    (line,) = configured_lines(_params(REGISTRATION), max_lines=12)
    assert line.user == "~~id~autoprovision"
    assert line.auth_user == "~~id~autoprovision"
    assert line.password == "s3cret"
    assert line.display_name == "K7QX-0004f2aabbcc"
    assert (line.server_host, line.server_port, line.expires) == ("127.0.0.1", 5070, 120)
    assert line.aor == "sip:~~id~autoprovision@127.0.0.1"
    assert always_reboots_on_check_sync(_params(REGISTRATION))


def test_global_server_and_defaults_apply_when_the_line_names_none() -> None:
    params = _params(
        '<c reg.1.address="1001@pbx.example.com" reg.2.address="1002" '
        'voIpProt.server.1.address="10.1.1.1" voIpProt.server.1.port=""/>'
    )
    first, second = configured_lines(params, max_lines=2)
    assert (first.user, first.domain, first.server_host) == ("1001", "pbx.example.com", "10.1.1.1")
    assert (second.user, second.domain) == ("1002", "10.1.1.1")
    assert (second.auth_user, second.server_port, second.expires) == (
        "1002",
        DEFAULT_SIP_PORT,
        DEFAULT_EXPIRES,
    )
    assert not always_reboots_on_check_sync(params)


def test_lines_beyond_the_model_are_ignored() -> None:
    params = _params('<c reg.1.address="1" reg.2.address="2" voIpProt.server.1.address="h"/>')
    assert [line.user for line in configured_lines(params, max_lines=1)] == ["1"]


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ('<c reg.1.address="1001"/>', "names no server"),
        ('<c reg.1.address="1@h" reg.1.server.1.address="h" reg.1.server.1.port="x"/>', "number"),
        (
            '<c reg.1.address="1@h" voIpProt.server.1.address="h" '
            'voIpProt.server.1.transport="TLS"/>',
            "UDP",
        ),
    ],
)
def test_unusable_lines_are_explained(xml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configured_lines(_params(xml), max_lines=4)
