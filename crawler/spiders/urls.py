"""URL normalisation: one URL per page, whatever decorations links add to it."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# query parameters that only track the visitor or carry a session: dropped
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "spm",
        # sessions
        "sessionid",
        "session_id",
        "session",
        "sid",
        "phpsessid",
        "jsessionid",
        "aspsessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__hs")
T = TypeVar("T")
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.IGNORECASE)


def is_tracking(name: str) -> bool:
    lname = name.lower()
    return lname in TRACKING_PARAMS or lname.startswith(TRACKING_PREFIXES)


@functools.lru_cache(maxsize=1 << 16)  # menus and footers repeat on every page
def normalize_url(url: str) -> str:
    """Drop the fragment, tracking and session parameters (also ``;jsessionid=`` path
    parameters), lower-case scheme and host, drop a default port, sort the query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if parts.username:
        netloc = f"{parts.username}@{host}"
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        netloc = f"{netloc}:{port}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    ]
    cleaned = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def quick_host(href: str) -> str | None:
    """The lower-cased host of a plainly absolute http(s) URL, read without parsing the
    whole URL (most links of a page lead off-site, and that is all there is to know about
    them); None when the URL is not plainly absolute or its authority is unusual (user
    info, IPv6 literal, stray whitespace), for the full parse to decide."""
    if href.startswith("https://"):
        rest = href[8:]
    elif href.startswith("http://"):
        rest = href[7:]
    else:
        return None
    end = len(rest)
    for sep in "/?#":
        found = rest.find(sep, 0, end)
        if found != -1:
            end = found
    netloc = rest[:end]
    if not netloc or any(c in netloc for c in "@[\t\n\r "):
        return None
    return netloc.partition(":")[0].lower()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class LinkMemo(Generic[T]):
    """What ``resolve(href, page_url)`` gave, remembered across pages: menus, footers and
    "related" boxes repeat the same hrefs on every page of a site, and joining,
    splitting and normalising them again cost the crawl process more than the rest of a
    page's handling. An absolute href does not depend on the page it is on, a
    root-relative one only on the page's origin, and a path-relative one only on the
    page's folder (every article under /english/ shares its "../about"); other hrefs
    (query-only, protocol-relative) are keyed on the page. Bounded: everything is
    forgotten at ``limit`` entries."""

    def __init__(self, resolve: Callable[[str, str], T], limit: int = 50_000) -> None:
        self._resolve = resolve
        self._limit = limit
        self._memo: dict[tuple[str, str], T] = {}
        self._page = ""
        self._page_origin = ""
        self._page_folder = ""

    def _see(self, page_url: str) -> None:
        if page_url != self._page:  # the hrefs of one page come in a row
            parts = urlsplit(page_url)
            path = parts.path or "/"
            self._page = page_url
            self._page_origin = f"{parts.scheme}://{parts.netloc}"
            self._page_folder = self._page_origin + path[: path.rfind("/") + 1]

    def clear(self) -> None:
        """Forget every answer (what resolve gives has changed)."""
        self._memo.clear()

    def __call__(self, href: str, page_url: str) -> T:
        if href.startswith(("http://", "https://")):
            key = ("", href)
        else:
            self._see(page_url)
            bare = href.strip()
            if bare.startswith("/") and not bare.startswith("//"):
                key = (self._page_origin, href)
            elif bare and bare[0] not in "/?#;" and not _SCHEME.match(bare):
                key = (self._page_folder, href)
            else:
                key = (page_url, href)
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = self._resolve(href, page_url)
        if len(self._memo) >= self._limit:
            self._memo.clear()
        self._memo[key] = value
        return value
