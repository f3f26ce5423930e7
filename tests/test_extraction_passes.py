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


# -- trafilatura's metadata fallbacks not run where they cannot find anything -------------

# one markup for each way trafilatura's AUTHOR_XPATHS can take an element
AUTHOR_MARKUPS = [
    '<a rel="author" href="/by/ann">Ann Writer</a>',
    '<span id="author">Ann Writer</span>',
    '<div class="author">Ann Writer</div>',
    '<span itemprop="author name">Ann Writer</span>',
    '<div data-testid="AuthorCard">Ann Writer</div>',
    '<p class="article-authorname">Ann Writer</p>',
    "<author>Ann Writer</author>",
    '<div class="byline">Ann Writer</div>',
    '<span class="username">Ann Writer</span>',
    '<span class="byl">Ann Writer</span>',
    '<span class="BBL">Ann Writer</span>',
    '<span itemprop="creator author">Ann Writer</span>',
    '<h3 id="zuozhe-box">Ann Writer</h3>',
    '<p class="posted-by">Ann Writer</p>',
    '<span class="journalist-name">Ann Writer</span>',
    '<em data-component="ArticleByline">Ann Writer</em>',
    '<em id="theAuthor">Ann Writer</em>',
    '<em class="screenname">Ann Writer</em>',
    '<em class="staff-writer">Ann Writer</em>',
    '<em class="Byline-text">Ann Writer</em>',
]


def _tree(body: str, head: str = "") -> Any:
    import lxml.html

    return lxml.html.document_fromstring(
        f"<html><head><title>T</title>{head}</head><body><article><p>{'Text. ' * 40}</p>"
        f"{body}<p>{'More. ' * 40}</p></article></body></html>"
    )


def _skeleton_author(tree: Any) -> str | None:
    skeleton = mod._author_skeleton(tree)
    return mod.extract_author(skeleton) if skeleton is not None else None


@pytest.mark.parametrize("markup", AUTHOR_MARKUPS)
def test_author_skeleton_keeps_what_extract_author_takes(markup: str) -> None:
    tree = _tree(markup)
    assert mod.extract_author(tree) == "Ann Writer"
    skeleton = mod._author_skeleton(tree)
    assert skeleton is not None
    assert len(list(skeleton.iter())) < len(list(tree.iter()))
    assert mod.extract_author(skeleton) == "Ann Writer"


# layouts where what extract_author takes depends on more than the element itself
AUTHOR_LAYOUTS = [
    # the first match in document order, not the first found by the walk
    '<div><rel>me</rel><span class="author">Second Name</span>First Name</div>'
    '<p class="author">Third Name</p>',
    '<p class="author"><span class="byline">Inner Name</span> and more</p>',
    # a match inside what the pruning discards (an ancestor, a figure, a time)
    '<div class="sidebar"><span class="author">Side Name</span></div>'
    '<figure><span class="author">Photo Name</span></figure><span class="author">Real Name</span>',
    '<span class="author"><time>today</time>Name <a class="date">x</a>After Date</span>',
    # tails of discarded descendants stay in the text, joined as the pruning joins them
    '<span class="author">Ann<div class="comments">c</div>ette Writer</span>',
    # too long, too short: the next match is taken
    f'<span class="author">{"x" * 130}</span><span class="author">ab</span>'
    '<div class="byline">By Jo Writer</div>',
    # a name lxml's element factory refuses: the whole page is read
    '<o:p><span class="author">Office Name</span></o:p>',
    # rel=me on an element extract_author does not list
    '<article><rel>me</rel>Not Taken</article><em class="writer">Em Writer</em>',
]


@pytest.mark.parametrize("markup", AUTHOR_LAYOUTS)
def test_author_skeleton_reads_as_the_whole_page(markup: str) -> None:
    for tree in (_tree(markup), _tree(f"<div><div>{markup}</div></div>{markup}")):
        assert _skeleton_author(tree) == mod.extract_author(tree)
        assert mod.extract_author(tree) is not None


