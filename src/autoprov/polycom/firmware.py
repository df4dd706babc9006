"""Firmware image names (POLYCOM.md sections 1.4 and 2).

``sip.ld`` is the combined image. ``<part>.sip.ld`` is the split image of one part number.
A phone whose master file says ``APP_FILE_PATH="sip.ld"`` asks for ``<part>.sip.ld``, which
suggests it prepends ``<part>.`` to the name it is given. A capture shows
``3111-44500-001.3111-44500-001.sip.ld``. So a request may carry one or more part-number
prefixes in front of the image that is actually present.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from autoprov.polycom.models import all_models

COMBINED_IMAGE = "sip.ld"
_PART_PREFIX = re.compile(r"\d{4}-\d{5}-\d{3}\.(?P<rest>.+)")


@dataclass(frozen=True, slots=True)
class ModelImage:
    """An ``<APPLICATION_<key>>`` child of the master file: the image for one model."""

    key: str
    """The master-file model key, ``VVX410``."""
    app_file_path: str


def split_image_name(part_number: str) -> str:
    return f"{part_number}.{COMBINED_IMAGE}"


def firmware_paths(images: Collection[str]) -> tuple[str, tuple[ModelImage, ...]]:
    """The master file's APP_FILE_PATH and per-model images, given the image names present.

    APP_FILE_PATH is ``sip.ld`` when the combined image is there, else empty (the phone keeps
    the firmware it has). Each model whose split image is there gets its own entry.
    """
    app_file_path = COMBINED_IMAGE if COMBINED_IMAGE in images else ""
    per_model = tuple(
        ModelImage(model.master_key, split_image_name(model.part_number))
        for model in sorted(all_models().values(), key=lambda m: m.master_key)
        if model.part_number is not None and split_image_name(model.part_number) in images
    )
    return app_file_path, per_model


def image_candidates(name: str) -> Iterator[str]:
    """The names to look for, in order, when a phone asks for ``name``.

    ``3111-44500-001.3111-44500-001.sip.ld`` -> itself, ``3111-44500-001.sip.ld``, ``sip.ld``.
    Names without a part-number prefix yield only themselves.
    """
    yield name
    while (match := _PART_PREFIX.fullmatch(name)) is not None and match["rest"].endswith(".ld"):
        name = match["rest"]
        yield name
