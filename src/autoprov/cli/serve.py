"""``autoprov serve``: every service on one host, each in a process of its own.

The registrar, the provisioning server and the REST API + admin UI run as spawned child
processes, so a two-core host uses both cores. The parent bootstraps the database once, prints
where phones and administrators should point, and supervises: a child that dies is restarted
with a growing delay (reset once it has run for a while), and SIGINT or SIGTERM stops every
child with SIGTERM, waits for it, and exits 0.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import make_url

from autoprov.config import Settings
from autoprov.inventory.bootstrap import CONFIG_FILE_NAME, Secrets, bootstrap
from autoprov.logs import setup_logging
from autoprov.polycom.bootserver import boot_server_url
from autoprov.provisioning.documents import provisioning_base_url
from autoprov.runtime import run, until_signalled
from autoprov.storage.db import engine_for

log = logging.getLogger("autoprov.serve")

SERVICES = {
    "registrar": "autoprov.registrar.service:run",
    "provisioner": "autoprov.provisioning.service:run",
    "api": "autoprov.api.service:run",
}
RESTART_DELAY = 1.0
RESTART_DELAY_MAX = 30.0
STABLE_AFTER = 60.0
"""A child that ran this long before dying starts over from the shortest restart delay."""
STOP_TIMEOUT = 10.0

ServiceMain = Callable[[Settings], Coroutine[Any, Any, None]]


def run_child(target: str, settings: Settings) -> None:
    """A child's entry point: run one service until SIGTERM (or until the parent is gone)."""
    # Ctrl-C reaches the whole process group; the parent decides, and stops us with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging(settings.log_level)
    module, _, attribute = target.partition(":")
    service: ServiceMain = getattr(importlib.import_module(module), attribute)
    run(until_signalled(service(settings), signals=(signal.SIGTERM,)))


@dataclass
class Child:
    name: str
    target: str
    process: BaseProcess | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None


class Supervisor:
    def __init__(self, settings: Settings, services: dict[str, str] | None = None) -> None:
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._children = [Child(name, target) for name, target in (services or SERVICES).items()]

    def run(self, stop: threading.Event) -> None:
        """Start every child and keep them running until ``stop`` is set, then stop them."""
        for child in self._children:
            self._start(child)
        while not stop.wait(0.2):
            now = time.monotonic()
            for child in self._children:
                self._watch(child, now)
        self._stop_all()

    def _start(self, child: Child) -> None:
        process = self._context.Process(
            target=run_child, args=(child.target, self._settings), name=f"autoprov-{child.name}"
        )
        process.start()
        child.process, child.started_at, child.restart_at = process, time.monotonic(), None
        log.info("service-started service=%s pid=%s", child.name, process.pid)

    def _watch(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._start(child)
            return
        if child.process is None or child.process.is_alive():
            return
        child.failures = 1 if now - child.started_at >= STABLE_AFTER else child.failures + 1
        delay = min(RESTART_DELAY_MAX, RESTART_DELAY * 2 ** (child.failures - 1))
        child.restart_at = now + delay
        log.error(
            "service-exited service=%s pid=%s code=%s restart_in=%.0fs",
            child.name,
            child.process.pid,
            child.process.exitcode,
            delay,
        )

    def _stop_all(self) -> None:
        running = [c.process for c in self._children if c.process and c.process.is_alive()]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("service-killed pid=%s after=%ss", process.pid, STOP_TIMEOUT)
                process.kill()
                process.join()
        log.info("services-stopped")


def _line(console: Console, label: str, value: str, note: str = "") -> None:
    text = Text.assemble((f"  {label:<18}", "bold"), (value, "cyan"))
    if note:
        text.append(f"  {note}", style="dim")
    console.print(text, soft_wrap=True)


def print_welcome(console: Console, settings: Settings, found: Secrets) -> None:
    """Where phones and administrators should point; the values a new user needs first."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    boot_url = boot_server_url(
        provisioning_base_url(settings), found.provision_user, found.provision_password
    )
    console.print(Text("autoprov is starting", style="bold green"), soft_wrap=True)
    _line(console, "DHCP option 66", boot_url)
    _line(console, "DHCP option 160", boot_url, "(the custom boot-server option, if you use it)")
    if settings.ftp_port:
        ftp_password = settings.ftp_password.get_secret_value()
        ftp_url = f"ftp://{settings.ftp_user}:{ftp_password}@{host}:{settings.ftp_port}/"
        _line(console, "or over FTP", ftp_url, "(the phones' factory login)")
    if settings.tftp_port:
        _line(console, "or over TFTP", f"tftp://{host}:{settings.tftp_port}/")
    sip = f"{host}:{settings.sip_port} (UDP and TCP)"
    if settings.tls_cert and settings.tls_key:
        sip += f", TLS on {settings.sip_tls_port}"
    _line(console, "SIP registrar", sip, f"domain {settings.domain}")
    _line(console, "Admin UI and API", f"http://{host}:{settings.api_port}/")
    _line(console, "Admin user", "admin")
    if found.admin_password_generated:
        origin = (
            "(generated at first start and kept in the database; "
            "AUTOPROV_ADMIN_PASSWORD sets your own)"
        )
    else:
        origin = "(from AUTOPROV_ADMIN_PASSWORD)"
    _line(console, "Admin password", found.admin_password, origin)
    _line(console, "Data directory", str(settings.data_dir.resolve()))
    _line(console, "Database", make_url(settings.db_url).render_as_string(hide_password=True))
    _line(
        console,
        "Service settings",
        str((settings.data_dir / CONFIG_FILE_NAME).resolve()),
        "(mode 0600: what a registrar on another host needs)",
    )
    if settings.external_host is None:
        console.print(
            Text(
                f"  {host} was guessed: set AUTOPROV_EXTERNAL_HOST if phones reach this host "
                "by another address.",
                style="yellow",
            ),
            soft_wrap=True,
        )


def serve() -> None:
    """Run the SIP registrar, the provisioning server (HTTP, FTP, TFTP) and the REST API with
    the admin UI, each in its own process, on the database under the data directory."""
    try:
        settings = Settings()
    except ValidationError as exc:
        typer.echo(f"invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None
    setup_logging(settings.log_level)
    engine = engine_for(settings)
    try:
        found = bootstrap(engine, settings)
    finally:
        engine.dispose()
    print_welcome(Console(), settings, found)

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping signal=%s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    Supervisor(settings).run(stop)
