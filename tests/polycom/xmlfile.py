"""Read generated configuration files the way a phone does: every attribute of every element,
first occurrence wins."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def parameters(data: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in ET.fromstring(data).iter():
        for name, value in element.attrib.items():
            found.setdefault(name, value)
    return found
