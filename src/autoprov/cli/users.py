"""``autoprov users add|list|delete``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from autoprov.cli.common import console, open_inventory, request_resyncs
from autoprov.inventory.users import create_user, delete_user, generate_password, list_users

app = typer.Typer(help="SIP users (the username is the extension).", no_args_is_help=True)

LIST_LIMIT = 1000


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The extension, e.g. 1001")],
    password: Annotated[
        str | None, typer.Option(help="SIP password; generated (and shown once) if left out")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown on the phone")] = "",
) -> None:
    """Add a user."""
    chosen = password or generate_password()
    with open_inventory() as inventory, inventory.transaction() as session:
        create_user(session, username, chosen, display_name)
    console.print(f"user {username} added")
    if password is None:
        console.print(f"password: {chosen}", highlight=False)
        console.print("[dim](shown once; `autoprov export` writes it to a file)[/dim]")


@app.command("list")
def list_(
    search: Annotated[str | None, typer.Option(help="Part of a username or display name")] = None,
) -> None:
    """List users and the phones they are on."""
    with open_inventory() as inventory, inventory.session() as session:
        page = list_users(session, search=search, limit=LIST_LIMIT)
    table = Table("Username", "Display name", "Phones (line)", title=f"{page.total} user(s)")
    for user in page.items:
        phones = ", ".join(f"{phone.mac} ({phone.position})" for phone in user.phones)
        table.add_row(user.username, user.display_name, phones or "-")
    console.print(table)
    if page.total > len(page.items):
        console.print(f"[dim]first {len(page.items)} shown; narrow with --search[/dim]")


@app.command("delete")
def delete(username: Annotated[str, typer.Argument(help="The user to delete")]) -> None:
    """Delete a user. The phones it was on lose that line and are re-synced."""
    with open_inventory() as inventory:
        with inventory.transaction() as session:
            macs = delete_user(session, username)
        console.print(f"user {username} deleted")
        if macs:
            console.print(f"unassigned from: {', '.join(macs)}")
            request_resyncs(inventory, macs)
