"""The XPath stand-ins (archive/extract/standins.py) select what trafilatura's expressions
select: on every fixture page, on trees trafilatura itself builds during extraction, and on
small pages made to reach each clause (and to miss it narrowly)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trafilatura.xpaths
from lxml import etree

from archive.extract import standins
from archive.extract.article import _parse, extract_article
from tests.test_extraction_golden import PAGE_LIST

TEMPLATES = Path(__file__).parent / "anysite" / "templates"


def installed() -> list[standins.StandIn]:
    found = []
    for list_name, index in standins.STANDINS:
        expression = getattr(trafilatura.xpaths, list_name)[index]
        assert isinstance(expression, standins.StandIn), f"{list_name}[{index}] is not replaced"
        found.append(expression)
    return found


def test_every_stand_in_replaces_its_expression() -> None:
    """A new trafilatura whose expression changed keeps its XPath: this names which."""
    outcome = standins.install()
    assert outcome == {f"{name}[{index}]": "installed" for name, index in standins.STANDINS}
    assert len(installed()) == len(standins.STANDINS) == 12


def test_an_expression_of_other_text_is_kept() -> None:
    standins.uninstall()
    expressions = trafilatura.xpaths.RAW_TREE_PRUNE_XPATH
    original = expressions[1]
    changed = etree.XPath(".//*[self::div or self::section][contains(@class, 'x')]")
    expressions[1] = changed
    try:
        outcome = standins.install()
        assert outcome["RAW_TREE_PRUNE_XPATH[1]"] == "the expression changed"
        assert expressions[1] is changed
        assert outcome["RAW_TREE_PRUNE_XPATH[0]"] == "installed"
    finally:
        expressions[1] = original
        standins.install()
    installed()


def test_literals_are_read_from_the_expression() -> None:
    path = """.//*[self::div][re:test(@id, '^a|b') or contains(@class, "it's")]"""
    assert standins.literals(path) == ["^a|b", "it's"]
    assert standins.skeleton(path) == ".//*[self::div][re:test(@id, '') or contains(@class, '')]"
    assert standins.fingerprint(path) == standins.fingerprint(path.replace("^a|b", "c"))
    assert standins.fingerprint(path) != standins.fingerprint(path.replace("@id", "@class"))


@pytest.mark.parametrize(
    ("value", "source", "target"),
    [
        ("Main-Content", "CM", "cm"),
        ("NAVnav", "N", "n"),
        ("abcabc", "ab", "B"),
        ("aXa", "aa", "bc"),
    ],
)
def test_translate_is_xpaths(value: str, source: str, target: str) -> None:
    expected = etree.XPath(f"translate(@v, '{source}', '{target}')")(etree.Element("e", v=value))
    assert standins._translator(source, target)(value) == expected


# -- the same elements --------------------------------------------------------------------------
def compare(tree: Any, seen: Counter[str]) -> list[str]:
    """Each stand-in and its expression on *tree*; the names of those that differ."""
    differ = []
    for stand_in in installed():
        expected = stand_in.xpath(tree)
        if stand_in.select(tree) != expected:
            differ.append(stand_in.name)
        seen[stand_in.name] += bool(expected)
    return differ


def fixture_pages() -> Iterator[tuple[str, str, bytes]]:
    for name, url, body, _ in PAGE_LIST:
        yield name, url, body
    for file in sorted(TEMPLATES.glob("*.html")):
        yield "anysite/" + file.name, f"https://{file.stem}.example/news/1", file.read_bytes()


def test_same_elements_on_every_fixture_page() -> None:
    seen: Counter[str] = Counter()
    pages = list(fixture_pages())
    assert len(pages) > 60
    for name, _, body in pages:
        tree = _parse(body.decode("utf-8", "replace"))
        assert tree is not None, name
        assert compare(tree, seen) == [], name
    # the fixture pages reach the expressions of the raw tree
    assert seen["REMOVE_COMMENTS_AND_LISTS_XPATH[0]"] and seen["BODY_XPATH[0]"]


def test_same_elements_on_the_trees_trafilatura_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """During extraction the expressions also run on trafilatura's converted trees (<list>,
    <item>, <head>, …), pruned between one expression and the next. (Every page extracted,
    judged or not: a page judged no article never reaches trafilatura.)"""
    calls: Counter[str] = Counter()
    differ: Counter[str] = Counter()
    chose: Counter[str] = Counter()
    for stand_in in installed():

        def checked(
            tree: Any,
            stand_in: standins.StandIn = stand_in,
            select: Any = stand_in.select,
        ) -> list[Any]:
            expected = stand_in.xpath(tree)
            calls[stand_in.name] += 1
            chose[stand_in.name] += bool(expected)
            differ[stand_in.name] += select(tree) != expected
            return expected  # type: ignore[no-any-return]

        monkeypatch.setattr(stand_in, "select", checked)
    for _, url, body in list(fixture_pages()) + [(n, "https://e.example/1", b) for n, b in EDGE]:
        extract_article(body, url, None, True)
    assert sum(differ.values()) == 0, differ
    assert set(calls) == {s.name for s in installed()}, "a stand-in was never called"
    # and selected something there (the share-buttons prune excepted: our own boilerplate
    # pruning takes every such block first; the raw-tree test above reaches it)
    assert {n for n in calls if not chose[n]} <= {"RAW_TREE_PRUNE_XPATH[1]"}, chose


