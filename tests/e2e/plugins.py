"""Register-plugin factories for end-to-end tests, loaded by the registrar under test through
``AUTOPROV_REGISTER_PLUGINS`` like any third-party plugin."""

from __future__ import annotations

from sqlalchemy import Engine

from autoprov.autoprovision.plugin import AutoprovisionPlugin
from autoprov.autoprovision.worker import WorkerOptions
from autoprov.config import Settings

SHORT_LEASE = 5.0
"""Seconds the outbox rows a worker claimed stay hidden from other workers. A registrar killed
in the middle of a delivery leaves its claimed rows hidden this long (the default is 120 s):
the crash test would spend most of its time waiting for that."""


def short_lease_autoprovision(settings: Settings, engine: Engine) -> AutoprovisionPlugin:
    return AutoprovisionPlugin(settings, engine, options=WorkerOptions(lease=SHORT_LEASE))
