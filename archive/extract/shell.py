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

from archive.extract.challenge import visible_length

SNIFF_BYTES = 256 * 1024
#: visible characters under which a page with scripts is a shell (an article has more)
SHELL_TEXT = 250
#: visible characters under which a page whose noscript asks for JavaScript is a shell
NOSCRIPT_TEXT = 1500

_EMPTY_ROOT = re.compile(
    rb"<(?:div|main|section|body)\b[^>]{0,200}?\bid\s*=\s*[\"']?"
    rb"(root|app|__next|__nuxt|___gatsby|svelte|app-root|main-app|react-root|application)"
    rb"[\"']?[^>]{0,200}>\s*(?:<!--[^>]{0,200}-->\s*)?</(?:div|main|section|body)>"
)
_APP_TAG = re.compile(rb"<(app-root|my-app)\b[^>]{0,200}>\s*</\1>")
_SCRIPT_SRC = re.compile(rb"<script\b[^>]{0,400}\bsrc\s*=")
_JS_WORDS = (b"enable", b"requires", b"require", b"need", b"turn on", b"activate", b"allow")


def shell_reason(body: bytes) -> str | None:
    """Why the page *body* (HTML, content-decoded) looks like a JavaScript shell, or
    None for a page whose static HTML holds its text."""
    head = body[:SNIFF_BYTES].lower()
    if b"<" not in head:
        return None
    found = _EMPTY_ROOT.search(head) or _APP_TAG.search(head)
    if found is not None:
        return f"empty app root ({found.group(1).decode('ascii', 'replace')})"
    noscript = _asks_for_javascript(head)
    scripts = b"<script" in head
    if not noscript and not scripts:
        return None
    shown = visible_length(head)
    if noscript and shown <= NOSCRIPT_TEXT:
        return "noscript asks for JavaScript"
    if shown <= SHELL_TEXT and _SCRIPT_SRC.search(head):
        return f"little text ({shown} characters) and scripts"
    return None


def _asks_for_javascript(head: bytes) -> bool:
    start = 0
    while (start := head.find(b"<noscript", start)) >= 0:
        end = head.find(b"</noscript", start)
        content = head[start : end if end >= 0 else start + 2000][:2000]
        if b"javascript" in content and any(word in content for word in _JS_WORDS):
            return True
        start += 9
    return False
