"""``search``: full-text search of the articles."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from archive.cli.common import open_index
from archive.index.search import MARK_END, MARK_START, SearchFilters, search_articles
from archive.layout import ArchiveLayout


def cmd_search(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    filters = SearchFilters(args.since, args.until, tuple(args.tag), args.site, args.limit)
    with open_index(args, layout) as db:
        found = search_articles(db, args.query, filters)
    hits = found.hits
    if found.note is not None:
        print(f"note: {found.note}", file=sys.stderr)
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_json(), ensure_ascii=False))
        return 0
    if not hits:
        print("no article matches", file=sys.stderr)
        return 0
    console = _console()
    for hit in hits:
        a = hit.article
        when = (a.get("published") or "")[:10] or "undated"
        if console is not None:
            from rich.text import Text

            console.print(Text(f"{hit.rank:>2}. ") + Text(a.get("title") or a["url"], "bold"))
            console.print(Text(f"    {when} · {a['url']}", "dim"))
            console.print(_highlighted("    " + hit.snippet))
        else:
            print(f"{hit.rank:>2}. {a.get('title') or a['url']}")
            print(f"    {when} · {a['url']}")
            print("    " + hit.snippet_with("**", "**"))
    return 0


def _console() -> Any:
    """A rich console for a terminal, ``None`` for a pipe."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console(highlight=False)


def _highlighted(snippet: str) -> Any:
    from rich.text import Text

    text = Text()
    for i, part in enumerate(snippet.replace(MARK_END, MARK_START).split(MARK_START)):
        text.append(part, "bold yellow" if i % 2 else "")
    return text
