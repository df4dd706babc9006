"""Header parameters: ``;name[=value]`` lists after a URI, a name-addr or a Via (RFC 3261
generic-param), kept as ordered tuples with lower-cased names and unquoted values."""

from __future__ import annotations

import re
from typing import Final

from autoprov.sip import grammar
from autoprov.sip.errors import ParseError, excerpt

Params = tuple[tuple[str, str | None], ...]
"""``(name, value)`` pairs; the value is ``None`` for a flag such as ``;lr`` or ``;rport``."""

_GENERIC_PARAM: Final = re.compile(grammar.GENERIC_PARAM)
_PLAIN_VALUE_SET: Final = grammar.TOKEN_SET + ":[]"
"""What a value may hold unquoted: token characters, and those of a host (IPv6 included)."""
_QUOTED_PAIR: Final = re.compile(r"\\(.)", re.DOTALL)


def find_param(params: Params, name: str) -> str | None:
    """The value of the first parameter called ``name`` (any case), or None."""
    key = name.lower()
    for pname, value in params:
        if pname == key:
            return value
    return None


def has_param(params: Params, name: str) -> bool:
    key = name.lower()
    for pname, _ in params:  # noqa: SIM110 - a plain loop: a generator costs more here
        if pname == key:
            return True
    return False


def unquote_string(quoted: str) -> str:
    """The content of a quoted-string (RFC 3261 25.1), quoted-pairs resolved."""
    inner = quoted[1:-1]
    return _QUOTED_PAIR.sub(r"\1", inner) if "\\" in inner else inner


def quote_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_params(text: str, start: int = 0) -> Params:
    """Parse ``text[start:]`` as ``*( SEMI generic-param )`` up to the end of the string."""
    plain = _plain_params(text, start) if text.find('"', start) < 0 else None
    return _general_params(text, start) if plain is None else plain


def _general_params(text: str, start: int) -> Params:
    """Any spelling: blanks around ``;`` and ``=``, quoted-string values."""
    params: list[tuple[str, str | None]] = []
    end = len(text)
    pos = start
    while pos < end:
        match = _GENERIC_PARAM.match(text, pos)
        if match is None or match.end() == pos:
            if not text[pos:].strip(" \t"):
                break
            raise ParseError(f"Invalid parameter in {excerpt(text)}")
        value = match["pvalue"]
        if value is not None and value.startswith('"'):
            value = unquote_string(value)
        params.append((match["pname"].lower(), value))
        pos = match.end()
    return tuple(params)


def _plain_params(text: str, start: int) -> Params | None:
    """The everyday spelling, ``;name`` or ``;name=value`` with token or host values and no
    blanks after the first ``;``, read with a split and a strip per parameter (a character
    set stripped away entirely: every character is in it). None for anything else, which the
    general reading, `_general_params`, then takes, with the same result for this spelling."""
    first, *parts = text[start:].split(";")
    if first.strip(" \t"):
        return None
    params: list[tuple[str, str | None]] = []
    for part in parts:
        name, equals, value = part.partition("=")
        if not name or name.strip(grammar.TOKEN_SET):
            return None
        if not equals:
            params.append((name.lower(), None))
        elif _is_plain(value):
            params.append((name.lower(), value))
        else:
            return None
    return tuple(params)


def _is_plain(value: str) -> bool:
    """Non-empty and of `_PLAIN_VALUE_SET` only (stripped of it, nothing is left)."""
    return bool(value) and not value.strip(_PLAIN_VALUE_SET)


def format_params(params: Params) -> str:
    """``;name=value`` text, quoting values that are not a token or host."""
    parts: list[str] = []
    for name, value in params:
        parts += [";", name]
        if value is not None:
            parts += ["=", value if _is_plain(value) else quote_string(value)]
    return "".join(parts)
