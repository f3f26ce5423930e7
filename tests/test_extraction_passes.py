"""How extract_article spends its work (issue 21): trafilatura's fast mode first and its
full cascade only when that looks short; trafilatura's metadata only for a field the
page's markup lacks; the page's own markup read before the tree is pruned."""

from __future__ import annotations

from typing import Any

import pytest

import archive.extract.article as mod
from archive.extract.article import extract_article
from archive.extract.textclean import protect_chars, unprotect_chars
from tests.test_extraction import PARAS, URL, fixture_page

# long enough (> 1,000 characters) for the fast pass to be kept
LONG_PARAS = PARAS * 3


def _record_passes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    real = mod.bare_extraction
    passes: list[tuple[str, bool]] = []

    def spy(tree: Any, options: Any) -> Any:
        passes.append((options.focus, options.fast))
        return real(tree, options=options)

    monkeypatch.setattr(mod, "bare_extraction", spy)
    return passes


def _forbid(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("trafilatura metadata asked for although the markup has it")

    for name in names:
        monkeypatch.setattr(mod, name, fail)


def test_long_article_takes_one_fast_pass_and_no_trafilatura_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes = _record_passes(monkeypatch)
    _forbid(monkeypatch, "find_date", "extract_author", "extract_title", "extract_sitename")
    result = extract_article(fixture_page(LONG_PARAS).encode(), URL)
    assert passes == [("precision", True)]
    article = result.article
    assert article is not None
    assert article["text"].split("\n") == LONG_PARAS
    assert article["published"] == "2021-08-13T14:05:00+00:00"
    assert article["author"] == "Jane Doe"
    assert article["sitename"] == "Fixture Press"
    # the tag list is pruned before extraction, yet its rel=tag links were read before
    assert article["tags"] == ["Local politics", "Budget", "Cafés"]


def test_short_fast_text_gets_the_full_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = _record_passes(monkeypatch)
    result = extract_article(fixture_page(PARAS[:2]).encode(), URL)  # < 500 characters
    assert passes == [("precision", True), ("precision", False)]
    assert result.article is not None
    assert result.article["text"] == "\n".join(PARAS[:2])


def test_table_dominated_fast_text_gets_the_full_cascade(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = "".join(
        f"<tr><td>Row {i} of the long results table</td><td>{i * 17} points scored</td></tr>"
        for i in range(40)
    )
    page = fixture_page(LONG_PARAS[:1]).replace(
        "</article>", f"<h2>Results</h2><table>{rows}</table>" * 3 + "</article>"
    )
    passes = _record_passes(monkeypatch)
    result = extract_article(page.encode(), URL)
    assert passes[:2] == [("precision", True), ("precision", False)]
    assert result.article is not None


def test_date_missing_from_markup_is_asked_of_htmldate_only_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str | None] = []
    real = mod.find_date

    def spy(tree: Any, **params: Any) -> Any:
        calls.append(params.get("url"))
        return real(tree, **params)

    monkeypatch.setattr(mod, "find_date", spy)
    assert extract_article(fixture_page(LONG_PARAS).encode(), URL).article is not None
    assert calls == []

    page = (
        fixture_page(LONG_PARAS)
        .replace('<meta property="article:published_time" content="2021-08-13T14:05:00+00:00">', "")
        .replace('<time datetime="2021-08-13T14:05:00+00:00">Aug 13, 2021</time>', "")
    )
    assert "2021-08-13" not in page
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert len(calls) == 1
    # htmldate reads the date from the URL (/2021/08/), as trafilatura's metadata did
    assert result.article["published"] is not None
    assert result.article["published"].startswith("2021-08")


def test_author_missing_from_markup_comes_from_trafilatura(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = fixture_page(LONG_PARAS).replace('<meta name="author" content="Jane Doe">', "")
    page = page.replace(
        "<h1>", '<p class="author-name"><a rel="author" href="/by/ann">Ann Other Writer</a></p><h1>'
    )
    asked: list[bool] = []
    real = mod.extract_author

    def spy(tree: Any) -> Any:
        asked.append(True)
        return real(tree)

    monkeypatch.setattr(mod, "extract_author", spy)
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert asked == [True]
    assert result.article["author"] == "Ann Other Writer"


def test_protect_chars_still_finds_astral_characters_among_emoji() -> None:
    import lxml.html

    # an emoji (astral, not protected) and a tag character (astral, protected)
    source = "<html><body><p>Flag \U0001f3f4\U000e0067\U000e007f here</p></body></html>"
    tree = lxml.html.document_fromstring(source)
    assert protect_chars(tree, source) is True
    text = tree.findtext(".//p")
    assert "\U000e0067" not in text
    assert unprotect_chars(text) == "Flag \U0001f3f4\U000e0067\U000e007f here"
    # an emoji alone: nothing to protect but "&"
    plain = "<html><body><p>Cats \U0001f431 &amp; dogs</p></body></html>"
    tree = lxml.html.document_fromstring(plain)
    assert protect_chars(tree, plain) is True
    assert "&" not in tree.findtext(".//p")
    assert "\U0001f431" in tree.findtext(".//p")
    # a page that already uses the placeholder block is left alone
    taken = "<html><body><p>Sign \U0001d800 &amp; more</p></body></html>"
    tree = lxml.html.document_fromstring(taken)
    assert protect_chars(tree, taken) is False
    assert tree.findtext(".//p") == "Sign \U0001d800 & more"


def test_fast_text_that_is_a_small_share_of_the_page_gets_the_full_cascade() -> None:
    import lxml.html
    from lxml.etree import Element, SubElement

    body = Element("body")
    SubElement(body, "p").text = "x" * 600
    fast = type("Doc", (), {"text": "x" * 600, "body": body})()
    page = lxml.html.document_fromstring(
        "<html><body><p>" + "y" * 1000 + "</p><p>" + "z" * 1399 + "</p></body></html>"
    )
    assert mod._needs_full_pass(fast, page) is False  # 600 of 2,399: a quarter at least
    SubElement(page.find("body"), "p").text = "w" * 2
    assert mod._needs_full_pass(fast, page) is True  # 600 of 2,401: less than a quarter
    short = type("Doc", (), {"text": "x" * 499, "body": body})()
    assert mod._needs_full_pass(short, lxml.html.document_fromstring("<p>x</p>")) is True
    assert mod._needs_full_pass(None, page) is True
