"""``autoprov phones list|assign|unassign|restart``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from autoprov.cli.common import console, open_inventory, request_resyncs
from autoprov.inventory.lines import assign_line, unassign_line
from autoprov.inventory.phones import PhoneQuery, get_phone, list_phones
from autoprov.inventory.records import PhoneRecord

app = typer.Typer(help="Phones in the inventory.", no_args_is_help=True)

LIST_LIMIT = 1000


def _lines(phone: PhoneRecord) -> str:
    return ", ".join(f"{line.position}: {line.username}" for line in phone.lines) or "-"


@app.command("list")
def list_(
    unassigned: Annotated[bool, typer.Option(help="Only phones without lines")] = False,
    search: Annotated[
        str | None, typer.Option(help="Unique ID, MAC (any spelling), model, description, user")
    ] = None,
    sort: Annotated[
        str, typer.Option(help="mac, model, unique_id, ip, last_seen or created; -field: reversed")
    ] = "mac",
) -> None:
    """List phones."""
    query = PhoneQuery(search=search, unassigned=unassigned, sort=sort, limit=LIST_LIMIT)
    with open_inventory() as inventory, inventory.transaction() as session:
        page = list_phones(session, query)
    table = Table(
        "MAC",
        "ID",
        "Model",
        "IP",
        "Lines",
        "Registered",
        "Last seen",
        title=f"{page.total} phone(s)",
    )
    for phone in page.items:
        seen = phone.last_seen.strftime("%Y-%m-%d %H:%M") if phone.last_seen else "-"
        table.add_row(
            phone.mac,
            phone.unique_id or "-",
            phone.model,
            phone.ip or "-",
            _lines(phone),
            "yes" if phone.registered else "no",
            seen,
        )
    console.print(table)
    if page.total > len(page.items):
        console.print(f"[dim]first {len(page.items)} shown; narrow with --search[/dim]")


@app.command("assign")
def assign(
    mac: Annotated[str, typer.Argument(help="The phone's MAC, any spelling")],
    username: Annotated[str, typer.Argument(help="The user to put on it")],
    position: Annotated[
        int | None, typer.Option(help="Line key; the first free one by default")
    ] = (None),
) -> None:
    """Put a user on a phone; the phone re-syncs into its new profile."""
    with open_inventory() as inventory:
        with inventory.transaction() as session:
            phone = assign_line(session, mac, username, position)
        console.print(f"{username} is on {phone.mac}: {_lines(phone)}")
        request_resyncs(inventory, [phone.mac])


@app.command("unassign")
def unassign(
    mac: Annotated[str, typer.Argument(help="The phone's MAC, any spelling")],
    username: Annotated[str, typer.Argument(help="The user to take off it")],
) -> None:
    """Take a user off a phone; the phone re-syncs."""
    with open_inventory() as inventory:
        with inventory.transaction() as session:
            phone = unassign_line(session, mac, username)
        console.print(f"{username} is off {phone.mac}: {_lines(phone)}")
        request_resyncs(inventory, [phone.mac])


@app.command("restart")
def restart(mac: Annotated[str, typer.Argument(help="The phone's MAC, any spelling")]) -> None:
    """Ask a phone to re-sync (reboot and fetch its configuration), through the running API."""
    with open_inventory() as inventory:
        with inventory.transaction() as session:
            phone = get_phone(session, mac)
        if not request_resyncs(inventory, [phone.mac]):
            raise typer.Exit(1)
