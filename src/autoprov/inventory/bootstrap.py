"""First start: schema, the auto-provisioning identity, generated secrets, and the
``autoprovision-config`` file that services on other hosts read.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.site import generated_secret, load_site_settings
from autoprov.storage.migrate import upgrade
from autoprov.storage.models import User

CONFIG_FILE_NAME = "autoprovision-config"


@dataclass(frozen=True, slots=True)
class Secrets:
    autoprovision_password: str
    service_token: str
    """Lets the auto-provisioning worker create and update phones through the API."""
    admin_token: str
    """An API bearer token with the admin's rights (``autoprov token`` shows it)."""
    admin_password: str
    admin_password_generated: bool
    provision_user: str
    provision_password: str


def ensure_autoprovision_user(session: Session) -> User:
    user = session.scalar(select(User).where(User.username == AUTOPROVISION_USER))
    if user is None:
        user = User(
            username=AUTOPROVISION_USER,
            password=secrets.token_urlsafe(18),
            display_name="auto-provisioning",
            is_system=True,
        )
        session.add(user)
        session.flush()
    return user


def rotate_autoprovision_password(session: Session) -> str:
    user = ensure_autoprovision_user(session)
    user.password = secrets.token_urlsafe(18)
    return user.password


def load_secrets(session: Session, settings: Settings) -> Secrets:
    user = ensure_autoprovision_user(session)
    site = load_site_settings(session, settings)
    if settings.admin_password is not None:
        admin_password, generated = settings.admin_password.get_secret_value(), False
    else:
        admin_password, generated = generated_secret(session, "generated.admin_password"), True
    return Secrets(
        autoprovision_password=user.password,
        service_token=generated_secret(session, "generated.service_token", 24),
        admin_token=generated_secret(session, "generated.admin_token", 24),
        admin_password=admin_password,
        admin_password_generated=generated,
        provision_user=site.provision_user,
        provision_password=site.provision_password,
    )


def write_config_file(path: Path, settings: Settings, found: Secrets) -> None:
    """key=value, mode 0600: what a registrar or worker on another host needs to join."""
    lines = [
        f"sip_user={AUTOPROVISION_USER}",
        f"sip_password={found.autoprovision_password}",
        f"sip_domain={settings.domain}",
        f"api_url={settings.api_base_url}",
        f"service_token={found.service_token}",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def read_secrets(engine: Engine, settings: Settings) -> Secrets:
    """`load_secrets` in its own transaction, creating what is missing.

    Services on several hosts may start at once: the loser of an insert race reads again
    at once, the winner's row is there by then.
    """
    races_lost = 0
    while True:
        try:
            with Session(engine) as session, session.begin():
                return load_secrets(session, settings)
        except IntegrityError:
            races_lost += 1
            if races_lost == 3:
                raise


def bootstrap(engine: Engine, settings: Settings) -> Secrets:
    """Idempotent: safe to run at every start of every service, from several processes."""
    upgrade(engine)
    found = read_secrets(engine, settings)
    write_config_file(settings.data_dir / CONFIG_FILE_NAME, settings, found)
    return found
