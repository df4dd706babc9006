"""User bodies. Passwords go in and never come out: reads say ``has_password``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from autoprov.api.schemas.common import (
    PASSWORD_SCHEMA,
    DisplayName,
    Password,
    RequestBody,
    ResponseBody,
    Username,
)


class UserCreate(RequestBody):
    username: Username
    password: Password
    display_name: DisplayName = ""


class UserUpdate(RequestBody):
    """Only the fields present change; `null` clears the display name."""

    password: Annotated[str | None, PASSWORD_SCHEMA] = None
    display_name: DisplayName | None = None


class UserPhoneOut(ResponseBody):
    mac: str
    position: int


class UserOut(ResponseBody):
    username: str
    display_name: str
    has_password: bool
    phones: list[UserPhoneOut]
    created: datetime


class UserList(ResponseBody):
    items: list[UserOut]
    total: int


class UserDeleted(ResponseBody):
    username: str
    unassigned_phones: list[str]
    """The phones the user was on: now without that line, and re-synced."""
