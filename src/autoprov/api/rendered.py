"""JSON answers serialized straight from the inventory's read shapes.

A route returning a response model has FastAPI validate it (from the record's attributes),
validate it again against ``response_model`` and then serialize it: for a page of 50 phones,
more CPU than the database work. :class:`Rendered` serializes the record itself, in one pass
of pydantic's serializer. The route keeps ``response_model`` for the OpenAPI document; the
tests hold each record's JSON to that model's.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import TypeAdapter
from starlette.responses import Response

T = TypeVar("T")


class Rendered(Generic[T]):
    def __init__(self, shape: type[T]) -> None:
        self._adapter = TypeAdapter(shape)

    def json(self, value: T) -> bytes:
        return self._adapter.dump_json(value)

    def response(self, value: T, status_code: int = 200) -> Response:
        return Response(self.json(value), status_code, media_type="application/json")
