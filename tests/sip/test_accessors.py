from __future__ import annotations

import pytest

from autoprov.sip import Headers, ParseError, Request, parse_uri
from autoprov.sip.accessors import SingleHeader, computed

calls: list[str] = []


def parse_number(text: str) -> int:
    calls.append(text)
    return int(text)


def must_be_even(message: Request, value: int) -> None:
    if value % 2:
        raise ParseError("odd")


SIZE = SingleHeader("X-Size", parse_number, required=True)
EVEN = SingleHeader("X-Even", parse_number, must_be_even)


def names(message: Request) -> tuple[str, ...]:
    return tuple(name for name, _ in message.headers)


def sample(*fields: tuple[str, str]) -> Request:
    return Request("OPTIONS", parse_uri("sip:a@b"), Headers(fields))


def test_values_are_parsed_once_and_kept() -> None:
    calls.clear()
    message = sample(("x-size", "12"))
    assert SIZE.value(message) == 12 and SIZE.value(message) == 12
    assert calls == ["12"]
    assert computed(message, "names", names) is computed(message, "names", names)
    assert message._cache == {"x-size": 12, "names": ("x-size",)}


def test_absent_repeated_and_checked_headers() -> None:
    assert EVEN.get(sample()) is None
    with pytest.raises(ParseError, match="Missing X-Size header"):
        SIZE.value(sample())
    with pytest.raises(ParseError, match="appears 2 times"):
        SIZE.value(sample(("X-Size", "1"), ("X-Size", "1")))
    with pytest.raises(ParseError, match="odd"):
        EVEN.get(sample(("X-Even", "3")))
    assert EVEN.get(sample(("X-Even", "4"))) == 4


def test_errors_are_not_kept() -> None:
    message = sample(("X-Even", "3"))
    for _ in range(2):
        with pytest.raises(ParseError):
            EVEN.get(message)