# pages that reach each clause of each expression, and miss it narrowly
def _page(body: str) -> bytes:
    text = "A paragraph long enough to be kept as the text of the page, with a few words. " * 4
    return f"<html><head><title>T</title></head><body>{body}<p>{text}</p></body></html>".encode()


EDGE = [
    (
        "infinite-scroll",
        _page(
            '<div id="infinite-scroll"><p>x</p></div><section class="x '
            'infinitescroll"><h1>Kept</h1></section>'
            '<aside class="mvp-post-add-box"><h1>H</h1></aside>'
        ),
    ),
    (
        "share-buttons",
        _page(
            '<div class="elementor-share-buttons--view"><a>s</a></div>'
            '<span class="elementor-share-buttons">not a div</span>'
        ),
    ),
    (
        "comments",
        _page(
            '<div id="comments"><p>c</p></div><div id="Commentary"><p>k</p></div>'
            '<ul class="comment-list"><li>c</li></ul><ol id="dsq-comments"><li>kept</li></ol>'
            '<ol id="comol"><li>gone</li></ol><details class="post-comments">d</details>'
            '<section id="disqus_thread">d</section><div class="xcomment">kept</div>'
        ),
    ),
    (
        "attribute order",
        _page(
            '<div class="cookie" id="main">a</div><div id="main" '
            'class="cookie">b</div><p id="reply-2" class="x">r</p><p class="x" id="reply-3">r</p>'
            '<span style="color:red" id="hidden-1">h</span><span id="x" style="hidden">h</span>'
        ),
    ),
    (
        "discard",
        _page(
            '<div data-lp-replacement-content="">e</div><div role="Navigation">n'
            '</div><p data-component="MostPopularStories">m</p><span class="share-x">s</span>'
            '<section id="sidebar">s</section><div class="byline">b</div>'
            '<div class="x ad y">a</div>'
            '<div class="tag-list">t</div><div class="Footer">f</div><div id="Share">s</div>'
        ),
    ),
    (
        "hidden",
        _page(
            '<div class="comments-title">c</div><p style="display:none">h</p>'
            '<b style="display: none">h</b><em aria-hidden="true">a</em><em aria-hidden="false">v'
            '</em><div id="akismet">a</div><i class="x hide">h</i><i class="noprint">n</i>'
        ),
    ),
    (
        "precision",
        _page(
            '<div class="page-bottom">b</div><div class="bottom-bar">b</div>'
            '<div class="padding-bottom-lg">kept</div><p class="link">l</p><p class="links">kept'
            '</p><span style="border: 1px solid">b</span><header>h</header>'
        ),
    ),
    (
        "teasers and captions",
        _page(
            '<div class="Teaser-box">t</div><p id="TEASER">t</p>'
            '<span class="photo-caption">c</span><div id="caption">c</div>'
        ),
    ),
    (
        "article body",
        _page(
            '<div><div class="x">a</div><div class="post">p</div><section '
            'itemprop="articleBody">b</section></div><main id="articleContent">c</main><article '
            'class="article-body"><div class="post-content">n</div></article>'
        ),
    ),
    (
        "story body",
        _page(
            '<div class="a"><div role="article">r</div></div><div '
            'class="FullText">f</div><div class="story">s</div><div id="primary">p</div>'
        ),
    ),
    ("story body, case", _page('<section class="x FULLTEXT y">f</section>')),
    (
        "main content",
        _page(
            '<div id="x"><div class="Page-Content">p</div></div><div '
            'id="Main-Content">m</div><div class="content">c</div>'
        ),
    ),
    ("nothing", _page('<div><p>plain</p></div><!-- <div class="comment">no</div> -->')),
]


@pytest.mark.parametrize(("name", "body"), EDGE, ids=[name for name, _ in EDGE])
def test_same_elements_on_pages_made_for_each_clause(name: str, body: bytes) -> None:
    tree = _parse(body.decode())
    assert tree is not None
    assert compare(tree, Counter()) == []


def test_the_pages_made_for_each_clause_reach_every_stand_in() -> None:
    seen: Counter[str] = Counter()
    for _, body in EDGE:
        tree = _parse(body.decode())
        compare(tree, seen)
    assert {s.name for s in installed()} <= {name for name, hits in seen.items() if hits}


def test_a_stand_in_that_differs_is_caught() -> None:
    """The comparison above can fail: a stand-in built from one wrong literal differs."""
    stand_in = trafilatura.xpaths.OVERALL_DISCARD_XPATH[1]
    wrong = standins.literals(stand_in.path)
    wrong[3] = "display:block"
    select = standins.STANDINS[("OVERALL_DISCARD_XPATH", 1)][1](wrong)
    tree = _parse(dict(EDGE)["hidden"].decode())
    assert select(tree) != stand_in.xpath(tree)


def test_an_element_tree_or_variables_go_to_the_expression() -> None:
    stand_in = installed()[0]
    tree = _parse(dict(EDGE)["infinite-scroll"].decode())
    assert tree is not None
    document = tree.getroottree()
    assert stand_in(document) == stand_in.xpath(document)
    assert stand_in(tree) == stand_in.xpath(tree)
