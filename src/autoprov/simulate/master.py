"""The master configuration file: ``<APPLICATION>`` and its per-model overrides (POLYCOM.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

from autoprov.simulate.xmlfile import ConfigError, attributes

_KNOWN = ("APP_FILE_PATH", "CONFIG_FILES")


@dataclass(frozen=True, slots=True)
class MasterFile:
    app_file_path: str
    config_files: tuple[str, ...]
    """Left to right; the first occurrence of a parameter wins."""
    log_dir: str
    overrides_dir: str
    contacts_dir: str
    license_dir: str


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(entry.strip() for entry in value.split(",") if entry.strip())


def parse_master_file(data: bytes, model_key: str) -> MasterFile:
    """The master file as a phone of ``model_key`` (``VVX410``) reads it.

    ``APP_FILE_PATH_<KEY>`` and ``CONFIG_FILES_<KEY>`` replace the plain attributes for that
    model wherever they stand: phones key on attribute names, not on the element
    (``<APPLICATION_VVX410>`` by convention).
    """
    found: dict[str, str] = {}
    for name, value in attributes(data, "the master file"):
        found.setdefault(name, value)
    if not any(name in found for name in _KNOWN):
        raise ConfigError("the master file has neither APP_FILE_PATH nor CONFIG_FILES")

    def pick(name: str) -> str:
        return found.get(f"{name}_{model_key}", found.get(name, "")).strip()

    return MasterFile(
        app_file_path=pick("APP_FILE_PATH"),
        config_files=_split_list(pick("CONFIG_FILES")),
        log_dir=found.get("LOG_FILE_DIRECTORY", "").strip(),
        overrides_dir=found.get("OVERRIDES_DIRECTORY", "").strip(),
        contacts_dir=found.get("CONTACTS_DIRECTORY", "").strip(),
        license_dir=found.get("LICENSE_DIRECTORY", "").strip(),
    )
