"""Phone bodies: create, update, replace, assign a line, and the phone as read back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, WithJsonSchema

from autoprov.api.schemas.common import (
    WHOLE_FLOATS,
    Mac,
    RequestBody,
    ResponseBody,
    Timestamp,
    Username,
)
from autoprov.inventory.phones import SORT_FIELDS
from autoprov.inventory.validation import DESCRIPTION_MAX, FIRMWARE_MAX, IP_MAX, LINE_PATTERN
from autoprov.polycom.models import all_models

# Published as an enum; the inventory enforces it, with a message listing the known models
# (and refuses null where the update body lets it through).
_MODEL_SCHEMA = WithJsonSchema(
    {
        "type": "string",
        "enum": sorted(all_models()),
        "description": "The model's User-Agent token",
        "examples": ["VVX_410"],
    }
)
ModelId = Annotated[str, _MODEL_SCHEMA]
Description = Annotated[str, Field(pattern=LINE_PATTERN, max_length=DESCRIPTION_MAX)]
Firmware = Annotated[str, Field(pattern=LINE_PATTERN, max_length=FIRMWARE_MAX)]
Address = Annotated[
    str,
    Field(
        max_length=IP_MAX,
        description="IPv4 or IPv6 address",
        json_schema_extra={"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
    ),
]
SortField = Annotated[
    str,
    Field(
        description="Sort key; a leading `-` sorts descending",
        json_schema_extra={"enum": list(SORT_FIELDS)},
    ),
]


class PhoneCreate(RequestBody):
    mac: Mac
    model: ModelId
    description: Description = ""
    ip: Address | None = None
    firmware: Firmware | None = None
    last_seen: Timestamp | None = None
    unique_id: Annotated[
        str | None,
        Field(
            max_length=16,
            description="The ID the phone shows; if given, it must be the one reserved "
            "for this MAC",
        ),
    ] = None


class PhoneUpdate(RequestBody):
    """Only the fields present change; `null` clears an optional field."""

    model: Annotated[str | None, _MODEL_SCHEMA] = None
    description: Description | None = None
    ip: Address | None = None
    firmware: Firmware | None = None
    last_seen: Timestamp | None = None


class PhoneReplace(RequestBody):
    """Every editable field; an absent optional field is cleared."""

    model: ModelId
    description: Description = ""
    ip: Address | None = None
    firmware: Firmware | None = None
    last_seen: Timestamp | None = None


class LineAssign(RequestBody):
    username: Username
    position: Annotated[
        Annotated[int, Field(ge=1, le=64), WHOLE_FLOATS] | None,
        Field(description="Line key; the first free one if absent"),
    ] = None


class LineOut(ResponseBody):
    username: str
    position: int
    display_name: str


class SyncOut(ResponseBody):
    status: str | None
    detail: str | None
    at: datetime | None


class PhoneOut(ResponseBody):
    mac: str
    model: str
    max_lines: int
    unique_id: str | None
    ip: str | None
    firmware: str | None
    description: str
    lines: list[LineOut]
    registered: bool
    last_seen: datetime | None
    created: datetime
    sync: SyncOut


class PhoneList(ResponseBody):
    items: list[PhoneOut]
    total: int


class RestartAccepted(ResponseBody):
    mac: str
    status: str = "requested"
