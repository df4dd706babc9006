"""The model table, kept as data (``models.csv``): a new model is a new row, not new code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class PhoneModel:
    ua_token: str
    """The token in the User-Agent, e.g. ``VVX_410``; also the model id in the API."""
    family: str
    name: str
    part_number: str | None
    lines: int

    @property
    def master_key(self) -> str:
        """The key of the master file's per-model attributes (``APP_FILE_PATH_VVX410``)."""
        return self.ua_token.replace("_", "")


@cache
def all_models() -> dict[str, PhoneModel]:
    text = files("autoprov.polycom").joinpath("models.csv").read_text(encoding="utf-8")
    table: dict[str, PhoneModel] = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["ua_token"]] = PhoneModel(
            ua_token=row["ua_token"],
            family=row["family"],
            name=row["name"],
            part_number=row["part_number"] or None,
            lines=int(row["lines"]),
        )
    return table


def find_model(ua_token: str) -> PhoneModel | None:
    return all_models().get(ua_token)
