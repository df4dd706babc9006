"""The master configuration file: ``<APPLICATION>`` and its per-model children (POLYCOM.md 2)."""

from __future__ import annotations

from dataclasses import dataclass

from autoprov.polycom.firmware import ModelImage
from autoprov.polycom.rendering import TemplateEnvironment, render

MAC_PLACEHOLDER = "[PHONE_MAC_ADDRESS]"
"""Expanded by the phone, inside URLs too, to its MAC: 12 lowercase hex digits."""


@dataclass(frozen=True, slots=True)
class MasterFile:
    app_file_path: str
    config_files: tuple[str, ...]
    """Read left to right; the first occurrence of a parameter wins."""
    log_dir: str
    overrides_dir: str
    contacts_dir: str
    model_images: tuple[ModelImage, ...] = ()


def render_master(
    env: TemplateEnvironment,
    master: MasterFile,
    *,
    mac: str | None = None,
    model: str | None = None,
) -> bytes:
    return render(env, "master", {"master": master}, mac=mac, model=model)
