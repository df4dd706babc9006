from __future__ import annotations

from urllib.parse import unquote, urlsplit

from autoprov.polycom.bootserver import boot_server_url


def test_the_credentials_travel_in_the_url() -> None:
    url = boot_server_url("https://[2001:db8::5]:8443", "prov", "s3cret")
    assert url == "https://prov:s3cret@[2001:db8::5]:8443/"


def test_credentials_with_delimiters_cannot_end_the_user_information_early() -> None:
    url = boot_server_url("http://192.0.2.1:8080", "a@b", "p:w/d@x")
    parts = urlsplit(url)
    assert (parts.hostname, parts.port, parts.path) == ("192.0.2.1", 8080, "/")
    assert parts.username is not None and parts.password is not None
    assert (unquote(parts.username), unquote(parts.password)) == ("a@b", "p:w/d@x")
