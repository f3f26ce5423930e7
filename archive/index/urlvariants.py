"""The URLs a user may mean by what they typed: ``www.ansarpress.com/english/23610/``
names ``https://www.ansarpress.com/english/23610`` as the crawler archived it.

The crawler normalises every URL before fetching it (``crawler/spiders/urls.py``): scheme and
host in lower case, no default port, no fragment; an article's path is the same with or
without a trailing slash. This module cannot import the crawler (no Scrapy here): it
lists the few spellings of one URL a lookup tries, in order, the URL as typed first.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_variants(typed: str) -> list[str]:
    """*typed* first, then its other spellings: with a scheme when it has none (https,
    then http), scheme and host in lower case, no default port nor fragment, and the path
    with and without its trailing slash. No duplicates."""
    typed = typed.strip()
    out = [typed]
    if "://" in typed:
        schemed = [typed]
    else:
        bare = typed.removeprefix("//")
        schemed = [f"https://{bare}", f"http://{bare}"]
    for url in schemed:
        parts = _tidy(url)
        if parts is None:
            continue
        scheme, netloc, path, query = parts
        out.append(urlunsplit((scheme, netloc, path, query, "")))
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        if other:  # "/" without its slash is the same URL
            out.append(urlunsplit((scheme, netloc, other, query, "")))
    return list(dict.fromkeys(out))


def _tidy(url: str) -> tuple[str, str, str, str] | None:
    """Scheme, host (lower case, no default port), path and query of *url*; None when it
    is no http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    netloc = parts.hostname.lower()
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return scheme, netloc, parts.path or "/", parts.query
