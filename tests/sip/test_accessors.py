from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from autoprov.sip import Headers, ParseError
from autoprov.sip.accessors import Computed, HeaderCache, OptionalHeader, RequiredHeader

calls: list[str] = []


def parse_number(text: str) -> int:
    calls.append(text)
    return int(text)


def must_be_even(message: Sample, value: int) -> None:
    if value % 2:
        raise ParseError("odd")


@dataclass(frozen=True, slots=True)
class Sample(HeaderCache):
    headers: Headers
    _cache: dict[str, object] = field(default_factory=dict, init=False, compare=False)

    size = RequiredHeader("X-Size", parse_number)
    even = OptionalHeader("X-Even", parse_number, must_be_even)

    @Computed
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.headers)


def test_values_are_parsed_once_and_kept() -> None:
    calls.clear()
    sample = Sample(Headers([("x-size", "12")]))
    assert sample.size == 12 and sample.size == 12
    assert calls == ["12"]
    assert sample.names is sample.names
    assert Sample.size.key == "x-size" and Sample.size.attr == "size"


def test_absent_repeated_and_checked_headers() -> None:
    assert Sample(Headers()).even is None
    with pytest.raises(ParseError, match="Missing X-Size header"):
        _ = Sample(Headers()).size
    with pytest.raises(ParseError, match="appears 2 times"):
        _ = Sample(Headers([("X-Size", "1"), ("X-Size", "1")])).size
    with pytest.raises(ParseError, match="odd"):
        _ = Sample(Headers([("X-Even", "3")])).even
    assert Sample(Headers([("X-Even", "4")])).even == 4


def test_errors_are_not_kept() -> None:
    sample = Sample(Headers([("X-Even", "3")]))
    for _ in range(2):
        with pytest.raises(ParseError):
            _ = sample.even
