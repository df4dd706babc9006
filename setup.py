"""Compiles the modules listed under ``[tool.autoprov]`` in pyproject.toml with mypyc.

``AUTOPROV_PURE_PYTHON=1`` installs without compiling; so does a failed compile (no C compiler,
say), with a warning: each compiled module is plain Python first and runs the same uncompiled.
"""

import os
import tomllib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError


def compiled_extensions() -> list[Extension]:
    if os.environ.get("AUTOPROV_PURE_PYTHON"):
        return []
    from mypyc.build import mypycify

    with open("pyproject.toml", "rb") as file:
        modules = tomllib.load(file)["tool"]["autoprov"]["compiled-modules"]
    paths = [str(Path("src", *module.split("."))) + ".py" for module in modules]
    # The project's own mypy run checks the types, with a plugin the build environment lacks;
    # the compile needs only the listed modules' types, not those of third-party packages.
    return mypycify(["--config-file=", "--ignore-missing-imports", *paths], group_name="autoprov")


class BuildAllOrNone(build_ext):
    """Falls back to pure Python when the compile fails, for every module at once: the modules
    share one compiled runtime, without which a compiled module would not import."""

    def run(self) -> None:
        try:
            super().run()
        except (CCompilerError, ExecError, PlatformError) as error:
            self.warn(f"mypyc-compiled modules not built, installing pure Python: {error}")


setup(ext_modules=compiled_extensions(), cmdclass={"build_ext": BuildAllOrNone})
