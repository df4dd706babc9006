"""Where the RFC 4475 / RFC 5118 torture messages live (``/work/shared/sip-torture``).

They are read in place, never copied: ``AUTOPROV_TORTURE_DIR`` names the directory, else
``<repo>/../shared/sip-torture``. Missing: the tests fail under CI and skip elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import IN_CI

REPO = Path(__file__).resolve().parents[2]


def torture_dir() -> Path:
    directory = Path(os.environ.get("AUTOPROV_TORTURE_DIR", REPO.parent / "shared" / "sip-torture"))
    if not (directory / "INDEX.md").is_file():
        message = f"torture messages not found in {directory} (set AUTOPROV_TORTURE_DIR)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return directory


def torture_names(directory: Path) -> list[str]:
    """``*.dat`` files and the ``rfc5118/`` ones, relative to the directory."""
    names = [path.name for path in directory.glob("*.dat")]
    names += [
        f"rfc5118/{path.name}" for path in (directory / "rfc5118").iterdir() if path.is_file()
    ]
    return sorted(names)
