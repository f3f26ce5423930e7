"""A crawl subprocess in a changed world: a ``sitecustomize`` module that runs before
anything else in it (a package made unimportable, a user without a passwd entry)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.crawling import REPO

# `import scrapy_redis` fails as if it were not installed (find_spec says None too)
WITHOUT_SCRAPY_REDIS = "import sys\nsys.modules['scrapy_redis'] = None\n"

# getpwuid fails as for an arbitrary UID in a container (no entry in /etc/passwd)
WITHOUT_PASSWD_ENTRY = (
    "import pwd\n"
    "def _no_entry(uid):\n"
    "    raise KeyError(f'getpwuid(): uid not found: {uid}')\n"
    "pwd.getpwuid = _no_entry\n"
)


def pythonpath_with(tmp_path: Path, code: str) -> str:
    """A PYTHONPATH whose ``sitecustomize`` runs *code*, then the project."""
    site = tmp_path / "sitecustomize-dir"
    site.mkdir()
    (site / "sitecustomize.py").write_text(code)
    return f"{site}{os.pathsep}{REPO}"
