"""What a URL looks like, for ordering a crawl frontier (articles first) on a site whose
article URL pattern is not known. Never for dropping a URL: a shape only says which
URLs to fetch sooner.

- url_shape: a template of a URL's path and query keys (``/<yyyy>/<mm>/<dd>/<slug>/``);
- prior: how article-like a URL looks with nothing learned, in [0, 1];
- ShapeLearner: the article ratio of each shape seen, blended with the prior."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

_DIGITS = re.compile(r"\d+")
_EXTENSION = re.compile(r"^(.+?)(\.[A-Za-z][A-Za-z0-9]{0,5})$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HEX = re.compile(r"^(?=.*\d)(?=.*[a-f])[0-9a-f]{8,}$", re.I)
_DATE = re.compile(r"^(?:19|20)\d\d([-_.]?)(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])$")
_WORDS = re.compile(r"[-_+\s]+")

# query keys whose value names one item (Joomla's id and Itemid, WordPress's p, ...)
_ID_KEYS = frozenset({"id", "p", "article", "story", "aid", "nid", "sid", "cid", "newsid"})
_PAGE_KEYS = frozenset({"page", "paged", "pg", "start", "offset", "pagenum", "pagenumber"})

# path segments that mark a listing or a site's own pages: low prior wherever they stand
_LISTING_MARKS = frozenset(
    {
        "tag",
        "tags",
        "category",
        "categories",
        "author",
        "authors",
        "topic",
        "topics",
        "search",
        "page",
        "feed",
        "rss",
    }
)
_SITE_PAGES = frozenset(
    {
        "about",
        "about-us",
        "aboutus",
        "contact",
        "contact-us",
        "contactus",
        "privacy",
        "privacy-policy",
        "cookie-policy",
        "cookies",
        "terms",
        "terms-of-use",
        "terms-of-service",
        "terms-and-conditions",
        "legal",
        "imprint",
        "impressum",
        "login",
        "log-in",
        "signin",
        "sign-in",
        "logout",
        "register",
        "signup",
        "sign-up",
        "subscribe",
        "newsletter",
        "newsletters",
        "account",
        "search",
        "advertise",
        "careers",
        "jobs",
        "sitemap",
        "faq",
        "help",
        "wp-login.php",
        "wp-admin",
    }
)
_NOT_PAGES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".css", ".js", ".xml", ".rss"}
)
_NOT_PAGES |= {".json", ".zip", ".mp3", ".mp4", ".ico", ".woff", ".woff2", ".txt"}


def _is_id_key(key: str) -> bool:
    key = key.lower()
    return key in _ID_KEYS or key.endswith("id")


def _is_slug(text: str) -> bool:
    """A headline made a path segment: three words or more (two with letters), or a
    long run of letters (25 or more, as in a slug without separators)."""
    words = [w for w in _WORDS.split(text) if w]
    if len(words) >= 3 and sum(1 for w in words if any(c.isalpha() for c in w)) >= 2:
        return True
    return sum(1 for c in text if c.isalpha()) >= 25


def _segment(raw: str, previous: str) -> str:
    """The shape of one path segment, *previous* being the shape of the one before."""
    text = unquote(raw)
    ext = ""
    match = _EXTENSION.match(text)
    if match:
        text, ext = match.group(1), match.group(2).lower()
    if text.isdigit():
        if len(text) == 4 and text[:2] in ("19", "20"):
            return "<yyyy>" + ext
        if len(text) <= 2 and previous == "<yyyy>" and 1 <= int(text) <= 12:
            return "<mm>" + ext
        if len(text) <= 2 and previous == "<mm>" and 1 <= int(text) <= 31:
            return "<dd>" + ext
        return "<n>" + ext
    if _DATE.match(text):
        return "<date>" + ext
    if _UUID.match(text) or _HEX.match(text):
        return "<id>" + ext
    if _is_slug(text):
        return "<slug>" + ext
    return _DIGITS.sub("<n>", raw if not ext else raw[: len(raw) - len(ext)]) + ext


def url_shape(url: str) -> str:
    """The shape of *url*: its path, each segment a literal or a token (``<yyyy>``,
    ``<mm>``, ``<dd>`` for a date as folders, ``<date>`` for one in a segment, ``<n>``
    for a digit run, ``<id>`` for a hex or UUID id, ``<slug>`` for a headline; a file
    extension kept), then its query keys, sorted, each with ``<n>`` for the value of an
    id-like key (``id``, ``p``, ``story``, any key ending in "id"...) and the value's
    digit runs as ``<n>`` otherwise. Scheme, host and fragment are left out."""
    parts = urlsplit(url.strip())
    shaped: list[str] = []
    previous = ""
    for raw in (parts.path or "/").split("/"):
        if raw == "":
            shaped.append("")
            continue
        previous = _segment(raw, previous)
        shaped.append(previous)
    path = "/".join(shaped)
    if not path.startswith("/"):
        path = "/" + path
    if not parts.query:
        return path
    keys: dict[str, str] = {}
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if not key or key in keys:
            continue
        # raw, as written (a shape is printed); the key decoded to tell an id key
        keys[key] = "<n>" if _is_id_key(unquote_plus(key)) else _DIGITS.sub("<n>", value)
    query = "&".join(f"{key}={keys[key]}" for key in sorted(keys))
    return f"{path}?{query}" if query else path


def prior(url: str) -> float:
    """How article-like *url* looks with nothing learned, in [0, 1]: high for a date
    and a slug, a long slug, a numeric id (3 digits or more) in the last segment or an
    id query key; low for the home page, a short section, tag/category/author pages,
    pagination and a site's own pages (about, contact, login, search...)."""
    parts = urlsplit(url.strip())
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    lowered = [s.lower() for s in segments]
    last = lowered[-1] if lowered else ""
    match = _EXTENSION.match(last)
    ext = match.group(2) if match else ""
    stem = match.group(1) if match else last
    if ext in _NOT_PAGES:
        return 0.02
    if not segments and not query:
        return 0.05
    if _PAGE_KEYS & query.keys():
        return 0.1
    if stem in _SITE_PAGES:
        return 0.05
    if any(s in _LISTING_MARKS for s in lowered[:-1]) or last in _LISTING_MARKS:
        return 0.1
    shapes = []
    previous = ""
    for segment in segments:
        previous = _segment(segment, previous)
        shapes.append(previous)
    dated = "<yyyy>" in shapes or any(s.startswith("<date>") for s in shapes)
    last_shape = shapes[-1] if shapes else ""
    slug = any(s.startswith("<slug>") for s in shapes)
    date_part = last_shape.startswith(("<yyyy>", "<mm>", "<dd>", "<date>"))
    long_id = not date_part and any(len(run) >= 3 for run in _DIGITS.findall(stem))
    id_key = any(_is_id_key(k) and v.strip() for k, v in query.items())
    if dated and slug:
        return 0.95
    if last_shape.startswith("<slug>"):
        return 0.9 if len(segments) > 1 else 0.85
    if dated and long_id:
        return 0.9
    if last_shape.startswith("<id>"):
        return 0.7
    if long_id:
        return 0.8
    if id_key:
        return 0.85 if query.get("view") == "article" else 0.75
    if slug:
        return 0.6
    if dated:
        return 0.25  # a date archive: /2024/05/17/
    if len(segments) == 1:
        words = [w for w in _WORDS.split(stem) if w]
        return 0.15 if len(words) <= 2 else 0.4
    if len(segments) == 2 and all(len(_WORDS.split(s)) <= 2 for s in lowered):
        return 0.25
    return 0.4


