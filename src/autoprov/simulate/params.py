"""Configuration parameters gathered from several files, first occurrence wins (POLYCOM.md §2)."""

from __future__ import annotations

from autoprov.simulate.xmlfile import attributes


class ConfigParams:
    """What the phone knows after reading its files in order."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def add_file(self, data: bytes, name: str) -> int:
        """Read one file; a parameter already set by an earlier file keeps its value.
        Returns how many parameters the file added."""
        before = len(self._values)
        for key, value in attributes(data, name):
            self._values.setdefault(key, value)
        return len(self._values) - before

    def get(self, key: str, default: str = "") -> str:
        return self._values.get(key, default).strip()

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)
