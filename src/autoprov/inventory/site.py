"""Site settings: the environment gives the defaults, the admin UI may override them at run time.

Overrides live in the ``settings`` table; secrets generated on first start live there too.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.storage.models import Setting


@dataclass(frozen=True, slots=True)
class SiteSettings:
    sip_domain: str
    registrar_host: str
    registrar_port: int
    provision_user: str
    provision_password: str
    provision_networks: tuple[str, ...]
    time_server: str
    autoprovision_enabled: bool
    unassigned_cap: int


EDITABLE = frozenset(f.name for f in fields(SiteSettings))
_PREFIX = "site."


def _defaults(settings: Settings, generated_user: str, generated_password: str) -> SiteSettings:
    return SiteSettings(
        sip_domain=settings.domain,
        registrar_host=settings.host,
        registrar_port=settings.sip_port,
        provision_user=settings.provision_user or generated_user,
        provision_password=(
            settings.provision_password.get_secret_value()
            if settings.provision_password
            else generated_password
        ),
        provision_networks=tuple(settings.provision_networks),
        time_server=settings.time_server,
        autoprovision_enabled=settings.autoprovision_enabled,
        unassigned_cap=settings.unassigned_cap,
    )


def get_value(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else None


def set_value(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def generated_secret(session: Session, key: str, nbytes: int = 18) -> str:
    """A secret created once, on first use, and kept in the settings table."""
    value = get_value(session, key)
    if value is None:
        value = secrets.token_urlsafe(nbytes)
        set_value(session, key, value)
        session.flush()
    return value


def load_site_settings(session: Session, settings: Settings) -> SiteSettings:
    site = _defaults(
        settings,
        generated_user="provision",
        generated_password=generated_secret(session, "generated.provision_password"),
    )
    overrides: dict[str, Any] = {}
    for row in session.scalars(select(Setting).where(Setting.key.startswith(_PREFIX))):
        name = row.key.removeprefix(_PREFIX)
        if name in EDITABLE:
            value = json.loads(row.value)
            overrides[name] = tuple(value) if isinstance(value, list) else value
    return replace(site, **overrides)


def update_site_settings(session: Session, **changes: Any) -> None:
    """Store overrides; the caller validates values and commits."""
    for name, value in changes.items():
        if name not in EDITABLE:
            raise KeyError(name)
        stored = list(value) if isinstance(value, tuple) else value
        set_value(session, _PREFIX + name, json.dumps(stored))
