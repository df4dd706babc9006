"""``autoprov api``: the REST API and admin UI alone (``autoprov serve`` runs everything)."""

from __future__ import annotations

from autoprov.api import service
from autoprov.cli.common import load_settings
from autoprov.logs import setup_logging
from autoprov.runtime import run, until_signalled


def api() -> None:
    """Run the REST API (and the admin UI) on AUTOPROV_API_PORT. SIGINT or SIGTERM stop it
    gracefully: requests in flight are answered."""
    settings = load_settings()
    setup_logging(settings.log_level)
    run(until_signalled(service.run(settings)))
