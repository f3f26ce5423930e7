"""Finding the programs of the tools environment. pywb pins an old redis client that the
rest of the project cannot share, so it is installed in a virtual environment of its
own, together with py-wacz (the ``wacz`` validator, which the tests run):
``$ARCHIVE_PYWB_DIR`` (a ``bin`` folder), else ``.venv-pywb/bin`` beside the project's
``.venv``, else the PATH."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def tool_program(name: str) -> Path | None:
    """The path of a program of the tools environment (``wayback``, ``wb-manager``,
    ``wacz``...), or None."""
    candidates = []
    if os.environ.get("ARCHIVE_PYWB_DIR"):
        candidates.append(Path(os.environ["ARCHIVE_PYWB_DIR"]) / name)
    candidates.append(Path(sys.prefix).parent / ".venv-pywb" / "bin" / name)
    candidates.append(Path(__file__).resolve().parents[1] / ".venv-pywb" / "bin" / name)
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    return Path(found) if found else None


def pywb_program(name: str) -> Path | None:
    """The path of ``wayback``, ``wb-manager`` or another pywb program, or None."""
    return tool_program(name)


def wacz_program() -> Path | None:
    """py-wacz's ``wacz`` (``wacz validate -f FILE.wacz``), or None."""
    return tool_program("wacz")
