"""What every request body shares: strict types, unknown fields refused, and the same regular
expression engine as the inventory's own checks (so the published patterns mean one thing)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from autoprov.inventory.validation import (
    DISPLAY_NAME_MAX,
    LINE_PATTERN,
    MAC_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    USERNAME_MAX,
    USERNAME_PATTERN,
)


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    """Times travel as RFC 3339 strings with an offset (JSON Schema's ``date-time``), and only
    so: no bare numbers, no dates without a time, no times without an offset."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("expected an RFC 3339 date-time, e.g. 2026-01-31T08:00:00Z")
    return datetime.fromisoformat(value.upper())


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339)]


def _whole_number(value: Any) -> Any:
    """JSON Schema counts ``2.0`` as an integer; strict validation would refuse it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WHOLE_FLOATS = BeforeValidator(_whole_number)
"""Put after an integer's bounds: ``Annotated[int, Field(ge=1), WHOLE_FLOATS]`` (in this order,
so the bounds are published as ``minimum`` / ``maximum``)."""

Mac = Annotated[
    str,
    Field(
        pattern=MAC_PATTERN,
        max_length=64,
        description="12 hex digits in any usual spelling (`00:04:F2:AA:BB:CC`, "
        "`00-04-f2-aa-bb-cc`, `0004f2aabbcc`)",
        examples=["0004f2aabbcc"],
    ),
]
Username = Annotated[
    str,
    Field(
        pattern=USERNAME_PATTERN,
        min_length=1,
        max_length=USERNAME_MAX,
        description="The extension / SIP user name",
        examples=["1001"],
    ),
]
Password = Annotated[
    str, Field(pattern=LINE_PATTERN, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
]
PASSWORD_SCHEMA = WithJsonSchema(
    {
        "type": "string",
        "pattern": LINE_PATTERN,
        "minLength": PASSWORD_MIN,
        "maxLength": PASSWORD_MAX,
    }
)
"""The password's rules, for a field the inventory checks itself (it refuses null)."""
DisplayName = Annotated[str, Field(pattern=LINE_PATTERN, max_length=DISPLAY_NAME_MAX)]
