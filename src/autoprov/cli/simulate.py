"""``autoprov simulate``: boot emulated Polycom phones against a server, show progress, and
print a summary. The exit status is 1 when any phone failed."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.runtime import run
from autoprov.simulate.fleet import DEFAULT_MODELS, UnknownModel
from autoprov.simulate.report import summarize, summary_tables
from autoprov.simulate.results import PhoneResult
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from autoprov.simulate.xmlfile import ConfigError

PROGRESS_INTERVAL = 0.25
DEFAULT_PROVISION_PORT: int = Settings.model_fields["provision_port"].default


def _raise_open_file_limit() -> None:
    """Every phone holds a UDP socket: ask for as many descriptors as the system allows."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _show_progress(sim: Simulator, progress: Progress, total: int) -> None:
    booting = progress.add_task("booted", total=total)
    provisioned = progress.add_task(f"registered as {AUTOPROVISION_USER}", total=total)
    as_user = progress.add_task("registered as a user", total=total)
    tally = sim.tally
    while True:
        progress.update(booting, completed=tally.booted_or_failed)
        progress.update(provisioned, completed=tally.auto_provisioned)
        progress.update(as_user, completed=tally.registered_as_user)
        await asyncio.sleep(PROGRESS_INTERVAL)


async def _simulate(config: SimulatorConfig, console: Console) -> list[PhoneResult]:
    interrupt = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupt.set)
    sim = Simulator(config)
    progress = Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        watcher = asyncio.create_task(
            _show_progress(sim, progress, len(config.macs) or config.phones)
        )
        try:
            return await sim.run(interrupt)
        finally:
            watcher.cancel()


def _write_json(path: Path, results: list[PhoneResult]) -> None:
    """Per phone and boot: what a benchmark needs to line phones up with the inventory."""
    rows = [
        {
            "mac": r.mac,
            "model": r.model,
            "failure": r.failure,
            "screen_label": r.screen_label,
            "boots": [
                {
                    "number": b.number,
                    "own_config": b.own_config,
                    "registered_as": list(b.registered_as),
                    "registered_at": b.registered_at,
                    "steps": {step.value: seconds for step, seconds in b.steps.items()},
                }
                for b in r.boots
            ],
        }
        for r in results
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")


def simulate(
    phones: Annotated[int, typer.Option(help="How many phones to boot.", min=1)] = 10,
    server: Annotated[str, typer.Option(help="The autoprov host.")] = "127.0.0.1",
    provision_url: Annotated[
        str | None,
        typer.Option(
            help="Boot server URL as DHCP option 66 gives it, e.g. "
            "http://user:pass@host:8080/ (default: http://SERVER:8080/)."
        ),
    ] = None,
    sip_port: Annotated[
        list[int] | None,
        typer.Option(
            help="Register to this port instead of the configured one; repeat to spread "
            "the phones over several registrars."
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Phones booting at once.", min=1)] = 200,
    seed: Annotated[int, typer.Option(help="Same seed, same MACs and models.")] = 1,
    models: Annotated[
        str, typer.Option(help="Comma-separated model mix (User-Agent tokens).")
    ] = ",".join(DEFAULT_MODELS),
    hold: Annotated[
        float,
        typer.Option(
            help="Seconds to keep the phones running after they booted (refreshing their "
            "registrations, answering check-sync). Ctrl-C ends it early.",
            min=0,
        ),
    ] = 0.0,
    source_network: Annotated[
        str | None,
        typer.Option(
            help="Give each phone its own address from this network, e.g. 127.100.0.0/16 "
            "(default: that one against a loopback server, else this host's address)."
        ),
    ] = None,
    reboot_delay: Annotated[
        float, typer.Option(help="Seconds a phone takes to reboot after check-sync.", min=0)
    ] = 0.0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write per-phone results to this file.")
    ] = None,
) -> None:
    """Boot emulated Polycom phones against an autoprov server."""
    console = Console()
    try:
        config = SimulatorConfig(
            phones=phones,
            provision_url=provision_url or f"http://{server}:{DEFAULT_PROVISION_PORT}/",
            models=tuple(m.strip() for m in models.split(",") if m.strip()),
            concurrency=concurrency,
            seed=seed,
            hold=hold,
            sip_ports=tuple(sip_port or ()),
            source_network=source_network,
            reboot_delay=reboot_delay,
        )
    except (ConfigError, UnknownModel, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    _raise_open_file_limit()
    results = run(_simulate(config, console))
    summary = summarize(results)
    for table in summary_tables(summary):
        console.print(table)
    for mac, reason in summary.failures[:10]:
        console.print(f"[red]failed[/red] {mac}: {reason}")
    if json_out is not None:
        _write_json(json_out, results)
    if summary.failed or summary.booted < summary.phones:
        raise typer.Exit(1)
