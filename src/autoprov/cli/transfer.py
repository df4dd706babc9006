"""``autoprov import FILE [--dry-run]`` and ``autoprov export [FILE]`` (CSV)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from autoprov.cli.common import console, errors, open_inventory, request_resyncs
from autoprov.inventory.transfer import (
    COLUMNS,
    CsvFormatError,
    CsvRow,
    ImportResult,
    export_rows,
    import_rows,
    read_rows,
    write_csv,
)


def _summary(result: ImportResult, dry_run: bool) -> str:
    verb = "would" if dry_run else "did"
    return (
        f"{result.rows} row(s): {verb} create {result.users_created} user(s), update "
        f"{result.users_updated}, create {result.phones_created} phone(s), assign "
        f"{result.lines_assigned} line(s)"
    )


def import_csv(
    file: Annotated[Path, typer.Argument(help=f"CSV with the header {','.join(COLUMNS)}")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report; change nothing")
    ] = False,
) -> None:
    """Import users (optionally each on a phone) from CSV, all rows or none."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            rows, bad_rows = read_rows(stream)
    except (OSError, UnicodeDecodeError, CsvFormatError) as exc:
        errors.print(f"[red]error:[/red] {file}: {exc}", highlight=False)
        raise typer.Exit(1) from None

    with open_inventory() as inventory:
        with inventory.session() as session, Progress(console=errors) as progress:
            task = progress.add_task("importing", total=len(rows))

            def advance(_row: CsvRow) -> None:
                progress.advance(task)

            result = import_rows(session, rows, malformed=bad_rows, on_row=advance)
            if result.errors or dry_run:
                session.rollback()
            else:
                session.commit()

        if result.errors:
            for error in result.errors:
                errors.print(f"[red]{error}[/red]", highlight=False)
            errors.print(f"{len(result.errors)} bad row(s): nothing was imported", highlight=False)
            raise typer.Exit(1)
        console.print(_summary(result, dry_run))
        if dry_run:
            return
        for username, password in sorted(result.generated_passwords.items()):
            console.print(f"generated password for {username}: {password}", highlight=False)
        request_resyncs(inventory, result.resync)


def export_csv(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write (mode 0600); standard output if absent")
    ] = None,
) -> None:
    """Export users with their phones as CSV (passwords included: keep the file safe)."""
    with open_inventory() as inventory, inventory.session() as session:
        if file is None:
            write_csv(sys.stdout, export_rows(session))
            return
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            count = write_csv(stream, export_rows(session))
    console.print(f"{count} row(s) written to {file}")
