"""Registration, profile and site files: the ``reg.N.*`` parameters and site-wide settings
(POLYCOM.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autoprov.polycom.rendering import TemplateEnvironment, render


@dataclass(frozen=True, slots=True)
class Registrar:
    """Where a line registers: ``reg.N.server.1.*``."""

    address: str
    port: int
    transport: str = "UDPOnly"
    expires: int = 3600


@dataclass(frozen=True, slots=True)
class LineConfig:
    position: int
    address: str
    """``reg.N.address``: a user part alone, or ``user@domain`` when the SIP domain is not the
    registrar's address (a user part alone takes its host from ``reg.N.server.1.address``)."""
    user_id: str
    password: str
    label: str
    display_name: str
    mwi_subscribe: str
    """``msg.mwi.N.subscribe``: the mailbox to watch; empty turns message waiting off."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    time_server: str
    """``tcpIpApp.sntp.address``."""


def sip_address(user: str, domain: str, registrar_host: str) -> str:
    return user if domain == registrar_host else f"{user}@{domain}"


def autoprovision_line(
    *, user: str, password: str, unique_id: str, mac: str, domain: str, registrar_host: str
) -> LineConfig:
    """The one registration of an unassigned phone (DESIGN.md step 3). The display name travels
    in the From header of every REGISTER, which is how the registrar learns the ID and MAC."""
    return LineConfig(
        position=1,
        address=sip_address(user, domain, registrar_host),
        user_id=user,
        password=password,
        label=unique_id,
        display_name=f"{unique_id}-{mac}",
        mwi_subscribe="",
    )


def render_registration(
    env: TemplateEnvironment, line: LineConfig, registrar: Registrar, *, mac: str, model: str | None
) -> bytes:
    context = {"line": line, "registrar": registrar}
    return render(env, "registration", context, mac=mac, model=model)


def render_profile(
    env: TemplateEnvironment,
    lines: Sequence[LineConfig],
    registrar: Registrar,
    site: SiteConfig,
    *,
    mac: str,
    model: str | None,
) -> bytes:
    context = {"lines": lines, "registrar": registrar, "site": site}
    return render(env, "profile", context, mac=mac, model=model)


def render_site(env: TemplateEnvironment, site: SiteConfig) -> bytes:
    return render(env, "site", {"site": site})
