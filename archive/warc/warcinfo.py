"""The fields of the ``warcinfo`` record that starts every WARC file the archive writes
(a crawl's and ``reextract``'s), built here only."""

from __future__ import annotations

import getpass
import os
import platform
import socket
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

FORMAT = "WARC File Format 1.1"
CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


def package_version(dist: str) -> str:
    """The installed version of *dist*, or ``unknown``."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def operator_name(named: str | None = None) -> str:
    """Who runs the program: *named* (ARCHIVE_OPERATOR of a crawl's settings), else
    ``$ARCHIVE_OPERATOR``, else the user. A container's arbitrary UID has no passwd entry
    (and often no USER or LOGNAME): it is named by its number."""
    named = named or os.environ.get("ARCHIVE_OPERATOR")
    if named:
        return str(named)
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return f"uid {os.getuid()}"


def warcinfo_fields(
    *,
    is_part_of: str,
    operator: str | None = None,
    tools: Sequence[str] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """software (this package, then *tools* such as ``scrapy``, then warcio, trafilatura
    and Python, with their versions), format, conformsTo, hostname, operator (see
    :func:`operator_name`), isPartOf, then the *extra* fields of the writer."""
    packages = ("news-web-archiver", *tools, "warcio", "trafilatura")
    software = " ".join(f"{name}/{package_version(name)}" for name in packages)
    return [
        ("software", f"{software} python/{platform.python_version()}"),
        ("format", FORMAT),
        ("conformsTo", CONFORMS_TO),
        ("hostname", socket.gethostname()),
        ("operator", operator_name(operator)),
        ("isPartOf", is_part_of),
        *extra,
    ]
