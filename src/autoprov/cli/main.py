"""The root of the ``autoprov`` command. Each noun's verbs live in a module of their own."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="autoprov",
    help="Zero-touch provisioning for Polycom SIP phones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

from autoprov.cli.serve import serve  # noqa: E402

app.command("serve")(serve)

from autoprov.cli import api, credentials, phones, transfer, users  # noqa: E402

app.add_typer(users.app, name="users")
app.add_typer(phones.app, name="phones")
app.command("import")(transfer.import_csv)
app.command("export")(transfer.export_csv)
app.command("token")(credentials.token)
app.command("rotate-autoprovision-password")(credentials.rotate_password)
app.command("api")(api.api)

from autoprov.cli.provisioner import provisioner  # noqa: E402

app.command("provisioner")(provisioner)

from autoprov.cli.registrar import registrar  # noqa: E402

app.command("registrar")(registrar)

from autoprov.cli.simulate import simulate  # noqa: E402

app.command("simulate")(simulate)
