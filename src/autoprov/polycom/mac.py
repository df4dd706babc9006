"""MAC addresses: every usual spelling in, 12 lowercase hex digits out."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[:\-.\s]")
_HEX12 = re.compile(r"[0-9a-f]{12}")
MASTER_MAC = "000000000000"


class InvalidMAC(ValueError):
    pass


def normalize_mac(value: str) -> str:
    """``00:04:F2:AA:BB:CC``, ``00-04-f2-aa-bb-cc``, ``0004.f2aa.bbcc`` -> ``0004f2aabbcc``."""
    cleaned = _SEPARATORS.sub("", value.strip()).lower()
    if not _HEX12.fullmatch(cleaned):
        raise InvalidMAC(f"not a MAC address: {value!r}")
    return cleaned


def is_mac(value: str) -> bool:
    return _HEX12.fullmatch(value) is not None


def has_oui(mac: str, ouis: list[str]) -> bool:
    """Whether a normalized MAC starts with one of the given 6-hex-digit prefixes."""
    return mac[:6] in ouis