def test_no_author_candidate_no_extract_author(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = '<p class="note">Ann Writer</p><span id="x" rel="nofollow">Author unknown</span>'
    tree = _tree(plain)
    assert mod._author_skeleton(tree) is None
    assert mod.extract_author(tree) is None
    page = fixture_page(LONG_PARAS).replace('<meta name="author" content="Jane Doe">', "")
    _forbid(monkeypatch, "extract_author")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["author"] is None


# one markup for each way extract_catstags can take a link: (kind, markup, what it finds)
CATSTAG_MARKUPS = [
    ("category", '<div class="post-meta"><a href="/category/world/">World</a></div>', "World"),
    ("category", '<div class="entry-info x"><a href="/categories/a/">A</a></div>', "A"),
    ("category", '<div id="postpath"><a href="/category/b/">B</a></div>', "B"),
    ("category", '<p class="postmeta"><a href="/category/c/">C</a></p>', "C"),
    ("category", '<p id="filedunder"><a href="/category/d/">D</a></p>', "D"),
    ("category", '<footer class="entry-footer"><a href="/category/e/">E</a></footer>', "E"),
    ("category", '<span class="cat-links"><a href="/category/f/">F</a></span>', "F"),
    ("category", '<li class="post-category"><a href="/category/g/">G</a></li>', "G"),
    ("category", '<header class="entry-header"><a href="/category/h/">H</a></header>', "H"),
    ("category", '<div class="row"><a href="/category/i/">I</a></div>', "I"),
    ("tag", '<div class="tags"><a href="/tag/one/">One</a></div>', "One"),
    ("tag", '<p class="entry-tags"><a href="/tags/two/">Two</a></p>', "Two"),
    ("tag", '<div class="jp-relatedposts"><a href="/tag/three/">Three</a></div>', "Three"),
    ("tag", '<div class="metadata"><a href="/tag/four/">Four</a></div>', "Four"),
    ("tag", '<section class="topics"><a href="/tag/five/">Five</a></section>', "Five"),
    ("tag", '<ul class="tags-links"><li><a href="/tag/six/">Six</a></li></ul>', "Six"),
]


@pytest.mark.parametrize(("kind", "markup", "found"), CATSTAG_MARKUPS)
def test_catstag_links_cover_what_extract_catstags_takes(
    kind: str, markup: str, found: str
) -> None:
    tree = _tree(markup)
    assert found in mod.extract_catstags(kind, tree)
    fallback = mod._Fallback(tree, markup, URL, {}, mod._Meta(tree))
    assert fallback._linked(kind) is True
    assert found in (fallback.tags() if kind == "tag" else fallback.categories())


def test_catstag_links_elsewhere_are_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    markup = (
        '<ul class="x"><li><a href="/tag/orphan/">Orphan</a></li></ul>'
        '<div class="post-meta"><a href="/topics/a/">A</a></div>'
    )
    tree = _tree(markup)
    assert mod.extract_catstags("tag", tree) == []
    assert mod.extract_catstags("category", tree) == []
    source = markup + "/category/ article:section"
    fallback = mod._Fallback(tree, source, URL, {}, mod._Meta(tree))
    _forbid(monkeypatch, "extract_catstags")
    assert fallback.tags() == []
    assert fallback.categories() == []
    # a section meta tag is searched for (categories only)
    with_meta = _tree(markup, '<meta property="article:section" content="Sport">')
    monkeypatch.undo()
    fallback = mod._Fallback(with_meta, source, URL, {}, mod._Meta(with_meta))
    assert fallback.categories() == mod.extract_catstags("category", with_meta) == ["Sport"]


def test_meta_tags_asked_of_trafilatura_only_where_the_page_has_such_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tagged = _tree("", '<meta name="Keywords" content="alpha, beta">')
    fallback = mod._Fallback(tagged, "", URL, {}, mod._Meta(tagged))
    assert fallback.tags() == mod.examine_meta(tagged).tags == ["alpha, beta"]
    plain = _tree("", '<meta name="description" content="alpha, beta">')
    _forbid(monkeypatch, "examine_meta")
    assert mod._Fallback(plain, "", URL, {}, mod._Meta(plain)).tags() == []


# -- protect_chars: the same tree as the one walk over every text it replaced --------------


def _protect_reference(tree: Any, source: str) -> bool:
    """protect_chars as it was before issue 21's second round (every text translated, or
    the "&" text nodes found by XPath)."""
    from lxml.etree import XPath

    import archive.extract.textclean as tc

    if not source.isascii():
        astral = set(tc._ASTRAL_RE.findall(source))
        if any(tc._PLACEHOLDER_RE.match(ch) for ch in astral):
            return False
        if any(tc._SPECIAL_ASTRAL_RE.match(ch) for ch in astral) or tc._SPECIAL_BMP_RE.search(
            source
        ):
            for el in tree.iter():
                if el.text:
                    el.text = el.text.translate(tc._PROTECT_TABLE)
                if el.tail:
                    el.tail = el.tail.translate(tc._PROTECT_TABLE)
            return True
    amp = XPath("//text()[contains(., '&')][not(parent::script or parent::style)]")
    for text in amp(tree):
        parent = text.getparent()
        if text.is_text:
            parent.text = parent.text.translate(tc._PROTECT_TABLE)
        elif text.is_tail:
            parent.tail = parent.tail.translate(tc._PROTECT_TABLE)
    return True


PROTECT_PAGES = [
    "<p>AT&amp;T and R&amp;D</p><script>if (a && b) {}</script>&amp; tail"
    "<style>a::after { content: '&' }</style><!-- a & b --> after & comment",
    "<p>Soft\u00adhyphen &amp; more</p><script>var s = 'a\u200cb & c';</script>"
    "<!-- comment & \u00ad --> tail \u200b &amp;",
    "<p>Tag \U000e0067 char &amp; emoji \U0001f600</p><script>x && y</script>",
    "<p>Placeholder \U0001d800 &amp;</p>",
    "<p>Entities &amp;shy; &shy; &#x200B; only</p><script>1 & 2</script>",
    "<p>caf\u00e9 &amp; cr\u00e8me</p><div>t<br>&amp; after br</div><?pi & ?> x &amp;",
]


@pytest.mark.parametrize("body", PROTECT_PAGES)
def test_protect_chars_changes_the_tree_as_before(body: str) -> None:
    import lxml.html
    from lxml import etree

    source = f"<html><head><title>t &amp; u</title></head><body>{body}</body></html>"
    ours, reference = (lxml.html.document_fromstring(source) for _ in range(2))
    special = mod._UNUSUAL_RE.search(source) is not None
    protected = protect_chars(ours, source, None if special else False)
    assert protected == _protect_reference(reference, source)
    assert etree.tostring(ours, encoding="unicode") == etree.tostring(reference, encoding="unicode")
    text = etree.tostring(ours, method="text", encoding="unicode")
    assert (unprotect_chars(text) if protected else text) == etree.tostring(
        lxml.html.document_fromstring(source), method="text", encoding="unicode"
    )


def test_fallback_shortcuts_hold_on_every_fixture_page() -> None:
    """On every golden page: where the shortcut says trafilatura would find nothing, it
    finds nothing."""
    from tests.test_extraction_golden import golden_pages

    checked = 0
    for _name, url, body, content_type in golden_pages():
        text, _ = mod.decode_html(body, content_type)
        tree = mod._parse(text)
        if tree is None:
            continue
        fallback = mod._Fallback(tree, text, url, {}, mod._Meta(tree))
        assert _skeleton_author(tree) == mod.extract_author(tree)
        for kind in ("tag", "category"):
            if not fallback._linked(kind) and not (
                kind == "category" and mod._SECTION_META_XPATH(tree)
            ):
                assert mod.extract_catstags(kind, tree) == []
        if mod._META_TAG_NAMES.isdisjoint(mod._Meta(tree).props):
            assert mod.examine_meta(tree).tags == []
        checked += 1
    assert checked > 50
