"""The modules pyproject.toml lists for mypyc are the compiled ones, and none is stale."""

from __future__ import annotations

import importlib
import os
import tomllib
from pathlib import Path

import pytest

from tests.helpers import IN_CI

ROOT = Path(__file__).resolve().parents[1]
COMPILED_MODULES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "autoprov"
]["compiled-modules"]

PURE_PYTHON = bool(os.environ.get("AUTOPROV_PURE_PYTHON"))


@pytest.mark.skipif(PURE_PYTHON, reason="installed as pure Python")
@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_a_listed_module_is_compiled_from_its_current_source(name: str) -> None:
    module = importlib.import_module(name)
    compiled = Path(str(module.__file__))
    if compiled.suffix != ".so":
        message = f"{name} is not compiled (no C compiler when installed?)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    source = compiled.with_name(name.rpartition(".")[2] + ".py")
    assert compiled.stat().st_mtime >= source.stat().st_mtime, (
        f"{compiled.name} is older than {source.name}: run scripts/venv"
    )


def test_no_other_module_is_compiled() -> None:
    """A compiled module left from an earlier install would shadow its source."""
    src = ROOT / "src"
    compiled = {
        path.with_name(path.name.partition(".")[0]).relative_to(src).as_posix().replace("/", ".")
        for path in (src / "autoprov").rglob("*.so")
    }
    assert compiled <= (set() if PURE_PYTHON else set(COMPILED_MODULES))
