"""``python -m archive``: the archive's command line (see :mod:`archive.cli`)."""

from __future__ import annotations

from archive.cli import main

raise SystemExit(main())
