from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from autoprov.storage.models import Line, Phone, User
from tests.cli.conftest import Invoke, RunningApi

GOOD = """username,password,display_name,mac,model
1001,secret-one,Front Desk,00:04:F2:AA:BB:01,VVX_410
1002,secret-two,Back Office,0004f2aabb01,
1003,,Lobby,,
"""
BAD = """username,password,display_name,mac,model
2001,secret-one,Fine,,
2002,short,Too short,,
2003,secret-three,No model,0004f2aabb09,
"""


def _file(tmp_path: Path, text: str) -> str:
    source = tmp_path / "users.csv"
    source.write_text(text)
    return str(source)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        users = session.scalar(select(func.count(User.id)).where(User.is_system.is_(False)))
        phones = session.scalar(select(func.count(Phone.id)))
        lines = session.scalar(select(func.count(Line.id)))
    return users or 0, phones or 0, lines or 0


def test_import_applies_a_good_file_and_resyncs_its_phones(
    run: Invoke, db: Engine, api: RunningApi, tmp_path: Path
) -> None:
    imported = run("import", _file(tmp_path, GOOD))
    assert imported.exit_code == 0, imported.stderr
    assert "3 row(s): did create 3 user(s)" in imported.stdout
    assert "generated password for 1003: " in imported.stdout
    assert _counts(db) == (3, 1, 2)
    assert api.resyncs == ["0004f2aabb01"]


MANY = "username,password,display_name,mac,model\n" + "".join(
    f"{1100 + n},secret-{n:04d},Desk {n},0004f2cc{n:04x},VVX_410\n" for n in range(30)
)


def test_a_large_import_counts_its_resyncs_instead_of_listing_them(
    run: Invoke, db: Engine, api: RunningApi, tmp_path: Path
) -> None:
    imported = run("import", _file(tmp_path, MANY))
    assert imported.exit_code == 0, imported.stderr
    assert "re-sync requested for 30 phones" in imported.stdout
    assert "0004f2cc" not in imported.stdout
    assert sorted(api.resyncs) == [f"0004f2cc{n:04x}" for n in range(30)]


def test_without_the_api_an_import_warns_once_for_all_its_phones(
    run: Invoke, db: Engine, tmp_path: Path
) -> None:
    imported = run("import", _file(tmp_path, MANY))
    assert imported.exit_code == 0, imported.stderr
    assert imported.stderr.count("could not ask the API") == 1
    assert "to re-sync 30 phones" in imported.stderr
    assert _counts(db) == (30, 30, 30)


def test_a_bad_file_reports_every_bad_row_and_applies_nothing(
    run: Invoke, db: Engine, tmp_path: Path
) -> None:
    imported = run("import", _file(tmp_path, BAD))
    assert imported.exit_code == 1
    errors = imported.stderr
    assert "row 3, password: password is shorter than 8 characters" in errors
    assert "row 4, model: phone 0004f2aabb09 is not in the inventory" in errors
    assert "2 bad row(s): nothing was imported" in errors
    assert "row 2" not in errors
    assert _counts(db) == (0, 0, 0)


def test_dry_run_reports_and_changes_nothing(run: Invoke, db: Engine, tmp_path: Path) -> None:
    checked = run("import", "--dry-run", _file(tmp_path, GOOD))
    assert checked.exit_code == 0
    assert "would create 3 user(s)" in checked.stdout and "assign 2 line(s)" in checked.stdout
    assert _counts(db) == (0, 0, 0)


def test_unreadable_files_are_refused(run: Invoke, db: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run("import", str(empty)).exit_code == 1
    assert run("import", str(tmp_path / "missing.csv")).exit_code == 1


def test_export_writes_a_private_file_that_imports_back(
    run: Invoke, db: Engine, tmp_path: Path
) -> None:
    run("import", _file(tmp_path, GOOD))
    target = tmp_path / "out.csv"
    exported = run("export", str(target))
    assert exported.exit_code == 0 and "3 row(s) written" in exported.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text()
    assert text.startswith("username,password,display_name,mac,model\n")
    assert "1002,secret-two,Back Office,0004f2aabb01,VVX_410" in text
    assert run("export").stdout == text
    again = run("import", str(target))
    assert again.exit_code == 0 and "did create 0 user(s)" in again.stdout
    assert _counts(db) == (3, 1, 2)
