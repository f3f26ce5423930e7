"""``python -m archive``: the archive's command line (see :mod:`archive.cli.parser`)."""

from __future__ import annotations

from archive.cli.parser import main

raise SystemExit(main())
