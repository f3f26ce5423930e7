"""The spiders' arguments (-a NAME=VALUE), checked before a crawl starts: a wrong value is
one line and exit status 2 (crawler/commands/crawl.py), never a traceback. Settings are
checked in crawler/settingchecks.py."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable
from typing import Any

from scrapy import Spider

from crawler.spiders.scope import check_base_url as scope_base_url


class SpiderArgumentError(ValueError):
    """A spider argument (-a NAME=VALUE) is wrong."""


def check_base_url(value: str) -> str:
    try:
        return scope_base_url(value)
    except ValueError as exc:
        raise SpiderArgumentError(str(exc)) from None


def spider_argument_names(spidercls: type[Spider]) -> set[str]:
    """The -a names a spider class takes: the named parameters of its __init__ and
    those of its bases, down to Scrapy's Spider."""
    declared = getattr(spidercls, "arguments", None)
    if declared is not None:
        return set(declared)
    names: set[str] = set()
    for klass in spidercls.__mro__:
        if klass is Spider or not issubclass(klass, Spider):
            break
        if "__init__" in vars(klass):
            for param in inspect.signature(klass.__init__).parameters.values():
                if param.name != "self" and param.kind in (
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    inspect.Parameter.KEYWORD_ONLY,
                ):
                    names.add(param.name)
    return names


def check_argument_names(spidercls: type[Spider], names: Iterable[str]) -> None:
    """A misspelled -a name would otherwise be set as a spider attribute and ignored
    (``-a baseurl=...`` crawling the real site). Names starting with ``_`` pass:
    scrapyd adds ``_job`` (and ``_version``) to every crawl it starts."""
    known = sorted(spider_argument_names(spidercls))
    for name in sorted(names):
        if name in known or name.startswith("_"):
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f": did you mean {close[0]}?" if close else ""
        raise SpiderArgumentError(
            f"unknown spider argument -a {name}{hint} (known: {', '.join(known)})"
        )


def check_max_articles(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(f"max_articles must be a whole number, got {value!r}") from None
    if number < 1:
        raise SpiderArgumentError(f"max_articles must be at least 1, got {number}")
    return number
