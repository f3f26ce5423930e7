"""Article or not, per page (archive/extract/articleness.py): the verdict and the named signals on
page structures copied (trimmed, with invented text) from real sites — a WordPress post,
category, tag and author archive, a 200 "page not found", a CMS about page and a privacy
page typed as articles, a gallery typed as NewsArticle, a live blog, a section front, a
Joomla ``index.php?option=com_content&id=12`` article, an old table layout with nothing
but a dated URL — and each signal alone on hand-made facts. No network."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.extract.articleness import (
    THRESHOLD,
    ArticleVerdict,
    PageFacts,
    _newsy_url,
    article_signals,
    dated_url,
    error_page,
    gallery,
    id_url,
    listing,
    little_text,
    long_text,
    page_facts,
    service_page,
    structured_article,
    tag_or_author_page,
    text_outside_links,
)
from tests.fixture_site import NewsSite, default_articles

PAGES = Path(__file__).parent / "pages"


def _verdict(
    name: str,
    url: str,
    replace: dict[str, str] | None = None,
    *,
    from_sitemap_or_feed: bool = False,
) -> ArticleVerdict:
    html = (PAGES / name).read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in html
        html = html.replace(old, new)
    verdict = article_signals(html.encode("utf-8"), url, from_sitemap_or_feed=from_sitemap_or_feed)
    assert verdict.score == pytest.approx(sum(s.weight for s in verdict.signals))
    assert verdict.is_article == (verdict.score >= THRESHOLD)
    return verdict


# page, URL, is it an article, signals that must fire, signals that must not
CASES = [
    (
        "article_wordpress_post.html",
        "https://eastbay.example/2024/03/05/harbour-ferry-returns/",
        True,
        {"structured_article", "og_type_article", "published_time", "dated_url", "long_text"},
        {"listing", "tag_or_author_page", "service_page", "little_text", "gallery"},
    ),
    (
        "article_plain_dated.html",
        "http://hillside.example/2023/11/07/orchard-frost.html",
        True,
        {"dated_url", "long_text", "text_outside_links"},
        {"structured_article", "og_type_article", "published_time", "listing"},
    ),
    (
        "article_joomla_query.html",
        "https://lakeshore.example/index.php?option=com_content&view=article&id=12&Itemid=101",
        True,
        {"structured_article", "id_url"},
        {"tag_or_author_page", "listing", "little_text"},
    ),
    (
        "nonarticle_wordpress_category.html",
        "https://eastbay.example/category/local/",
        False,
        {"listing", "tag_or_author_page", "little_text"},
        {"structured_article", "og_type_article"},
    ),
    (
        "nonarticle_tag_page.html",
        "https://eastbay.example/tag/ferry/",
        False,
        {"listing", "tag_or_author_page"},
        {"structured_article"},
    ),
    (
        "nonarticle_author_page.html",
        "https://eastbay.example/author/mara/",
        False,
        {"listing", "tag_or_author_page"},
        {"structured_article"},
    ),
    (
        "nonarticle_about_typed_article.html",
        "https://riverside.example/about-us",
        False,
        {"structured_article", "og_type_article", "published_time", "service_page", "little_text"},
        {"long_text"},
    ),
    (
        "nonarticle_privacy.html",
        "https://eastbay.example/privacy-policy/",
        False,
        {"og_type_article", "service_page", "long_text"},
        {"structured_article"},
    ),
    (
        "nonarticle_gallery_newsarticle.html",
        "https://valley.example/photos/2024/04/14/spring-lantern-festival/",
        False,
        {"structured_article", "og_type_article", "dated_url", "gallery", "little_text"},
        {"long_text"},
    ),
    (
        "nonarticle_liveblog.html",
        "https://eastbay.example/news/live/2024/mar/05/harbour-hearing",
        False,
        {"live_blog", "og_type_article", "dated_url"},
        {"structured_article"},
    ),
    (
        "nonarticle_not_found_200.html",
        "https://eastbay.example/2024/03/05/gone-story/",
        False,
        {"error_page", "dated_url"},
        {"og_type_article"},
    ),
    (
        "nonarticle_section_front.html",
        "https://northgate.example/news/politics",
        False,
        {"listing", "little_text"},
        {"structured_article", "og_type_article", "long_text"},
    ),
]


@pytest.mark.parametrize(("name", "url", "expected", "fired", "silent"), CASES)
def test_fixture_pages(
    name: str, url: str, expected: bool, fired: set[str], silent: set[str]
) -> None:
    verdict = _verdict(name, url)
    assert verdict.is_article is expected, verdict.explain()
    assert fired <= verdict.names, verdict.explain()
    assert not silent & verdict.names, verdict.explain()


def test_a_sitemap_or_feed_entry_adds_to_the_score_but_does_not_make_a_listing_an_article() -> None:
    url = "https://northgate.example/news/politics"
    alone = _verdict("nonarticle_section_front.html", url)
    listed = _verdict("nonarticle_section_front.html", url, from_sitemap_or_feed=True)
    assert "in_sitemap_or_feed" in listed.names and "in_sitemap_or_feed" not in alone.names
    assert listed.score > alone.score
    assert not listed.is_article


def test_about_page_typed_as_article_is_rejected_for_its_little_text_alone() -> None:
    """Renamed, at a URL that says nothing, the CMS about page still is not an article."""
    verdict = _verdict(
        "nonarticle_about_typed_article.html",
        "https://riverside.example/node/12",
        {"About us": "Our newsroom"},
    )
    assert "service_page" not in verdict.names
    assert {"structured_article", "og_type_article", "little_text"} <= verdict.names
    assert not verdict.is_article, verdict.explain()


def test_gallery_without_a_gallery_url_is_found_by_its_captions() -> None:
    verdict = _verdict(
        "nonarticle_gallery_newsarticle.html",
        "https://valley.example/news/2024/04/14/spring-lantern-festival/",
        from_sitemap_or_feed=True,
    )
    assert [s.detail for s in verdict.signals if s.name == "gallery"] == ["8 captions"]
    assert not verdict.is_article, verdict.explain()


def test_plain_article_is_an_article_without_a_dated_url_too() -> None:
    verdict = _verdict("article_plain_dated.html", "http://hillside.example/news/orchard-frost")
    assert "dated_url" not in verdict.names
    assert verdict.is_article, verdict.explain()


def test_a_long_text_with_gallery_type_and_pictures_stays_an_article() -> None:
    """A review typed ImageGallery (seen on a WordPress site) with a long text."""
    verdict = _verdict(
        "article_wordpress_post.html",
        "https://eastbay.example/2024/03/05/harbour-ferry-returns/",
        {'"@type":"WebPage"': '"@type":["WebPage","ImageGallery"]'},
    )
    assert "gallery" not in verdict.names
    assert verdict.is_article, verdict.explain()


def test_live_blog_typed_also_as_article_is_not_an_article() -> None:
    verdict = _verdict(
        "nonarticle_liveblog.html",
        "https://eastbay.example/news/live/2024/mar/05/harbour-hearing",
        {'"@type":"LiveBlogPosting"': '"@type":["LiveBlogPosting","NewsArticle"]'},
        from_sitemap_or_feed=True,
    )
    assert {"live_blog", "structured_article"} <= verdict.names
    assert not verdict.is_article


def test_joomla_category_view_is_a_listing_url() -> None:
    verdict = _verdict(
        "nonarticle_section_front.html",
        "https://lakeshore.example/index.php?option=com_content&view=category&id=8&Itemid=101",
    )
    assert "tag_or_author_page" in verdict.names
    assert "id_url" in verdict.names  # id=8 reads as an ID; the listing signals outweigh it
    assert not verdict.is_article


def test_a_joomla_blog_view_of_microdata_articles_is_a_listing() -> None:
    """Several itemscope teasers (Joomla's blog layout; 4 here and the aside's 1) make a list."""
    html = (PAGES / "article_joomla_query.html").read_text(encoding="utf-8")
    start = html.index('<div class="item-page"')
    end = html.index("</main>")
    teaser = (
        '<div class="items-row"><div class="item" itemprop="blogPost" itemscope '
        'itemtype="https://schema.org/BlogPosting"><h2 itemprop="name"><a href="/x" '
        'itemprop="url">A short headline</a></h2><p>One line of the story.</p></div></div>'
    )
    blog = '<div class="blog" itemscope itemtype="https://schema.org/Blog">' + teaser * 4
    url = "https://lakeshore.example/index.php?option=com_content&view=article&id=8"
    verdict = article_signals(html[:start] + blog + "</div>" + html[end:], url)
    assert "structured_article" not in verdict.names
    assert any(s.name == "listing" and "5 article items" in s.detail for s in verdict.signals)
    assert not verdict.is_article, verdict.explain()


def test_broken_or_empty_input_is_not_an_article() -> None:
    for html in (b"", "   ", b"\x00\xff\xfe garbage", "<?xml version='1.0' encoding='utf-8'?><p>x"):
        verdict = article_signals(html, "https://example.org/2024/03/05/x/")
        assert not verdict.is_article
        assert "little_text" in verdict.names


def test_text_is_counted_in_characters_whatever_the_encoding() -> None:
    text = "Grüße aus der Stadt, die Fähre fährt wieder. " * 40
    html = f"<html><body><p>{text}</p></body></html>"
    facts = page_facts(html.encode("utf-8"), "https://example.org/a")  # no charset declared
    assert facts.main_text == len(text.strip())
    title = "Паром снова ходит"
    page = f'<html><head><meta charset="koi8-r"><title>{title}</title></head><body></body></html>'
    assert page_facts(page.encode("koi8-r"), "https://example.org/a").title == title


def test_the_fixture_site() -> None:
    """tests/fixture_site, rendered in memory: its articles are articles; its home,
    categories, tags, calendar, about, contact and 404 pages are not."""
    site = NewsSite(default_articles(), session_ids=False)
    base = "http://127.0.0.1:8000"

    def judged(path: str, query: str = "") -> ArticleVerdict:
        return article_signals(site.render(path, query, base).body, base + path)

    for article in site.articles:
        assert judged(article.path).is_article, article.path
    others = ["/english", "/english/about", "/english/contact", "/english/no-such-page"]
    others += ["/english/calendar/2021/08", *(f"/english/tag/{t}" for t in site.tag_names())]
    for path in others:
        assert not judged(path).is_article, path
    for slug in site.categories:
        assert not judged(f"/english/category/{slug}", "page=1").is_article, slug


# ----------------------------------------------------------------- signals alone
def _jsonld(data: str) -> PageFacts:
    html = f'<html><head><script type="application/ld+json">{data}</script></head><body></body>'
    return page_facts(html, "https://example.org/a")


MAIN_ENTITY = '{"@type": "WebPage", "mainEntity": {"@type": "OpinionNewsArticle"}}'


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ('{"@type": "NewsArticle"}', "newsarticle"),
        ('[{"@type": "WebSite"}, {"@type": "ReportageNewsArticle"}]', "reportagenewsarticle"),
        ('{"@graph": [{"@type": "WebPage"}, {"@type": ["Article", "Thing"]}]}', "article"),
        ('{"@type": "http://schema.org/BlogPosting"}', "blogposting"),
        (
            '{"@type": "WebPage", "mainEntity": {"@type": "OpinionNewsArticle"}}',
            "opinionnewsarticle",
        ),
        ('{"@type": "NewsArticle", "headline": "a", }', "newsarticle"),  # trailing comma
    ],
)
def test_structured_article_from_jsonld(data: str, found: str) -> None:
    signal = structured_article(_jsonld(data))
    assert signal is not None and found in signal.detail.split(",")


@pytest.mark.parametrize(
    "data",
    [
        '{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle"}]}',
        '{"@type": "WebPage", "publisher": {"@type": "Organization"}}',
        '{"@type": "LiveBlogPosting"}',
        "not json at all",
    ],
)
def test_structured_article_ignores_nested_items_and_live_blogs(data: str) -> None:
    assert structured_article(_jsonld(data)) is None


def test_structured_article_from_microdata() -> None:
    html = (
        '<html><body><div itemscope itemtype="http://schema.org/NewsArticle">'
        "<p>x</p></div></body></html>"
    )
    facts = page_facts(html, "https://example.org/a")
    assert facts.microdata_articles == 1
    assert structured_article(facts) is not None


@pytest.mark.parametrize(
    ("url", "dated", "ided"),
    [
        ("https://x.example/2024/03/05/slug/", True, False),
        ("https://x.example/news/20240305/slug", True, False),
        ("https://x.example/2024/mar/05/slug", True, False),
        ("https://x.example/2019/11/slug.html", True, False),
        ("https://x.example/english/23610", False, True),
        ("https://x.example/news/some-slug-12345.html", False, True),
        ("https://x.example/index.php?option=com_content&id=12", False, True),
        ("https://x.example/index.php?option=com_content&id=12:the-slug", False, True),
        ("https://x.example/news/2024/", False, False),
        ("https://x.example/about-us/", False, False),
        ("https://x.example/2024", False, False),
    ],
)
def test_url_signals(url: str, dated: bool, ided: bool) -> None:
    facts = page_facts("", url)
    assert (dated_url(facts) is not None) is dated
    assert (id_url(facts) is not None) is ided


@pytest.mark.parametrize(
    ("title", "h1", "error"),
    [
        ("Page not found – Eastbay Courier", "Nothing here", True),
        ("Eastbay Courier", "404", True),
        ("Error 404 - Not Found", "", True),
        ("Eastbay Courier", "Oops! That page can’t be found.", True),
        ("Missing hiker not found after three days | Eastbay Courier", "", False),
        ("404 errors double on council website | Eastbay Courier", "", False),
    ],
)
def test_error_page(title: str, h1: str, error: bool) -> None:
    assert (error_page(PageFacts(url="", title=title, h1=h1)) is not None) is error


@pytest.mark.parametrize(
    ("path", "title", "h1", "service"),
    [
        ("/privacy-policy/", "", "", True),
        ("/impressum.html", "", "", True),
        ("/node/3", "Terms of use | Site", "", True),
        ("/node/3", "Site", "Contact us", True),
        ("/2024/03/05/privacy-concerns-over-app/", "Privacy concerns over app", "", False),
        ("/about-bugs/", "About bugs", "", False),
    ],
)
def test_service_page(path: str, title: str, h1: str, service: bool) -> None:
    facts = PageFacts(url="", path=path, title=title, h1=h1)
    assert (service_page(facts) is not None) is service


def test_tag_or_author_page() -> None:
    assert tag_or_author_page(PageFacts(url="", path="/tag/ferry/")) is not None
    assert tag_or_author_page(PageFacts(url="", path="/news/author/mara")) is not None
    # the last segment alone is a slug, not a listing: /news/tag is an article's name
    assert tag_or_author_page(PageFacts(url="", path="/news/tag")) is None
    assert tag_or_author_page(PageFacts(url="", path="/x", author_links=10)) is not None
    assert tag_or_author_page(PageFacts(url="", path="/x", author_links=2)) is None


def test_text_signals() -> None:
    long = long_text(PageFacts(url="", main_text=1200))
    assert long is not None and long.name == "long_text" and long.weight > 0
    some = long_text(PageFacts(url="", main_text=600))
    assert some is not None and some.name == "some_text"
    assert long_text(PageFacts(url="", main_text=100)) is None
    assert little_text(PageFacts(url="", main_text=100)) is not None
    assert little_text(PageFacts(url="", main_text=600)) is None
    outside = text_outside_links(PageFacts(url="", main_text=600, link_share=0.1))
    assert outside is not None and outside.weight > 0
    links = text_outside_links(PageFacts(url="", main_text=600, link_share=0.9))
    assert links is not None and links.name == "mostly_links" and links.weight < 0


def test_listing_and_gallery_thresholds() -> None:
    assert listing(PageFacts(url="", headline_links=30, main_text=150)) is not None
    # an article with a big "more stories" block keeps its long text
    assert listing(PageFacts(url="", headline_links=60, main_text=2500)) is None
    assert listing(PageFacts(url="", schema_types={"collectionpage"}, main_text=300)) is not None
    assert gallery(PageFacts(url="", captioned_images=8, main_text=200)) is not None
    assert gallery(PageFacts(url="", captioned_images=8, main_text=1500)) is None
    assert gallery(PageFacts(url="", path="/gallery/x", main_text=300)) is not None


def test_paragraph_text_skips_links_and_page_chrome() -> None:
    html = (
        "<html><body><header><p>" + "h" * 500 + "</p></header>"
        "<nav><p>" + "n" * 500 + "</p></nav><aside><p>" + "s" * 500 + "</p></aside>"
        '<a href="/x"><p>' + "l" * 500 + "</p></a>"
        "<main><div><p>" + "word " * 60 + "</p><p>" + "more " * 40 + "</p></div></main>"
        "<footer><p>" + "f" * 500 + "</p></footer><script>var x = 1;</script></body></html>"
    )
    facts = page_facts(html, "https://example.org/a")
    assert facts.main_text == len(("word " * 60).strip()) + len(("more " * 40).strip())
    assert facts.own_text == facts.main_text


def test_text_between_line_breaks_and_divs_counts_as_paragraphs() -> None:
    """Blogger and old CMSs: the text in <div>s and between <br>s, no <p> at all."""
    sentence = "The ferry runs again after the winter repairs were finished. "
    html = (
        '<html><body><div class="post-body"><div><span>' + sentence * 5 + "</span></div>"
        "<div>" + sentence * 5 + "<br><br>" + sentence * 5 + "</div></div></body></html>"
    )
    facts = page_facts(html, "https://example.org/a")
    assert facts.main_text == len((sentence * 5).strip()) + len((sentence * 10).strip())
    assert facts.own_text == facts.main_text
    chrome = f"<html><body><footer><div>{sentence * 5}<br>{sentence}</div></footer></body></html>"
    assert page_facts(chrome, "https://example.org/a").own_text == 0


# ------------------------------------------------------- news evidence (no_news_evidence)
HISTORY = (
    "Founded in 1952 as a two-room workshop beside the canal, Larkfield Instruments began by "
    "repairing barometers for the river pilots and the harbour office.",
    "In the sixties the company moved to the old rope works on Mill Lane, where its first "
    "tide gauge was built; a dozen of them still stand along the estuary today, each one "
    "painted the green of the original workshop door.",
    "The founder's daughter took over in 1978 and opened the export office, and by the end of "
    "the decade the gauges were read in ports from the Baltic to the Bay of Biscay, while the "
    "repair bench kept its place by the window on the ground floor.",
    "A fire in 1991 destroyed the drawing office and forty years of plans. The staff rebuilt "
    "the archive from customers' copies, a story still told to every apprentice who joins.",
    "Today the company employs ninety people across two sites and remains owned by the family "
    "and its employees, who hold a third of the shares through a trust set up in 2004.",
    "The rope works itself was restored in 2010 with help from the county's heritage fund; "
    "its long gallery now houses the test tank, and the old winding gear hangs in the hall.",
    "Every spring the workshop opens its doors for a day, and former apprentices come back "
    "to show visitors how a gauge is calibrated by hand, much as it was in the first years.",
)
FEED_TEXT = (
    "The county library will keep its reading room open until nine on weekdays from next "
    "month, after a trial over the winter drew more than three hundred visitors a week.",
    "Staff said students preparing for exams made up most of the evening visitors, and the "
    "council agreed to fund two more part-time posts to cover the extra hours until summer.",
    "The café on the ground floor will not change its hours, a spokesperson added.",
)


def _page(
    paragraphs: tuple[str, ...],
    *,
    head: str = "",
    byline: str = "",
    wrapper: str = "<article>",
    title: str = "Our history | Larkfield Instruments",
) -> str:
    """A page as a small CMS renders it: site header and menu, one text block, a footer."""
    close = "</" + wrapper[1:].split(" ", 1)[0].rstrip(">") + ">"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head><body>"
        '<header class="site-header"><a class="logo" href="/">Larkfield</a><nav><ul>'
        '<li><a href="/">Home</a></li><li><a href="/products/">Products</a></li>'
        '<li><a href="/about/">About</a></li><li><a href="/contact/">Contact</a></li>'
        "</ul></nav></header>"
        f'<main id="content">{wrapper}<h1>{title.split(" | ")[0]}</h1>{byline}'
        f'<div class="entry-content">{body}</div>{close}</main>'
        '<footer><p>© Larkfield Instruments Ltd.</p><a href="/privacy/">Privacy</a></footer>'
        "</body></html>"
    )


def test_a_long_undated_history_page_is_not_an_article() -> None:
    verdict = article_signals(_page(HISTORY), "https://larkfield.example/about/history")
    assert {"long_text", "no_news_evidence"} <= verdict.names, verdict.explain()
    assert "service_page" not in verdict.names  # "history" is no service slug: evidence decides
    assert not verdict.is_article, verdict.explain()


@pytest.mark.parametrize(
    ("url", "head", "byline"),
    [
        ("https://larkfield.example/news/2024/larkfield-at-seventy", "", ""),
        (
            "https://larkfield.example/about/history",
            "",
            '<p class="meta"><time datetime="2024-05-02T09:00:00+01:00">2 May 2024</time></p>',
        ),
        (
            "https://larkfield.example/about/history",
            '<meta property="article:published_time" content="2024-05-02T09:00:00+01:00">',
            "",
        ),
    ],
    ids=["news-folder", "time-datetime", "published-time-meta"],
)
def test_the_same_text_with_news_evidence_is_an_article(url: str, head: str, byline: str) -> None:
    verdict = article_signals(_page(HISTORY, head=head, byline=byline), url)
    assert "no_news_evidence" not in verdict.names, verdict.explain()
    assert verdict.is_article, verdict.explain()


BLOG_POSTING = '<div class="post" itemscope itemtype="https://schema.org/BlogPosting">'


def test_an_undated_blogposting_wrapper_is_little_evidence() -> None:
    """A theme that wraps every page, a staff biography too, in BlogPosting microdata."""
    html = _page(HISTORY, wrapper=BLOG_POSTING, title="Ada Marsh | Larkfield Instruments")
    verdict = article_signals(html, "https://larkfield.example/people/ada-marsh")
    structured = [s for s in verdict.signals if s.name == "structured_article"]
    assert [s.weight for s in structured] == [0.5], verdict.explain()
    assert "no_news_evidence" in verdict.names, verdict.explain()
    assert not verdict.is_article, verdict.explain()


@pytest.mark.parametrize(
    "byline",
    [
        '<meta itemprop="datePublished" content="2024-05-02">',
        '<p class="byline">Posted <span itemprop="datePublished">2 May 2024</span></p>',
    ],
    ids=["meta", "span"],
)
def test_a_blogposting_with_itemprop_date_published_is_an_article(byline: str) -> None:
    html = _page(HISTORY, wrapper=BLOG_POSTING, byline=byline, title="Ada Marsh | Larkfield")
    verdict = article_signals(html, "https://larkfield.example/people/ada-marsh")
    structured = [s for s in verdict.signals if s.name == "structured_article"]
    assert [s.weight for s in structured] == [2.0], verdict.explain()
    assert "no_news_evidence" not in verdict.names, verdict.explain()
    assert verdict.is_article, verdict.explain()


def test_a_feed_entry_is_news_evidence_for_a_short_undated_page() -> None:
    html = _page(FEED_TEXT, title="Library keeps reading room open late | County News")
    url = "https://county.example/articles/114/library-reading-room-late"
    verdict = article_signals(html, url, from_sitemap_or_feed=True)
    assert 400 <= page_facts(html, url).main_text < 600
    assert "in_sitemap_or_feed" in verdict.names, verdict.explain()
    assert "no_news_evidence" not in verdict.names, verdict.explain()
    assert verdict.is_article, verdict.explain()


def test_a_plain_sitemap_entry_is_no_news_evidence() -> None:
    """A plain sitemap lists every page of a site: +0.5, and the page still has no evidence;
    the same page from a feed is an article."""
    html = _page(FEED_TEXT, title="Library keeps reading room open late | County News")
    url = "https://county.example/some-page"
    verdict = article_signals(html, url, in_sitemap=True)
    assert [s.weight for s in verdict.signals if s.name == "in_sitemap"] == [0.5]
    assert {"in_sitemap", "no_news_evidence"} <= verdict.names, verdict.explain()
    assert "in_sitemap_or_feed" not in verdict.names
    assert not verdict.is_article, verdict.explain()
    assert article_signals(html, url, from_sitemap_or_feed=True).is_article


@pytest.mark.parametrize(
    ("path", "newsy"),
    [
        ("/news-and-events/x.html", True),
        ("/a/1c5d00940234", True),
        ("/articles/102/slug", True),
        ("/the-long-headline-here.html", True),
        ("/about/history", False),
        ("/people/x", False),
        ("/annual-report-2023", False),
    ],
)
def test_newsy_url(path: str, newsy: bool) -> None:
    assert _newsy_url(PageFacts(url="", path=path).segments) is newsy


def _story_with_related_box(declared: bool) -> str:
    """A short story (~430 characters) followed by 28 related-story links, as a
    Joomla-like CMS renders it; *declared*: og:type article and dated NewsArticle."""
    head = (
        '<meta property="og:type" content="article">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x",'
        ' "datePublished": "2024-03-02T10:00:00Z"}</script>'
        if declared
        else ""
    )
    text = (
        "The river authority opened the new flood gate on Tuesday after two years of "
        "works, and the first test held back the spring tide without a leak. "
    ) * 3
    related = "".join(
        f'<li><a href="/index.php?view=article&amp;id={200 + n}">Council weighs a new plan for '
        f"the harbour road number {n}</a></li>"
        for n in range(28)
    )
    return (
        f"<html><head><title>Flood gate opens</title>{head}</head><body>"
        f"<article><h1>Flood gate opens</h1><p>{text}</p></article>"
        f'<div class="related"><h3>Related</h3><ul>{related}</ul></div></body></html>'
    )


def test_a_short_story_with_a_long_related_box_declared_an_article_is_one() -> None:
    url = "http://x.example/index.php?option=com_content&view=article&id=104"
    declared = article_signals(_story_with_related_box(True), url)
    assert declared.is_article, declared.explain()
    listing = next(s for s in declared.signals if s.name == "listing")
    assert listing.weight == -2.0
    # the same page without its markup's say-so stays a listing (-4)
    bare = article_signals(_story_with_related_box(False), url)
    assert not bare.is_article, bare.explain()
    assert next(s for s in bare.signals if s.name == "listing").weight == -4.0
