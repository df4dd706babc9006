"""Typed header accessors for messages: parsed on first use, then kept.

A message is frozen, so each keeps a private ``_cache`` dict, which these fill; the message's
properties call them. `SingleHeader` implements the single-value rule (RFC 3261 7.3.1: a
header that is not a list appears at most once), `computed` anything derived from several
fields (Via, Contact). They are plain functions and objects, not descriptors, so that the
message classes compile with mypyc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from autoprov.sip.errors import ParseError
from autoprov.sip.headers import Headers

T = TypeVar("T")
M = TypeVar("M", bound="HeaderCache")

_MISSING = object()


class HeaderCache:
    """Base of the message classes: headers, and a place for the values read from them."""

    __slots__ = ()
    headers: Headers
    _cache: dict[str, object]


def computed(message: M, key: str, compute: Callable[[M], T]) -> T:
    """``compute(message)``, worked out on first use and kept under ``key``."""
    cache = message._cache
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = cache[key] = compute(message)
    return cast(T, value)


class SingleHeader(Generic[T]):
    """A single-value header (RFC 3261 7.3.1: at most one field), parsed on first use and kept
    under its lower-cased name.

    Absent gives None, or `ParseError` when ``required``; a repeated field raises `ParseError`.
    ``check`` sees the message and the value, for rules that span both.
    """

    def __init__(
        self,
        name: str,
        parse: Callable[[str], T],
        check: Callable[[Any, T], None] | None = None,
        *,
        required: bool = False,
    ) -> None:
        self._name = name
        self.key = name.lower()
        self._parse = parse
        self._check = check
        self.required = required

    def get(self, message: HeaderCache) -> T | None:
        """The value, None when the header is absent (even a required one)."""
        cache = message._cache
        value = cache.get(self.key, _MISSING)
        if value is _MISSING:
            value = cache[self.key] = self.read(message, message.headers.by_key(self.key))
        return cast("T | None", value)  # a string: no Union built per call

    def value(self, message: HeaderCache) -> T:
        """The value of a header that must be there: `ParseError` when it is absent."""
        value = self.get(message)
        if value is None:
            raise ParseError(f"Missing {self._name} header")
        return value

    def read(self, message: HeaderCache, values: Sequence[str]) -> T | None:
        """The typed value from the header's field values (no cache involved)."""
        if not values:
            return None
        if len(values) > 1:
            raise ParseError(f"{self._name} header appears {len(values)} times")
        value = self._parse(values[0])
        if self._check is not None:
            self._check(message, value)
        return value
