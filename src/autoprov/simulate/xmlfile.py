"""Reading Polycom configuration XML the way the phone does: only attributes carry meaning."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator


class ConfigError(ValueError):
    """A file the phone cannot use: not XML, or not the kind of file it asked for."""


def attributes(data: bytes, what: str) -> Iterator[tuple[str, str]]:
    """Every attribute of every element, in document order; element names are free."""
    try:
        # The files come from the boot server the phone was pointed at; expat refuses
        # external entities, which is the part of XML a phone must not follow.
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise ConfigError(f"{what} is not XML: {exc}") from None
    for element in root.iter():
        yield from element.attrib.items()
