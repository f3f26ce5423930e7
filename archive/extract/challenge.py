"""Is a response a bot challenge or a block page rather than the page asked for?

CDNs and bot managers (Cloudflare, Akamai, AWS WAF, DataDome, PerimeterX, Imperva,
…) answer a crawler they distrust with a page of their own: a JavaScript or captcha
challenge, an "Access denied" page, or an empty shell asking for JavaScript. Such a
page is archived as received, like any answer, but it is not the article: it must
not be extracted, nor make the article count as archived.

:func:`challenge_reason` decides from the status, the headers and the first
:data:`SNIFF_BYTES` of the (decoded) body, cheaply enough to run on every article
page. The signals, from the strongest:

- a header only a challenge carries (``cf-mitigated: challenge``,
  ``x-amzn-waf-action: captcha``), or a bot manager's header on a 403/429/503;
- a structural marker of a challenge page (Cloudflare's ``_cf_chl_opt``, DataDome's
  ``captcha-delivery.com``, PerimeterX's ``px-captcha``, …): on a 403/429/503 alone,
  otherwise on a page with little text;
- a challenge title, phrase or captcha widget ("Just a moment...", "Please verify you
  are a human", ``g-recaptcha``): on a 403/429/503 alone, otherwise only on a page with
  very little text and no ``<article>``, so that an article that mentions captchas, or
  carries a reCAPTCHA comment form, is not taken for one;
- a ``<noscript>`` asking for JavaScript on a page with almost no other text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SNIFF_BYTES = 64 * 1024  # of the body; a longer page is no challenge without a header
BLOCK_STATUSES = frozenset({403, 429, 503})
LITTLE_TEXT = 800  # visible characters: a challenge page's sentence or two, with a footer
STRUCTURAL_TEXT = 4000  # with a structural marker, a longer page still counts
SHELL_TEXT = 200  # outside <noscript>: an empty JavaScript shell

# header -> values (lowercase) that make any answer a challenge
_CHALLENGE_HEADERS = {
    "cf-mitigated": ("challenge",),
    "x-amzn-waf-action": ("captcha", "challenge"),
    "x-amz-waf-action": ("captcha", "challenge"),
}
# headers of bot managers, on every answer of a protected site: a block only with a
# block status
_BLOCKER_HEADERS = {"x-datadome": "DataDome", "x-dd-b": "DataDome", "x-px-block": "PerimeterX"}
# the headers challenge_reason looks at (lowercase)
HEADER_NAMES = (*_CHALLENGE_HEADERS, *_BLOCKER_HEADERS)

# pieces of challenge machinery, never in an article's markup
_STRUCTURAL = (
    (b"window._cf_chl_opt", "Cloudflare challenge"),
    (b"/cdn-cgi/challenge-platform/h/", "Cloudflare challenge"),
    (b"cf-browser-verification", "Cloudflare challenge"),
    (b"cf_chl_", "Cloudflare challenge"),
    (b"cf-chl-", "Cloudflare challenge"),
    (b"captcha-delivery.com", "DataDome captcha"),
    (b"px-captcha", "PerimeterX captcha"),
    (b"_incapsula_resource", "Imperva challenge"),
    (b"window.gokuprops", "AWS WAF challenge"),
    (b"errors&#46;edgesuite&#46;net", "Akamai block page"),
    (b"/.well-known/sgcaptcha/", "SiteGround captcha"),
)

# titles of challenge and block pages (lowercase, whitespace collapsed)
_TITLES = {
    "just a moment...": "Cloudflare challenge",
    "just a moment…": "Cloudflare challenge",
    "attention required! | cloudflare": "Cloudflare block page",
    "one more step": "Cloudflare challenge",
    "access denied": "access denied page",
    "access to this page has been denied": "PerimeterX block page",
    "access to this page has been denied.": "PerimeterX block page",
    "pardon our interruption": "Imperva challenge",
    "robot or human?": "bot check",
    "are you a robot?": "bot check",
    "are you a human?": "bot check",
    "human verification": "bot check",
    "verify you are human": "bot check",
    "security check": "bot check",
    "checking your browser": "bot check",
    "ddos-guard": "DDoS-Guard challenge",
    "request rejected": "WAF block page",
    "you have been blocked": "block page",
}

# phrases of challenge and block pages (lowercase, in the raw markup)
_PHRASES = (
    (b"enable javascript and cookies to continue", "Cloudflare challenge"),
    (b"checking if the site connection is secure", "Cloudflare challenge"),
    (b"needs to review the security of your connection", "Cloudflare challenge"),
    (b"sorry, you have been blocked", "Cloudflare block page"),
    (b"checking your browser before accessing", "bot check"),
    (b"please verify you are a human", "bot check"),
    (b"verify you are human", "bot check"),
    (b"press &amp; hold to confirm you are", "PerimeterX captcha"),
    (b"press & hold to confirm you are", "PerimeterX captcha"),
    (b"please complete the security check", "bot check"),
    (b"you don't have permission to access", "access denied page"),
    (b"the requested url was rejected", "WAF block page"),
    (b"request unsuccessful. incapsula incident id", "Imperva block page"),
    (b"g-recaptcha", "captcha form"),
    (b"h-captcha", "captcha form"),
    (b"cf-turnstile", "captcha form"),
    (b"challenges.cloudflare.com/turnstile", "captcha form"),
)

NEEDS_JAVASCRIPT = "page that needs JavaScript"  # a shell: no challenge when rendered
_OPENING_RE = re.compile(rb"<(script|style|template|noscript)\b|<!--")
_TAG_RE = re.compile(rb"<[^<>]*>")
_SPACE_RE = re.compile(rb"\s+")
_ENTITY_RE = re.compile(rb"&(?:#\d+|#x[0-9a-f]+|[a-z]+);")


def challenge_reason(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """What kind of challenge or block page this answer is ("Cloudflare challenge",
    "captcha form", …), or None for a page that is what it says. *headers*: names in
    lowercase (a repeated header's values joined); *body*: after content decoding."""
    found = _by_header(status, headers)
    if found is not None:
        return found
    blocked = status in BLOCK_STATUSES
    whole = len(body) <= SNIFF_BYTES  # a longer page has text enough to be no challenge
    if not blocked and not whole:
        return None  # every rule below needs one or the other: most pages end here
    head = body[:SNIFF_BYTES].lower()
    for marker, kind in _STRUCTURAL:
        if marker in head:
            if blocked or (whole and visible_length(head) <= STRUCTURAL_TEXT):
                return kind
            break
    weak = _weak_marker(head)
    if weak is not None and (blocked or (whole and _little_text(head))):
        return weak
    shell = whole and b"<noscript" in head and _asks_for_javascript(head)
    if shell and visible_length(head) <= SHELL_TEXT:
        return NEEDS_JAVASCRIPT
    return None


def _by_header(status: int, headers: Mapping[str, str]) -> str | None:
    for name, values in _CHALLENGE_HEADERS.items():
        value = headers.get(name, "").strip().lower()
        if value and any(v in value for v in values):
            return f"{name}: {value}"
    if status in BLOCK_STATUSES:
        for name, vendor in _BLOCKER_HEADERS.items():
            if name in headers:
                return f"{vendor} block ({status})"
    return None


def _weak_marker(head: bytes) -> str | None:
    title = _element(head, b"title", 0)
    if title is not None:
        text = _SPACE_RE.sub(b" ", title[:200]).strip().decode("utf-8", "replace")
        kind = _TITLES.get(text.replace("&hellip;", "…"))
        if kind is not None:
            return kind
    for phrase, kind in _PHRASES:
        if phrase in head:
            return kind
    return None


def _little_text(head: bytes) -> bool:
    """Little text, and not marked up as an article: a challenge page, not a short
    article whose text talks about captchas (or that has a captcha comment form)."""
    if b"<article" in head or b'property="og:type" content="article"' in head:
        return False
    return visible_length(head) <= LITTLE_TEXT


def _element(html: bytes, name: bytes, start: int) -> bytes | None:
    """The content of the first element *name* from *start* on (lowercase markup), or
    None. Plain searches: linear whatever the markup (no regular expression that an
    unclosed tag repeated could make quadratic)."""
    opening = html.find(b"<" + name, start)
    if opening < 0:
        return None
    inside = html.find(b">", opening)
    if inside < 0:
        return None
    closing = html.find(b"</" + name, inside)
    return html[inside + 1 : closing if closing >= 0 else len(html)]


def _asks_for_javascript(head: bytes) -> bool:
    start = 0
    while (start := head.find(b"<noscript", start)) >= 0:
        content = _element(head, b"noscript", start)
        if content is not None and b"javascript" in content:
            return True
        start += 9
    return False


def visible_length(html: bytes) -> int:
    """About how many characters of text a browser shows: markup, scripts, styles,
    ``<noscript>`` and comments left out, whitespace collapsed. Lowercase *html*."""
    shown: list[bytes] = []
    pos = 0
    while (match := _OPENING_RE.search(html, pos)) is not None:
        shown.append(html[pos : match.start()])
        closing = b"</" + match.group(1) if match.group(1) else b"-->"
        end = html.find(closing, match.end())
        if end < 0:
            pos = len(html)
            break
        end = html.find(b">", end)
        pos = len(html) if end < 0 else end + 1
    shown.append(html[pos:])
    text = _TAG_RE.sub(b" ", b" ".join(shown))
    text = _ENTITY_RE.sub(b"x", text)
    return len(_SPACE_RE.sub(b" ", text).strip())
