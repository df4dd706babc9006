"""For tests whose subject is not the database: run them on SQLite only.

Import ``sqlite_database`` into a test module to replace the SQLite-and-PostgreSQL
``database_url`` fixture there.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(name="database_url")
def sqlite_database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'autoprov.db'}"
