"""The sites a generic news spider crawls: ``-a url=URL`` (one) or ``-a sites=FILE`` (many).

A sites file is plain text (one start URL a line, ``#`` comments, blank lines ignored),
YAML (``.yaml``/``.yml``: a list, or ``sites:`` holding one; an entry is a URL or a
mapping of keys) or TOML (``.toml``: ``[[site]]`` or ``[[sites]]`` tables of keys). Keys:
``url`` (required), ``start`` (more start URLs on its origin, or paths such as
``/politics/``), ``article_pattern``, ``sections`` (path prefixes to stay inside; default
the whole site), ``delay`` (seconds), ``concurrency``, ``headers``, ``cookies`` (a Netscape
cookies.txt, relative to the sites file; the unexpired cookies for the host are kept),
``max_articles``, ``name`` (default the host), ``browser`` (off, auto, always: render the
site's pages in headless Chromium; default ``ARCHIVE_BROWSER``), ``browser_pattern`` (pages
always rendered with ``browser: auto``: a regular expression searched in the URL's path,
or ``path?query``).
A key with no value (YAML ``key:``) counts as absent.

``article_pattern`` forces which URLs are articles: it is matched with ``re.fullmatch``
against the URL's path, or against ``path?query`` for a URL with a query.

Every mistake is a :class:`SitesError` of one line: ``FILE:LINE: what is wrong``, or
``FILE: site N (URL): what is wrong`` when the line is not known (TOML). No Scrapy here.
"""

from __future__ import annotations

import difflib
import http.cookiejar
import math
import os
import re
import time
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

KNOWN_KEYS = (
    *("url", "start", "article_pattern", "sections", "delay", "concurrency", "headers"),
    *("cookies", "max_articles", "name", "browser", "browser_pattern"),
)
BROWSER_MODES = ("off", "auto", "always")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a header name (RFC 9110 token)
_CRAWLER_HEADERS = ("host", "cookie", "content-length")
_COMMENT = re.compile(r"(^|\s)#.*")
_Entry = tuple[Any, int | None, dict[str, int]]  # (entry as read, its line, line of each key)


class SitesError(ValueError):
    """A sites file (or ``-a url=``) that cannot be used; the message is one line."""


class _Bad(Exception):
    """A mistake in one site; *key*, when known, is the key it is in."""

    def __init__(self, msg: str, key: str | None = None) -> None:
        super().__init__(msg)
        self.key = key


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str
    path: str


@dataclass(frozen=True)
class Site:
    """One site to crawl, checked; see the module's docstring for the meaning of each key."""

    url: str  # normalised: lower-case scheme and host, no default port nor fragment
    origin: str  # "scheme://host[:port]"
    host: str  # lower-case, no port
    start_urls: tuple[str, ...]  # url first, then the `start` entries
    article_pattern: str | None = None
    sections: tuple[str, ...] = ()  # () = the whole site
    delay: float | None = None
    concurrency: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[Cookie, ...] = ()
    max_articles: int | None = None
    name: str = ""
    browser: str = ""  # "" = ARCHIVE_BROWSER's mode
    browser_pattern: str | None = None


def site_from_url(url: str) -> Site:
    """The site of ``-a url=URL``."""
    try:
        return _site({"url": url}, Path.cwd())
    except _Bad as e:
        raise SitesError(_one_line(str(e))) from None


