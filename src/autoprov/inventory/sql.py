"""Statement pieces shared by the inventory's read paths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def among(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``. On PostgreSQL the list travels as one
    array parameter, so the statement's text is the same for any number of values; an
    expanding ``IN`` (SQLite has no arrays) renders a parameter per value, on every run."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
