from __future__ import annotations

import pytest

from autoprov.simulate.bootserver import BootServer, Credentials, Location, expand_placeholders
from autoprov.simulate.xmlfile import ConfigError

SERVER = BootServer.parse("http://prov:pa%40ss@127.0.0.1:8080/polycom")
CREDS = Credentials("prov", "pa@ss")


def test_boot_server_url_loses_its_credentials_to_a_separate_field() -> None:
    assert SERVER.base_url == "http://127.0.0.1:8080/polycom/"
    assert SERVER.credentials == CREDS
    assert BootServer.parse("http://h:1").credentials is None


@pytest.mark.parametrize(
    ("name", "directory", "url"),
    [
        ("000000000000.cfg", "", "http://127.0.0.1:8080/polycom/000000000000.cfg"),
        (
            "0004f2aabbcc-boot.log",
            "logs",
            "http://127.0.0.1:8080/polycom/logs/0004f2aabbcc-boot.log",
        ),
        ("x-phone.cfg", "./overrides/", "http://127.0.0.1:8080/polycom/overrides/x-phone.cfg"),
        ("x.xml", "http://10.9.9.9/contacts", "http://10.9.9.9/contacts/x.xml"),
        ("http://127.0.0.1:9/a/b.cfg", "logs", "http://127.0.0.1:9/a/b.cfg"),
        ("../shared/x.cfg", "logs", "http://127.0.0.1:8080/polycom/shared/x.cfg"),
        ("/x.cfg?v=2", "logs/", "http://127.0.0.1:8080/polycom/logs/x.cfg?v=2"),
    ],
)
def test_names_resolve_against_the_boot_server(name: str, directory: str, url: str) -> None:
    assert SERVER.locate(name, directory) == Location(url, CREDS)


def test_url_credentials_of_a_file_beat_the_boot_server_credentials() -> None:
    location = SERVER.locate("https://usr:pwd@10.0.0.2/dir/file.cfg")
    assert location == Location("https://10.0.0.2/dir/file.cfg", Credentials("usr", "pwd"))


def test_directory_credentials_beat_the_boot_server_credentials() -> None:
    location = SERVER.locate("x.xml", "http://usr:pwd@10.9.9.9/contacts")
    assert location == Location("http://10.9.9.9/contacts/x.xml", Credentials("usr", "pwd"))


def test_placeholders_expand_inside_urls() -> None:
    text = "http://h/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg,[PHONE_PART_NUMBER].sip.ld"
    assert expand_placeholders(text, "0004f2aabbcc", "3111-46162-001") == (
        "http://h/autoprov/0004f2aabbcc-registration.cfg,3111-46162-001.sip.ld"
    )


@pytest.mark.parametrize("url", ["tftp://127.0.0.1/", "ftp://PlcmSpIp:PlcmSpIp@h/", "h:80"])
def test_only_http_is_fetched(url: str) -> None:
    with pytest.raises(ConfigError, match="HTTP"):
        BootServer.parse(url)