def load_sites(path: str | os.PathLike[str]) -> list[Site]:
    """The sites of a sites file, in its order; SitesError for anything wrong in it."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as e:
        raise SitesError(f"{file}: cannot read the sites file: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise SitesError(f"{file}:{line}: not UTF-8 text (byte {e.start})") from None
    suffix = file.suffix.lower()
    read = _yaml if suffix in (".yaml", ".yml") else _toml if suffix == ".toml" else _text
    entries = read(file, text)
    if not entries:
        raise SitesError(f"{file}: no site listed")
    return _sites(file, entries)


def _text(file: Path, text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    for number, line in enumerate(text.split("\n"), 1):
        words = _COMMENT.sub("", line).split()
        if len(words) > 1:
            rest = _show(" ".join(words[1:]))
            raise SitesError(f"{file}:{number}: text after the URL: {rest} (a comment is ' # ...')")
        if words:
            entries.append((words[0], number, {}))
    return entries


def _yaml(file: Path, text: str) -> list[_Entry]:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # the same parse, with line marks
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{file}:{mark.line + 1}" if mark else str(file)
        raise SitesError(_one_line(f"{where}: not valid YAML: {e.problem or e.context}")) from None
    except yaml.YAMLError as e:
        raise SitesError(_one_line(f"{file}: not valid YAML: {e}")) from None
    if isinstance(data, dict):
        for key, value in root.value:
            if key.value != "sites":
                where = f"{file}:{_line(key)}: unknown top-level key {key.value!r}"
                raise SitesError(f"{where}: list the sites, or put them under 'sites:'")
            root = value
        data = data.get("sites")
    if data is None:
        return []
    if not isinstance(data, list):
        raise SitesError(f"{file}:{_line(root)}: the sites must be a list, got {_show(data)}")
    nodes = root.value if isinstance(root, yaml.SequenceNode) else []
    return [
        (item, _line(node), _key_lines(file, node)) for item, node in zip(data, nodes, strict=False)
    ]


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _key_lines(file: Path, node: yaml.Node | None) -> dict[str, int]:
    lines: dict[str, int] = {}
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if isinstance(key, yaml.ScalarNode):
            if key.value in lines:  # safe_load would keep the last silently
                where = f"{file}:{_line(key)}: key {key.value!r}"
                raise SitesError(f"{where} given twice (also line {lines[key.value]})")
            lines[key.value] = key.start_mark.line + 1
    return lines


def _toml(file: Path, text: str) -> list[_Entry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"\s*\(at line (\d+), column \d+\)$", str(e))
        where, msg = (f"{file}:{found[1]}", str(e)[: found.start()]) if found else (file, e)
        raise SitesError(_one_line(f"{where}: not valid TOML: {msg}")) from None
    if set(data) - {"site", "sites"} or len(data) > 1:
        raise SitesError(f"{file}: the sites go in [[site]] (or [[sites]]) tables, and only there")
    tables: Any = next(iter(data.values()), [])
    if not isinstance(tables, list):
        raise SitesError(f"{file}: the sites must be [[site]] tables, got {_show(tables)}")
    return [(table, None, {}) for table in tables]


def _sites(file: Path, entries: list[_Entry]) -> list[Site]:
    sites: list[Site] = []
    seen: dict[str, str] = {}  # origin -> where it was listed
    for number, (raw, line, key_lines) in enumerate(entries, 1):
        url = raw.get("url") if isinstance(raw, dict) else raw
        label = f" ({re.sub(r'//[^/@]*@', '//', url)})" if isinstance(url, str) else ""
        where = f"{file}:{line}" if line else f"{file}: site {number}{label}"
        try:
            site = _site(raw, file.parent)
        except _Bad as e:
            key_line = key_lines.get(e.key or "")
            raise SitesError(
                _one_line(f"{f'{file}:{key_line}' if key_line else where}: {e}")
            ) from None
        here = f"line {line}" if line else f"site {number}"
        if site.origin in seen:
            twice = f"{site.origin} listed twice ({seen[site.origin]} and {here})"
            raise SitesError(_one_line(f"{where}: {twice}"))
        seen[site.origin] = here
        sites.append(site)
    return sites


def _site(raw: Any, base: Path) -> Site:
    if isinstance(raw, str):
        raw = {"url": raw}
    if not isinstance(raw, dict):
        raise _Bad(f"a site must be a URL or a mapping of keys, got {_show(raw)}")
    for key in raw:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(KNOWN_KEYS)
            raise _Bad(f"unknown key {_show(key)}{hint}; known keys: {known}", str(key))
    given = {key: value for key, value in raw.items() if value is not None}

    def field(key: str, check: Callable[..., Any], *args: Any) -> Any:
        if key not in given:
            return None
        try:
            return check(given[key], *args)
        except _Bad as e:
            e.key = key
            raise

    if "url" not in given:
        raise _Bad("url is required")
    url, origin, host = field("url", _url, "url")
    starts = field("start", _list, "start", lambda v: _start(v, origin)) or ()
    return Site(
        url=url,
        origin=origin,
        host=host,
        start_urls=tuple(dict.fromkeys((url, *starts))),
        article_pattern=field("article_pattern", _pattern),
        sections=field("sections", _list, "sections", _section) or (),
        delay=field("delay", _number, "delay", False),
        concurrency=field("concurrency", _number, "concurrency", True),
        headers=field("headers", _headers) or (),
        cookies=field("cookies", _cookies, base, host) or (),
        max_articles=field("max_articles", _number, "max_articles", True),
        name=field("name", _name) or host,
        browser=field("browser", _browser) or "",
        browser_pattern=field("browser_pattern", _pattern, "browser_pattern"),
    )


def _url(value: Any, what: str) -> tuple[str, str, str]:
    """(normalised URL, origin, host) of an http(s) URL."""
    raw = value.strip() if isinstance(value, str) else value
    if not isinstance(raw, str) or not raw.lower().startswith(("http://", "https://")):
        hint = (
            f" (did you mean 'https://{raw}'?)"
            if re.match(r"[\w.-]+(:\d+)?(/|$)", str(raw))
            else ""
        )
        raise _Bad(f"{what} must be an http(s) URL, got {_show(raw)}{hint}")
    parts = urlsplit(raw)
    if "@" in parts.netloc:  # the URL is not shown: it holds a password
        raise _Bad(f"{what} must not hold a user name or password ({parts.hostname})")
    try:
        port = parts.port
    except ValueError:
        port = 0  # out of range, or not a number
    for wrong, problem in (
        (any(c.isspace() for c in raw), "contains whitespace"),
        (not parts.hostname, "has no host"),
        (port == 0, "has an invalid port"),
    ):
        if wrong:
            raise _Bad(f"{what} {raw!r} {problem}")
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return url, f"{scheme}://{netloc}", host


def _start(value: Any, origin: str) -> str:
    if isinstance(value, str) and re.match(r"\s*/(?!/)", value):  # a path on the origin
        value = origin + value.strip()
    url, start_origin, _ = _url(value, "start URL")
    if start_origin != origin:
        raise _Bad(f"start URL {url!r} is not on the site's origin {origin}")
    return url


def _list(value: Any, what: str, check: Callable[[Any], str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Bad(f"{what} must be a list, got {_show(value)}")
    return tuple(dict.fromkeys(check(item) for item in value))


def _section(value: Any) -> str:
    if not isinstance(value, str) or not value.strip().startswith("/") or len(value.split()) != 1:
        raise _Bad(f"sections must be paths starting with '/', got {_show(value)}")
    return value.strip()


def _pattern(value: Any, what: str = "article_pattern") -> str:
    if not isinstance(value, str):
        raise _Bad(f"{what} must be a regular expression, got {_show(value)}")
    try:
        re.compile(value)
    except re.error as e:
        raise _Bad(f"{what} {value!r} is not a valid regular expression: {e}") from None
    return value


def _number(value: Any, what: str, integer: bool) -> Any:
    kinds = int if integer else (int, float)
    number = isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
    if number and value >= (1 if integer else 0):
        return value if integer else float(value)
    expected = "an integer >= 1" if integer else "a number >= 0"
    raise _Bad(f"{what} must be {expected}, got {_show(value)}")


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _Bad(f"headers must be a mapping of name to value, got {_show(value)}")
    for name, text in value.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise _Bad(f"header name {_show(name)} is not a valid token")
        if name.lower() in _CRAWLER_HEADERS:
            raise _Bad(f"header {name!r} is the crawler's to set (cookies go in cookies:)")
        if not isinstance(text, str) or "\n" in text or "\r" in text:
            raise _Bad(f"header {name!r} must have a one-line string value, got {_show(text)}")
    if len({name.lower() for name in value}) < len(value):
        raise _Bad("headers: a header is given twice (names are case-insensitive)")
    return tuple((name, text.strip()) for name, text in value.items())


def _cookies(value: Any, base: Path, host: str) -> tuple[Cookie, ...]:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"cookies must be the path of a cookies.txt file, got {_show(value)}")
    file = str(base / Path(value.strip()).expanduser())
    jar = http.cookiejar.MozillaCookieJar()
    try:
        with warnings.catch_warnings():  # the jar warns "http.cookiejar bug!" on a bad line
            warnings.simplefilter("ignore")
            jar.load(file, ignore_discard=True, ignore_expires=True)
    except http.cookiejar.LoadError:
        raise _Bad(f"cookies file {file!r} is not a Netscape cookies.txt file") from None
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or e
        raise _Bad(f"cookies file {file!r} cannot be read: {reason}") from None
    now = time.time()
    kept = tuple(
        Cookie(c.name, c.value or "", c.domain, c.path)
        for c in jar
        if _domain_match(host, c.domain) and (not c.expires or c.expires > now)  # 0: session
    )
    if not kept:
        raise _Bad(f"cookies file {file!r} holds no unexpired cookie for {host}")
    return kept


def _domain_match(host: str, domain: str) -> bool:
    bare = domain.lower().lstrip(".")
    return host == bare or (domain.startswith(".") and host.endswith("." + bare))


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"name must be a non-empty string, got {_show(value)}")
    return value.strip()


def _browser(value: Any) -> str:
    if value is False:  # YAML 1.1 reads a bare `off` as false
        return "off"
    if not isinstance(value, str) or value.strip().lower() not in BROWSER_MODES:
        raise _Bad(f"browser must be one of {', '.join(BROWSER_MODES)}, got {_show(value)}")
    return value.strip().lower()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")
