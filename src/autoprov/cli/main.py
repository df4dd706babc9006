"""The root of the ``autoprov`` command. Each noun's verbs live in a module of their own."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="autoprov",
    help="Zero-touch provisioning for Polycom SIP phones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
