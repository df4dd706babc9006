"""``autoprov provisioner``: the provisioning server alone (``autoprov serve`` runs everything)."""

from __future__ import annotations

import typer

from autoprov.cli.common import load_settings
from autoprov.logs import setup_logging
from autoprov.provisioning.processes import run_until_signalled
from autoprov.provisioning.service import run


def provisioner(
    http_workers: int | None = typer.Option(
        None,
        min=1,
        help="HTTP processes sharing the provisioning port (one core each); "
        "default: AUTOPROV_PROVISION_HTTP_WORKERS.",
    ),
) -> None:
    """Run the provisioning server: HTTP(S) on AUTOPROV_PROVISION_PORT, FTP on
    AUTOPROV_FTP_PORT and TFTP on AUTOPROV_TFTP_PORT (0 turns either off). SIGINT or
    SIGTERM stop it cleanly."""
    settings = load_settings()
    setup_logging(settings.log_level)
    run_until_signalled(run(settings, http_workers=http_workers))
