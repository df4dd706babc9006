"""The settings page's form: posted text in, validated site-setting changes (or one clear
message per field) out."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autoprov.config import is_host

_URL_USERINFO = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=\-]+")
"""Characters a phone takes literally in ``http://user:pass@host/`` (no escapes, POLYCOM.md 1.2)."""
_NETWORK_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(slots=True)
class SettingsForm:
    changes: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


TEXT_FIELDS = (
    "sip_domain",
    "registrar_host",
    "registrar_port",
    "provision_user",
    "provision_password",
    "provision_networks",
    "time_server",
    "unassigned_cap",
)
CHECKBOX = "autoprovision_enabled"


def posted_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form as posted, to show it again beside its errors."""
    values: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
    values[CHECKBOX] = form.get(CHECKBOX) == "on"
    return values


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def parse_settings_form(form: Mapping[str, Any]) -> SettingsForm:
    result = SettingsForm()
    values = posted_values(form)

    def text(name: str) -> str:
        return str(values[name])

    for name, label in (
        ("sip_domain", "SIP domain"),
        ("registrar_host", "Registrar address"),
        ("time_server", "Time server"),
    ):
        value = text(name)
        if is_host(value):
            result.changes[name] = value
        else:
            result.errors[name] = f"{label} must be a host name or an IP address."

    port = _integer(text("registrar_port"))
    if port is not None and 1 <= port <= 65535:
        result.changes["registrar_port"] = port
    else:
        result.errors["registrar_port"] = "Registrar port must be a number from 1 to 65535."

    for name, label in (
        ("provision_user", "Provisioning user"),
        ("provision_password", "Provisioning password"),
    ):
        value = text(name)
        if _URL_USERINFO.fullmatch(value):
            result.changes[name] = value
        else:
            result.errors[name] = (
                f"{label} must not be empty and may hold only letters, digits and . _ ~ - "
                "! $ & ' ( ) * + , ; = (phones take it literally from the URL)."
            )

    networks, problem = _networks(text("provision_networks"))
    if problem is None:
        result.changes["provision_networks"] = networks
    else:
        result.errors["provision_networks"] = problem

    result.changes[CHECKBOX] = values[CHECKBOX]

    cap = _integer(text("unassigned_cap"))
    if cap is not None and cap >= 0:
        result.changes["unassigned_cap"] = cap
    else:
        result.errors["unassigned_cap"] = (
            "The unassigned-phone cap must be a whole number, 0 or more."
        )
    return result


def _integer(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _networks(value: str) -> tuple[tuple[str, ...], str | None]:
    found: list[str] = []
    for entry in filter(None, _NETWORK_SEPARATORS.split(value)):
        try:
            network = ipaddress.ip_network(entry)
        except ValueError:
            try:
                intended = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                return (), (
                    f"{entry!r} is not a network; write an address with a prefix, e.g. 10.1.0.0/16."
                )
            return (), f"{entry} has host bits set; did you mean {intended}?"
        if str(network) not in found:
            found.append(str(network))
    return tuple(found), None
