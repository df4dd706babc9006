"""Polycom User-Agent strings, SIP and provisioning forms (POLYCOM.md sections 1.3 and 4).

Seen forms::

    PolycomVVX-VVX_350-UA/5.9.5.0614
    PolycomVVX-VVX_310-UA/4.1.4.7430_0004f2abcdef          (4.1.4 appends _<mac>)
    Polycom/5.5.2.8571 PolycomVVX-VVX_310-UA/5.5.2.8571    (leading product token)
    FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application
    FileTransport PolycomSoundStationIP-SSIP_5000-UA/4.0.3.7562 (SN:001565000000) Type/Updater
    FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_PRODUCT = re.compile(
    r"(?:^|\s)Poly(?:com)?(?P<family>\w+?)-(?P<token>[A-Za-z]+_\w+?)-UA/"
    r"(?P<version>\d+(?:\.\d+)*)(?:_(?P<mac>[0-9a-fA-F]{12}))?(?=\s|$)"
)
_SERIAL = re.compile(r"\(SN:(?P<sn>[0-9a-fA-F]{12})\)")
_STAGE = re.compile(r"\bType/(?P<stage>\w+)")


class Stage(Enum):
    UPDATER = "Updater"
    APPLICATION = "Application"


@dataclass(frozen=True, slots=True)
class PolycomAgent:
    family: str
    model: str
    """The UA token, e.g. ``VVX_350``: the model id used everywhere else."""
    version: str
    mac: str | None = None
    """From the ``_<mac>`` suffix or the ``(SN:<mac>)`` tag, when the phone sends one."""
    stage: Stage | None = None
    """Provisioning requests only: the updater reports its own version, not the app's."""

    @property
    def app_version(self) -> str | None:
        """The application firmware version, when this string is known to carry it."""
        return self.version if self.stage is not Stage.UPDATER else None


def parse_user_agent(value: str) -> PolycomAgent | None:
    """The Polycom facts in a User-Agent, or None for anything that is not a Polycom."""
    match = _PRODUCT.search(value)
    if match is None:
        return None
    mac = match["mac"]
    serial = _SERIAL.search(value)
    if serial is not None:
        mac = serial["sn"]
    stage_match = _STAGE.search(value)
    stage = None
    if stage_match is not None:
        try:
            stage = Stage(stage_match["stage"])
        except ValueError:
            stage = None
    return PolycomAgent(
        family=match["family"],
        model=match["token"],
        version=match["version"],
        mac=mac.lower() if mac else None,
        stage=stage,
    )
