from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoprov.sip import ParseError
from autoprov.sip.params import (
    Params,
    _general_params,
    _plain_params,
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


# Parameter runs in the everyday spelling, half of them with one character put somewhere that
# may make them another spelling (blanks, an empty value, a quote) or no valid one at all.
_VALUE = st.text(alphabet="aZ0-.:[]%~", min_size=1, max_size=6)


@st.composite
def _param_runs(draw: st.DrawFn) -> str:
    text = ""
    for name in draw(st.lists(st.sampled_from(["tag", "Branch", "rport", "lr", "x-y"]))):
        text += f";{name}" + (f"={draw(_VALUE)}" if draw(st.booleans()) else "")
    if draw(st.booleans()):
        where = draw(st.integers(0, len(text)))
        odd = draw(st.sampled_from([" ", "\t", ";", "=", ",", "@", "\u00e9", '"', "<"]))
        text = text[:where] + odd + text[where:]
    return text


def _general_reading(text: str) -> Params | str:
    try:
        return _general_params(text, 0)
    except ParseError:
        return "error"


@settings(max_examples=500, deadline=None)
@given(_param_runs())
def test_the_fast_reading_agrees_with_the_general_one(text: str) -> None:
    plain = _plain_params(text, 0)
    if plain is not None:
        assert plain == _general_reading(text)


def test_the_fast_reading_takes_the_everyday_spellings() -> None:
    for text in [";branch=z9hG4bK-1;rport", ";tag=1234SIPpTag00", ";received=2001:db8::9", ""]:
        assert _plain_params(text, 0) is not None
