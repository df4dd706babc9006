"""What the admin verbs share: settings, an inventory session, error wording, and re-syncs.

The verbs work on the database directly, through the same inventory functions as the API. A
phone's re-sync is the one thing they cannot do themselves (the check-sync notifier lives in
the API process), so after committing they ask the running API for it, as an admin, with the
admin token from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets, bootstrap
from autoprov.inventory.errors import InventoryError
from autoprov.storage.db import engine_for, session_factory

console = Console()
errors = Console(stderr=True)

RESYNC_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Inventory:
    settings: Settings
    engine: Engine
    secrets: Secrets

    def session(self) -> Session:
        return session_factory(self.engine)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed at the end of the block; an inventory error raised in it
        commits nothing and ends the command with its message (exit status 1)."""
        with self.session() as session:
            try:
                yield session
            except InventoryError as exc:
                fail(exc)
            session.commit()


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        errors.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


@contextmanager
def open_inventory() -> Iterator[Inventory]:
    """The database, migrated, with its secrets (the same start-up every service makes)."""
    settings = load_settings()
    engine = engine_for(settings)
    try:
        yield Inventory(settings, engine, bootstrap(engine, settings))
    finally:
        engine.dispose()


def fail(exc: InventoryError) -> NoReturn:
    where = f"{exc.field}: " if exc.field else ""
    errors.print(f"[red]error:[/red] {where}{exc.message}", highlight=False)
    raise typer.Exit(1)


def request_resyncs(inventory: Inventory, macs: Iterable[str]) -> bool:
    """Ask the running API to re-sync each phone; False (with a warning) if any request
    failed. The change that called for it is committed either way. Many phones (an import)
    get a progress bar and a count instead of a line each; once the API cannot be reached,
    the phones left are counted, not tried one by one."""
    pending = list(dict.fromkeys(macs))
    if not pending:
        return True
    base = inventory.settings.api_base_url
    headers = {"Authorization": f"Bearer {inventory.secrets.admin_token}"}
    refused: list[tuple[str, str]] = []
    unreachable: str | None = None
    sent: list[str] = []
    with (
        httpx.Client(base_url=base, headers=headers, timeout=RESYNC_TIMEOUT) as client,
        Progress(console=errors, transient=True, disable=len(pending) == 1) as progress,
    ):
        task = progress.add_task("requesting re-syncs", total=len(pending))
        for mac in pending:
            try:
                response = client.post(f"/api/v1/phones/{mac}/restart")
            except httpx.HTTPError as exc:
                unreachable = f"{type(exc).__name__}: {exc}"
                break
            if response.status_code == 202:
                sent.append(mac)
            else:
                refused.append((mac, response.text[:200]))
            progress.advance(task)
    if sent:
        console.print(f"re-sync requested for {_phones(sent)}", highlight=False)
    for mac, problem in refused:
        errors.print(
            f"[yellow]warning:[/yellow] the API at {base} did not re-sync {mac} ({problem}). "
            f"The change is saved; the phone picks it up at its next reboot.",
            highlight=False,
        )
    if unreachable is not None:
        untried = pending[len(sent) + len(refused) :]
        errors.print(
            f"[yellow]warning:[/yellow] could not ask the API at {base} to re-sync "
            f"{_phones(untried)} "
            f"({unreachable}). The change is saved; phones pick it up at their next reboot, "
            f"or run `autoprov phones restart MAC` for each once the API is up.",
            highlight=False,
        )
    return len(sent) == len(pending)


def _phones(macs: list[str]) -> str:
    return macs[0] if len(macs) == 1 else f"{len(macs)} phones"
