"""The root command: every command is listed and loads; running one imports only its module."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from autoprov.cli.main import COMMANDS, app


def test_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f" {name} " in result.output
    assert "Boot emulated Polycom phones" in result.output


def test_every_command_loads() -> None:
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_simulate_leaves_the_server_stack_unimported() -> None:
    code = (
        "import sys\n"
        "from autoprov.cli.main import app\n"
        "try:\n"
        "    app(['simulate', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print([m for m in ('sqlalchemy', 'fastapi', 'uvicorn', 'httpx') if m in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage:" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "[]"
