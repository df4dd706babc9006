"""The marker for an update argument left out, where ``None`` already means "clear it"."""

from __future__ import annotations

from enum import Enum


class Keep(Enum):
    KEEP = "keep"


KEEP = Keep.KEEP
