"""``autoprov token`` and ``autoprov rotate-autoprovision-password``."""

from __future__ import annotations

from typing import Annotated

import typer

from autoprov.cli.common import console, open_inventory
from autoprov.inventory.bootstrap import (
    CONFIG_FILE_NAME,
    load_secrets,
    rotate_autoprovision_password,
    write_config_file,
)
from autoprov.inventory.users import post_credentials_changed


def token(
    service: Annotated[
        bool, typer.Option("--service", help="The service token instead (phones only)")
    ] = False,
) -> None:
    """Print the API's admin bearer token (``Authorization: Bearer <token>``)."""
    with open_inventory() as inventory:
        found = inventory.secrets
    print(found.service_token if service else found.admin_token)


def rotate_password() -> None:
    """Give the auto-provisioning identity a new SIP password.

    Registrars reload it at once; unassigned phones learn it from their registration file at
    their next boot, and their re-registrations fail until then.
    """
    with open_inventory() as inventory:
        with inventory.transaction() as session:
            rotate_autoprovision_password(session)
            post_credentials_changed(session)
            found = load_secrets(session, inventory.settings)
        path = inventory.settings.data_dir / CONFIG_FILE_NAME
        write_config_file(path, inventory.settings, found)
    console.print(f"auto-provisioning password rotated; {path} rewritten")
