"""Read-only bodies: phone models, registrations and health."""

from __future__ import annotations

from datetime import datetime

from autoprov.api.schemas.common import ResponseBody


class ModelOut(ResponseBody):
    id: str
    family: str
    name: str
    part_number: str | None
    lines: int


class ModelList(ResponseBody):
    items: list[ModelOut]
    total: int


class RegistrationOut(ResponseBody):
    aor: str
    contact: str
    expires_at: datetime
    source: str
    transport: str
    user_agent: str
    display_name: str


class RegistrationList(ResponseBody):
    items: list[RegistrationOut]
    total: int


class Health(ResponseBody):
    status: str
    database: str
