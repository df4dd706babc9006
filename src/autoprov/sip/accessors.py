"""Typed header accessors for messages: parsed on first use, then kept.

A message is frozen, so each keeps a private ``_cache`` dict; these descriptors fill it.
`SingleHeader` implements the single-value rule (RFC 3261 7.3.1: a header that is not a list
appears at most once), `Computed` anything derived from several fields (Via, Contact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast, overload

from autoprov.sip.errors import ParseError
from autoprov.sip.headers import Headers

T = TypeVar("T")

_MISSING = object()


class HeaderCache:
    """Base of the message classes: headers, and a place for the values read from them."""

    __slots__ = ()
    headers: Headers
    _cache: dict[str, object]


class Computed(Generic[T]):
    """A value computed from the message on first access and kept in its ``_cache``."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self._compute = compute
        self._attr = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, message: None, owner: type) -> Computed[T]: ...

    @overload
    def __get__(self, message: HeaderCache, owner: type) -> T: ...

    def __get__(self, message: HeaderCache | None, owner: type) -> T | Computed[T]:
        if message is None:
            return self
        cache = message._cache
        value = cache.get(self._attr, _MISSING)
        if value is _MISSING:
            value = cache[self._attr] = self._compute(message)
        return cast(T, value)


class SingleHeader(Generic[T]):
    """A single-value header (RFC 3261 7.3.1: at most one field), parsed on first access.

    Absent gives None (`RequiredHeader` raises instead); a repeated field raises `ParseError`.
    ``check`` sees the message and the value, for rules that span both.
    """

    def __init__(
        self,
        name: str,
        parse: Callable[[str], T],
        check: Callable[[Any, T], None] | None = None,
    ) -> None:
        self._name = name
        self.key = name.lower()
        self._parse = parse
        self._check = check
        self.attr = ""
        """Where the value is kept in the message's cache (the attribute's own name)."""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def _lookup(self, message: HeaderCache) -> T | None:
        cache = message._cache
        value = cache.get(self.attr, _MISSING)
        if value is _MISSING:
            value = cache[self.attr] = self.read(message, message.headers.by_key(self.key))
        return cast("T | None", value)  # a string: no Union built per call

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


class OptionalHeader(SingleHeader[T]):
    @overload
    def __get__(self, message: None, owner: type) -> OptionalHeader[T]: ...

    @overload
    def __get__(self, message: HeaderCache, owner: type) -> T | None: ...

    def __get__(self, message: HeaderCache | None, owner: type) -> T | OptionalHeader[T] | None:
        return self if message is None else self._lookup(message)


class RequiredHeader(SingleHeader[T]):
    @overload
    def __get__(self, message: None, owner: type) -> RequiredHeader[T]: ...

    @overload
    def __get__(self, message: HeaderCache, owner: type) -> T: ...

    def __get__(self, message: HeaderCache | None, owner: type) -> T | RequiredHeader[T]:
        if message is None:
            return self
        value = self._lookup(message)
        if value is None:
            raise ParseError(f"Missing {self._name} header")
        return value
