"""The root of the ``autoprov`` command. Each noun's verbs live in a module of their own,
imported only when one of its commands runs: the server stack takes over a second of CPU to
import, which ``autoprov simulate`` (started beside a storm it measures) need not pay."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer's own copy of Click, whose classes its groups and commands are (no public name).
    from typer._click.core import Command, Context

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("autoprov.cli.serve", "serve"),
    "users": ("autoprov.cli.users", "app"),
    "phones": ("autoprov.cli.phones", "app"),
    "import": ("autoprov.cli.transfer", "import_csv"),
    "export": ("autoprov.cli.transfer", "export_csv"),
    "token": ("autoprov.cli.credentials", "token"),
    "rotate-autoprovision-password": ("autoprov.cli.credentials", "rotate_password"),
    "api": ("autoprov.cli.api", "api"),
    "provisioner": ("autoprov.cli.provisioner", "provisioner"),
    "registrar": ("autoprov.cli.registrar", "registrar"),
    "simulate": ("autoprov.cli.simulate", "simulate"),
}
"""Command name: the module and the attribute (a function, or a Typer app of verbs)."""


class _LazyGroup(TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute = found
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            command: Command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(
    name="autoprov",
    help="Zero-touch provisioning for Polycom SIP phones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=_LazyGroup,
)


@app.callback()
def _root() -> None:
    """Makes ``app`` a group of the commands above, none of which it registers itself."""
