"""Typed inventory errors. Each carries the HTTP-ish status a front door should answer with and
the name of the input field at fault, so the API, the admin UI and the CLI word them alike."""

from __future__ import annotations

from typing import ClassVar


class InventoryError(Exception):
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(InventoryError):
    status = 404


class Conflict(InventoryError):
    status = 409


class InvalidValue(InventoryError):
    status = 422
