from __future__ import annotations

import pytest

from autoprov.polycom.xmlcheck import is_well_formed


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-8"?><phone up.backlight.idleIntensity="1"/>',
        b"<a><b x='&amp;&lt;&#65;'/></a>",
        "<directory><item name='Zoë'/></directory>".encode(),
    ],
)
def test_well_formed(data: bytes) -> None:
    assert is_well_formed(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<a>",
        b"<a></b>",
        b"not xml",
        b"<a x='1' x='2'/>",
        b"<a/><b/>",
        b"<a>&undefined;</a>",
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>',
        b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>',
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b"<!DOCTYPE a><a/>",
    ],
)
def test_refused(data: bytes) -> None:
    assert not is_well_formed(data)
