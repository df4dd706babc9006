"""The emulated phones' identities: MAC, model and the firmware in their flash."""

from __future__ import annotations

import random
from dataclasses import dataclass

from autoprov.polycom.models import PhoneModel, find_model
from autoprov.simulate.macs import generate_macs

DEFAULT_MODELS = (
    "VVX_410",
    "VVX_310",
    "SPIP_335",
    "SSIP_6000",
    "VVX_500",
    "VVX_450",
    "VVX_601",
    "SPIP_650",
)

FIRMWARE_BY_FAMILY = {
    "VVX": "5.9.5.0614",
    "SoundPointIP": "4.0.3.7562",
    "SoundStationIP": "5.0.3.1667",
    "RealPresenceTrio": "5.9.2.7727",
    "Edge": "8.0.0.15602",
}
"""Versions seen in real User-Agent strings (POLYCOM.md sections 1.3 and 4)."""


class UnknownModel(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PhoneSpec:
    mac: str
    model: PhoneModel
    firmware: str
    """The application version in flash; the updater reports the same version."""


def resolve_models(tokens: tuple[str, ...]) -> tuple[PhoneModel, ...]:
    """Model table rows for User-Agent tokens; an unknown token is an error naming it."""
    models = []
    for token in tokens:
        model = find_model(token)
        if model is None:
            raise UnknownModel(f"unknown model {token!r}")
        models.append(model)
    if not models:
        raise UnknownModel("no models given")
    return tuple(models)


def make_fleet(count: int, models: tuple[str, ...], seed: int) -> list[PhoneSpec]:
    """``count`` phones with distinct MACs and models drawn from ``models``, reproducibly."""
    table = resolve_models(models)
    rng = random.Random(seed)
    fleet = []
    for mac in generate_macs(count, seed):
        model = rng.choice(table)
        fleet.append(PhoneSpec(mac=mac, model=model, firmware=FIRMWARE_BY_FAMILY[model.family]))
    return fleet
