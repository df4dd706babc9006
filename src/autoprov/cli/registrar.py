"""``autoprov registrar``: the SIP registrar alone (``autoprov serve`` runs everything)."""

from __future__ import annotations

import typer

from autoprov.cli.common import errors, load_settings
from autoprov.logs import setup_logging
from autoprov.registrar import service
from autoprov.runtime import run, until_signalled


def _print_addresses(addresses: list[str]) -> None:
    typer.echo("SIP registrar listening on " + ", ".join(addresses), err=True)


def registrar() -> None:
    """Run the SIP registrar on AUTOPROV_SIP_PORT (UDP and TCP; TLS on AUTOPROV_SIP_TLS_PORT
    when AUTOPROV_TLS_CERT and AUTOPROV_TLS_KEY are set). Stops cleanly on SIGINT/SIGTERM."""
    settings = load_settings()
    setup_logging(settings.log_level)
    try:
        run(until_signalled(service.run(settings, on_ready=_print_addresses)))
    except OSError as exc:
        errors.print(f"[red]error:[/red] cannot start the registrar: {exc}", highlight=False)
        raise typer.Exit(1) from None
