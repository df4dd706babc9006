"""User-Agent strings as Polycom phones send them (POLYCOM.md sections 1.3 and 4).

Parsing lives in :mod:`autoprov.polycom.useragent`; these build the strings it parses.
"""

from __future__ import annotations

from autoprov.polycom.models import PhoneModel
from autoprov.polycom.useragent import Stage


def product_token(model: PhoneModel, version: str) -> str:
    """``PolycomVVX-VVX_410-UA/5.9.5.0614``; Edge phones say ``PolyEdge-…``."""
    vendor = "Poly" if model.family == "Edge" else "Polycom"
    return f"{vendor}{model.family}-{model.ua_token}-UA/{version}"


def sip_user_agent(model: PhoneModel, version: str) -> str:
    return product_token(model, version)


def provisioning_user_agent(model: PhoneModel, version: str, stage: Stage) -> str:
    """``FileTransport PolycomVVX-VVX_410-UA/5.9.5.0614 Type/Updater``."""
    return f"FileTransport {product_token(model, version)} Type/{stage.value}"
