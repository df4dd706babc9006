"""Jinja2 rendering of the files we generate for phones.

Templates ship in ``polycom/templates/``. An administrator overrides one by dropping a file of
the same name in an override directory. A per-model file (``profile-VVX_410.cfg.j2``) or a
per-phone file (``profile-0004f2aabbcc.cfg.j2``) wins over the general one.

Every ``{{ expression }}`` is escaped for an XML attribute exactly once, by the environment's
``finalize`` hook. This is autoescaping without Jinja's Markup bookkeeping, which costs more
than the rest of a render. Shared pieces are therefore ``{% include %}``d, not macros: a
macro's output is an expression's value, so it would be escaped a second time. When overrides
are in use, the output is checked for well-formedness, since a malformed file would leave a
phone unprovisioned. The package's own templates are tested to render XML.

The override directory is re-read every few seconds, not at every render: phones ask for
these files by the thousand.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
)

from autoprov.polycom.xmlcheck import is_well_formed

TEMPLATE_SUFFIX = ".cfg.j2"
RELOAD_INTERVAL = 5.0
_PACKAGE_TEMPLATES = frozenset(
    entry.name for entry in files("autoprov.polycom").joinpath("templates").iterdir()
)
_PLAIN = re.compile(r"[^&<>\"'\x00-\x1f\x7f-\U0010ffff]*")
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Tab, CR and LF become character references: a parser would turn them into spaces.
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&#34;",
        "'": "&#39;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


class MalformedOutput(ValueError):
    """A template (usually an administrator's override) rendered something that is not XML."""


def _xml_value(value: Any) -> str:
    """Escape a value for an XML attribute; characters XML cannot carry are dropped."""
    text = value if isinstance(value, str) else str(value)
    if _PLAIN.fullmatch(text):  # most values: nothing to do, and this test is cheap
        return text
    if _NOT_XML_CHAR.search(text):
        text = _NOT_XML_CHAR.sub("", text)
    return text.translate(_ESCAPES)


def template_names(document: str, *, mac: str | None = None, model: str | None = None) -> list[str]:
    """Most specific first: ``<document>-<mac>``, ``<document>-<model>``, ``<document>``."""
    names = [f"{document}-{key}{TEMPLATE_SUFFIX}" for key in (mac, model) if key]
    names.append(f"{document}{TEMPLATE_SUFFIX}")
    return names


class TemplateEnvironment(Environment):
    """The package's templates behind an optional override directory. The directory is
    listed every few seconds; when its files change, compiled templates are dropped."""

    def __init__(self, override_dir: Path | None, clock: Callable[[], float]) -> None:
        loaders: list[BaseLoader] = []
        if override_dir is not None:
            loaders.append(FileSystemLoader(override_dir))
        loaders.append(PackageLoader("autoprov.polycom", "templates"))
        super().__init__(
            loader=ChoiceLoader(loaders),
            autoescape=False,  # finalize escapes (see above)
            finalize=_xml_value,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self.override_dir = override_dir
        self._clock = clock
        self._checked_until = float("-inf")
        self.overrides: tuple[tuple[str, int, int], ...] = ()
        """(name, mtime, size) of each override file, as last listed."""
        self._generation = 0
        self._available = _PACKAGE_TEMPLATES

    def generation(self) -> int:
        """A number that changes whenever the templates do: what a cache of rendered files
        keys on, so that an edited override shows as soon as the directory is re-read."""
        self._reload_if_changed()
        return self._generation

    def pick(self, candidates: list[str]) -> Template:
        """The first candidate that exists (the last one always does)."""
        self._reload_if_changed()
        name = next((n for n in candidates if n in self._available), candidates[-1])
        return self.get_template(name)

    def _reload_if_changed(self) -> None:
        if self._clock() < self._checked_until:
            return
        self._checked_until = self._clock() + RELOAD_INTERVAL
        overrides = self._list_overrides()
        if overrides != self.overrides:
            self.overrides = overrides
            self._generation += 1
            self._available = _PACKAGE_TEMPLATES | {name for name, _, _ in overrides}
            if self.cache is not None:
                self.cache.clear()

    def _list_overrides(self) -> tuple[tuple[str, int, int], ...]:
        if self.override_dir is None:
            return ()
        try:
            with os.scandir(self.override_dir) as entries:
                found = [
                    (entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                    for entry in entries
                    if entry.name.endswith(".j2") and entry.is_file()
                ]
        except FileNotFoundError:
            return ()
        return tuple(sorted(found))


def make_environment(
    override_dir: Path | None = None, clock: Callable[[], float] = time.monotonic
) -> TemplateEnvironment:
    return TemplateEnvironment(override_dir, clock)


def render(
    env: TemplateEnvironment,
    document: str,
    context: Mapping[str, Any],
    *,
    mac: str | None = None,
    model: str | None = None,
) -> bytes:
    template = env.pick(template_names(document, mac=mac, model=model))
    data = template.render(context).encode("utf-8")
    if env.overrides and not is_well_formed(data):
        raise MalformedOutput(f"template {template.name} did not render well-formed XML")
    return data
