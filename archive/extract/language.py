"""The language of an article's text, told from the text itself (CLD2, offline, ~0.1 ms per
page), for pages that declare no language or a wrong one. Pure, no Scrapy."""

from __future__ import annotations

import pycld2

__all__ = ["detect_language", "text_language"]

# the detector reads at most this much text: enough for a confident answer, and bounded cost
_MAX_CHARS = 20_000
# below this much text a detection is not trusted over a page's own declaration
_MIN_CHARS_TO_OVERRIDE = 400
# share (percent) of the text the top language must cover to be trusted
_MIN_PERCENT = 80
_MIN_PERCENT_TO_OVERRIDE = 90
# CLD2's legacy codes, as ISO 639-1 has them today
_MODERN = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "sh": "sr"}
# languages CLD2 may take for one another: a declaration among them is never overridden
_CLOSE = [
    frozenset({"no", "nb", "nn", "da"}),
    frozenset({"sr", "hr", "bs", "me"}),
    frozenset({"ms", "id"}),
    frozenset({"cs", "sk"}),
    frozenset({"gl", "pt", "es"}),
    frozenset({"ca", "es"}),
]


def detect_language(text: str) -> tuple[str, int] | None:
    """``(ISO 639-1 code, percent of the text)`` of the text's main language, or None when
    the detector is not sure."""
    sample = text[:_MAX_CHARS]
    if not sample.strip():
        return None
    try:
        reliable, _, details = pycld2.detect(sample)
    except pycld2.error:
        # invalid UTF-8 (a lone surrogate): retry without the characters it rejects
        try:
            reliable, _, details = pycld2.detect(sample.encode("utf-8", "ignore").decode())
        except pycld2.error:
            return None
    if not reliable or not details:
        return None
    _, code, percent, _ = details[0]
    code = code.split("-")[0].lower()
    if code in ("un", "xx", "") or percent < _MIN_PERCENT:
        return None
    return _MODERN.get(code, code), int(percent)


def _close(a: str, b: str) -> bool:
    return any(a in group and b in group for group in _CLOSE)


def text_language(declared: str | None, text: str) -> str | None:
    """The article's language: the page's declaration (an ISO 639 primary subtag), unless
    it declares none, or the text is long and plainly in another language."""
    found = detect_language(text)
    if found is None:
        return declared
    code, percent = found
    if declared is None:
        return code
    if (
        code != declared
        and len(text) >= _MIN_CHARS_TO_OVERRIDE
        and percent >= _MIN_PERCENT_TO_OVERRIDE
        and not _close(code, declared)
    ):
        return code
    return declared