class ShapeLearner:
    """The article ratio of each URL shape seen, to score the URLs not fetched yet.

    ``learn`` records whether a fetched URL was an article; ``score`` is then, for a
    shape seen *min_seen* times or more, that ratio smoothed with the prior (the prior
    counted as *prior_weight* observations), else the prior. At most *max_shapes*
    shapes are kept: past it, the tenth least seen are forgotten (oldest first)."""

    def __init__(
        self, max_shapes: int = 5000, min_seen: int = 2, prior_weight: float = 1.0
    ) -> None:
        self.max_shapes = max(1, max_shapes)
        self.min_seen = max(1, min_seen)
        self.prior_weight = max(0.0, prior_weight)
        # shape -> [times seen, times an article]
        self._counts: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._counts)

    def learn(self, url: str, is_article: bool) -> None:
        shape = url_shape(url)
        counts = self._counts.get(shape)
        if counts is None:
            if len(self._counts) >= self.max_shapes:
                self._forget()
            counts = self._counts[shape] = [0, 0]
        counts[0] += 1
        counts[1] += int(is_article)

    def _forget(self) -> None:
        drop = max(1, self.max_shapes // 10)
        # stable sort: among the equally seen, the oldest first
        ranked = sorted(self._counts, key=lambda shape: self._counts[shape][0])
        for shape in ranked[:drop]:
            del self._counts[shape]

    def seen(self, url: str) -> tuple[int, int]:
        """(times seen, times an article) of *url*'s shape."""
        counts = self._counts.get(url_shape(url))
        return (counts[0], counts[1]) if counts else (0, 0)

    def score(self, url: str) -> float:
        base = prior(url)
        counts = self._counts.get(url_shape(url))
        if counts is None or counts[0] < self.min_seen:
            return base
        seen, articles = counts
        return (articles + base * self.prior_weight) / (seen + self.prior_weight)

    def article_shapes(self) -> list[str]:
        """The shapes seen *min_seen* times or more that were articles 80% of the time
        or more, the most seen first (for logging)."""
        found = [
            (shape, seen)
            for shape, (seen, articles) in self._counts.items()
            if seen >= self.min_seen and articles >= 0.8 * seen
        ]
        found.sort(key=lambda item: -item[1])
        return [shape for shape, _ in found]
