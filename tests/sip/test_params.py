from __future__ import annotations

import pytest

from autoprov.sip import ParseError
from autoprov.sip.params import (
    find_param,
    format_params,
    has_param,
    parse_params,
    quote_string,
    unquote_string,
)


def test_parse_with_spaces_flags_and_quotes() -> None:
    params = parse_params(' ; Tag = abc ;lr; +sip.instance="<urn:uuid:1>";x="a\\"b;c" ')
    assert params == (
        ("tag", "abc"),
        ("lr", None),
        ("+sip.instance", "<urn:uuid:1>"),
        ("x", 'a"b;c'),
    )
    assert find_param(params, "TAG") == "abc"
    assert find_param(params, "lr") is None and has_param(params, "LR")
    assert not has_param(params, "q")


def test_parse_from_an_offset() -> None:
    assert parse_params("<sip:a@b>;tag=1", 9) == (("tag", "1"),)
    assert parse_params("<sip:a@b>", 9) == ()
    assert parse_params("<sip:a@b>  ", 9) == ()


def test_ipv6_values_without_brackets() -> None:
    assert parse_params(";received=2001:db8::9:255") == (("received", "2001:db8::9:255"),)


@pytest.mark.parametrize("text", [";", ";;", ";a=", ";a=b c", "x;a", ';a="open', ";a b"])
def test_invalid(text: str) -> None:
    with pytest.raises(ParseError):
        parse_params(text)


def test_format_quotes_what_is_not_a_token() -> None:
    params = (("expires", "60"), ("lr", None), ("+sip.instance", "<urn:uuid:1>"), ("x", ""))
    text = format_params(params)
    assert text == ';expires=60;lr;+sip.instance="<urn:uuid:1>";x=""'
    assert parse_params(text) == params


def test_quote_round_trip() -> None:
    for text in ["plain", 'with "quotes"', "back\\slash", ""]:
        assert unquote_string(quote_string(text)) == text
