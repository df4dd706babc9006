"""The header section: ordered, immutable, looked up by name in any case or compact form.

Names are stored in their canonical spelling when known (``v`` and ``VIA`` become ``Via``) and
as received otherwise. Values are unfolded and stripped. ``get_all`` splits the list-valued
headers (RFC 3261 7.3.1: several values in one field, separated by commas) on commas that are
outside quoted strings and ``<>``; other headers, Authorization and WWW-Authenticate among
them, give one value per field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from autoprov.sip import grammar

# RFC 3261 7.3.3 and the IANA "Header Fields" registry's compact forms.
COMPACT_FORMS: Final = {
    "a": "Accept-Contact",
    "b": "Referred-By",
    "c": "Content-Type",
    "d": "Request-Disposition",
    "e": "Content-Encoding",
    "f": "From",
    "i": "Call-ID",
    "j": "Reject-Contact",
    "k": "Supported",
    "l": "Content-Length",
    "m": "Contact",
    "n": "Identity-Info",
    "o": "Event",
    "r": "Refer-To",
    "s": "Subject",
    "t": "To",
    "u": "Allow-Events",
    "v": "Via",
    "x": "Session-Expires",
    "y": "Identity",
}

_CANONICAL_NAMES: Final = (
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Alert-Info",
    "Allow",
    "Authentication-Info",
    "Authorization",
    "Call-Info",
    "Content-Disposition",
    "Content-Language",
    "Date",
    "Error-Info",
    "Expires",
    "In-Reply-To",
    "Max-Forwards",
    "MIME-Version",
    "Min-Expires",
    "Organization",
    "Path",
    "Priority",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Require",
    "Record-Route",
    "Reply-To",
    "Require",
    "Retry-After",
    "Route",
    "Server",
    "Service-Route",
    "Timestamp",
    "Unsupported",
    "User-Agent",
    "Warning",
    "WWW-Authenticate",
    "CSeq",
    *COMPACT_FORMS.values(),
)

# lower-case received name -> (canonical spelling, lookup key)
_KNOWN: Final[dict[str, tuple[str, str]]] = {
    name.lower(): (name, name.lower()) for name in _CANONICAL_NAMES
}
_KNOWN.update({short: (full, full.lower()) for short, full in COMPACT_FORMS.items()})

SPELLINGS: Final[dict[str, tuple[str, str]]] = {
    spelling: known
    for lowered, known in _KNOWN.items()
    for spelling in (lowered, lowered.upper(), known[0])
}
"""Exact received spellings of known names (``Via``, ``v``, ``VIA``...), for the parser's
fast path; anything else goes through `canonical_name`."""

LIST_HEADERS: Final = frozenset(
    name.lower()
    for name in (
        "Accept",
        "Accept-Contact",
        "Accept-Encoding",
        "Accept-Language",
        "Alert-Info",
        "Allow",
        "Allow-Events",
        "Call-Info",
        "Contact",
        "Content-Encoding",
        "Content-Language",
        "Error-Info",
        "In-Reply-To",
        "Path",
        "Proxy-Require",
        "Record-Route",
        "Reject-Contact",
        "Require",
        "Route",
        "Service-Route",
        "Supported",
        "Unsupported",
        "Via",
        "Warning",
    )
)

_TOKEN: Final = re.compile(grammar.TOKEN)


def canonical_name(name: str) -> tuple[str, str]:
    """``(spelling to store, lookup key)`` for a received header name."""
    known = _KNOWN.get(name.lower())
    if known is not None:
        return known
    return name, name.lower()


# One list item: plain text, quoted strings (possibly unterminated: the item parser will
# complain) and <...> runs, up to the next comma outside them.
_LIST_ITEM: Final = re.compile(r'(?:[^,"<]+|"[^"\\]*(?:\\.[^"\\]*)*"?|<[^>]*>?)*', re.DOTALL)


def split_list(value: str) -> list[str]:
    """Split a list-valued field on commas outside quoted strings and ``<>``; strip items."""
    if "," not in value:
        return [value.strip(" \t")]
    if '"' not in value and "<" not in value:
        return [item.strip(" \t") for item in value.split(",")]
    items: list[str] = []
    pos, end = 0, len(value)
    while True:
        match = _LIST_ITEM.match(value, pos)
        assert match is not None  # the pattern matches the empty string
        items.append(match.group().strip(" \t"))
        pos = match.end() + 1
        if pos > end:
            return items


def split_values(values: Sequence[str]) -> list[str]:
    """The items of the fields of one list-valued header, in order (empty fields skipped)."""
    if len(values) == 1 and values[0] and "," not in values[0]:
        return [values[0]]  # one field, one item (field values are stripped already)
    items: list[str] = []
    for value in values:
        if value:
            items += split_list(value)
    return items


def check_field(name: str, value: str) -> tuple[str, str]:
    """A caller-supplied field, canonically named: the name must be a token and the value one
    line (no CR or LF, which would let a value inject headers)."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} value spans lines")
    return _spelling(name), value.strip(" \t")


@lru_cache(maxsize=1024)
def _spelling(name: str) -> str:
    """The canonical spelling of a valid header name (a program uses a handful of names, over
    and over: the check runs once per name)."""
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    return canonical_name(name)[0]


@dataclass(frozen=True, slots=True, init=False)
class Headers:
    """The header fields of a message, in order; equal when the fields are.

    The lookup index is built on the first lookup: a response is usually written out without
    anyone looking anything up in it."""

    fields: tuple[tuple[str, str], ...]
    _index: dict[str, list[str]] | None = field(repr=False, compare=False)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        """Build from ``(name, value)`` pairs; see `check_field`."""
        object.__setattr__(
            self, "fields", tuple([check_field(name, value) for name, value in pairs])
        )
        object.__setattr__(self, "_index", None)

    @classmethod
    def _trusted(
        cls, fields: list[tuple[str, str]], index: dict[str, list[str]] | None = None
    ) -> Headers:
        """Fields already checked and canonically named (copied from a parsed message, or
        read by the parser, which builds the ``index`` as it reads the lines)."""
        headers = cls()  # empty, then filled: the fields need no checking
        object.__setattr__(headers, "fields", tuple(fields))
        object.__setattr__(headers, "_index", index)
        return headers

    @property
    def _values(self) -> dict[str, list[str]]:
        """Lower-cased canonical name -> values, in order."""
        index = self._index
        if index is None:
            index = {}
            for name, value in self.fields:
                index.setdefault(name.lower(), []).append(value)
            object.__setattr__(self, "_index", index)
        return index

    def get(self, name: str) -> str | None:
        """The first field's value as received (not split), or None."""
        values = self._values.get(canonical_name(name)[1])
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        """Every value: one per field, list-valued headers split into their items."""
        key = canonical_name(name)[1]
        values = self._values.get(key)
        if not values:
            return []
        if key not in LIST_HEADERS:
            return list(values)
        return split_values(values)

    def by_key(self, key: str) -> Sequence[str]:
        """Values of every field whose canonical name, lower-cased, is ``key``: the fast way
        in for names known in advance (``"call-id"``, not ``"i"``)."""
        return self._values.get(key, ())

    def fields_of(self, name: str) -> list[str]:
        """The values of every field with this name, unsplit."""
        return list(self._values.get(canonical_name(name)[1], ()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonical_name(name)[1] in self._values

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)
