"""Does a page's static HTML look like a JavaScript shell, whose article only a browser
would show? ``ARCHIVE_BROWSER=auto`` renders in headless Chromium only the pages this
says yes to (crawler/capture/rendering.py).

A few plain byte searches over the first 256 KiB of the body, no parse: it runs on
every article page of a crawl in ``auto`` mode, on the crawl's event loop, and must
cost next to nothing (``bench/browser.py``). The signals:

- an empty application root: ``<div id="root"></div>``, ``__next``, ``__nuxt``,
  ``app``, ``svelte``… with nothing between its tags;
- a ``<noscript>`` that asks for JavaScript, on a page with little text besides;
- very little visible text at all, on a page that loads scripts.

A server-rendered Next.js or Nuxt page (its root full of markup) is no shell.
"""

from __future__ import annotations

import re

SNIFF_BYTES = 256 * 1024
#: visible characters under which a page with scripts is a shell (an article has more)
SHELL_TEXT = 250
#: visible characters under which a page whose noscript asks for JavaScript is a shell
NOSCRIPT_TEXT = 1500

_ROOT_IDS = (
    *(b"root", b"app", b"__next", b"__nuxt", b"___gatsby", b"svelte", b"app-root"),
    *(b"main-app", b"react-root", b"application"),
)
# a root's id as pages write it (a literal first, case-sensitive: fast); the longer
# expression below runs only on the pages that have one
_ROOT_ID = re.compile(rb"id=[\"']?(?:" + b"|".join(_ROOT_IDS) + rb")[\"'\s>]")
_EMPTY_ROOT = re.compile(
    rb"<(?:div|main|section|body)\b[^>]{0,200}?\bid\s*=\s*[\"']?"
    rb"(" + b"|".join(_ROOT_IDS) + rb")"
    rb"[\"']?[^>]{0,200}>\s*(?:<!--[^>]{0,200}-->\s*)?</(?:div|main|section|body)>",
    re.IGNORECASE,
)
_APP_TAG = re.compile(rb"<(app-root|my-app)\b[^>]{0,200}>\s*</\1>", re.IGNORECASE)
_SCRIPT_SRC = re.compile(rb"<script\b[^>]{0,400}\bsrc\s*=", re.IGNORECASE)
_HIDDEN = re.compile(rb"<(script|style|template|noscript|svg|head)\b|<!--", re.IGNORECASE)
_JS_WORDS = (b"enable", b"requires", b"require", b"need", b"turn on", b"activate", b"allow")


def shell_reason(body: bytes) -> str | None:
    """Why the page *body* (HTML, content-decoded) looks like a JavaScript shell, or
    None for a page whose static HTML holds its text. Linear in the page, and stops
    reading its text once there is enough of it (most pages: a few hundred tags)."""
    head = body[:SNIFF_BYTES]
    if b"<" not in head:
        return None
    if _ROOT_ID.search(head) is not None:
        found = _EMPTY_ROOT.search(head)
        if found is not None:
            return f"empty app root ({found.group(1).decode('ascii', 'replace').lower()})"
    if b"<app-root" in head or b"<my-app" in head:
        found = _APP_TAG.search(head)
        if found is not None:
            return f"empty app root ({found.group(1).decode('ascii', 'replace').lower()})"
    noscript = _asks_for_javascript(head)
    if noscript and not shows_more_than(head, NOSCRIPT_TEXT):
        return "noscript asks for JavaScript"
    if _SCRIPT_SRC.search(head) and not shows_more_than(head, SHELL_TEXT):
        return "little text and scripts"
    return None


def shows_more_than(html: bytes, limit: int) -> bool:
    """Does *html* show more than *limit* characters of text (markup, scripts, styles,
    the head, ``<noscript>`` and comments left out, whitespace collapsed)? Reads only as
    far as it takes to know."""
    shown = 0
    pos = 0
    end = len(html)
    while pos < end:
        tag = html.find(b"<", pos)
        stop = end if tag < 0 else tag
        if stop > pos:
            words = html[pos:stop].split()
            shown += sum(len(w) for w in words) + max(0, len(words) - 1)
            if shown > limit:
                return True
        if tag < 0:
            break
        hidden = _HIDDEN.match(html, tag)
        if hidden is not None:
            closing = b"</" + hidden.group(1).lower() if hidden.group(1) else b"-->"
            close = _find_ci(html, closing, hidden.end())
            if close < 0:
                break
            pos = close + len(closing)
        else:
            close = html.find(b">", tag)
            if close < 0:
                break
            pos = close + 1
    return False


def _find_ci(html: bytes, needle: bytes, start: int) -> int:
    """*needle* (lowercase) in *html* from *start*, in lower or upper case; the upper case
    is looked for only before the first lower-case one."""
    lower = html.find(needle, start)
    upper = html.find(needle.upper(), start, lower if lower >= 0 else len(html))
    return upper if upper >= 0 else lower


def _asks_for_javascript(head: bytes) -> bool:
    start = 0
    while (start := _find_ci(head, b"<noscript", start)) >= 0:
        end = _find_ci(head, b"</noscript", start)
        content = head[start : end if end >= 0 else start + 2000][:2000].lower()
        if b"javascript" in content and any(word in content for word in _JS_WORDS):
            return True
        start += 9
    return False
