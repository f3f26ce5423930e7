"""SiteScope (crawler/spiders/scope.py) on concrete URLs: AMP twins folded onto their page,
decoration parameters learnt from rel=canonical, pages classified and keyed, sections kept;
the generic news spider's sites and arguments. No network, no subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.spiders.ansarpress import AnsarpressSpider
from crawler.spiders.base import SpiderArgumentError
from crawler.spiders.news import GenericNewsSpider
from crawler.spiders.scope import SiteOptions, SiteScope, fold_amp

BASE = "https://outlet.example"


def generic(**options: object) -> SiteScope:
    """A site without an article pattern: every page is judged once fetched."""
    return SiteScope(SiteOptions(base_url=BASE, start_urls=(), **options))  # type: ignore[arg-type]


# -- AMP twins ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amp", "page"),
    [
        ("/news/flood-barriers/amp", "/news/flood-barriers"),
        ("/news/flood-barriers/amp/", "/news/flood-barriers"),
        ("/amp/news/flood-barriers", "/news/flood-barriers"),
        ("/news/flood-barriers.amp.html", "/news/flood-barriers.html"),
        ("/news/flood-barriers.amp", "/news/flood-barriers"),
        ("/news/flood-barriers?amp=1", "/news/flood-barriers"),
        ("/news/flood-barriers?amp", "/news/flood-barriers"),
        ("/news/flood-barriers?outputType=amp", "/news/flood-barriers"),
        ("/news/flood-barriers?outputType=AMP&id=3", "/news/flood-barriers?id=3"),
        ("/news/flood-barriers?id=3&amp=1", "/news/flood-barriers?id=3"),
    ],
)
def test_fold_amp_gives_the_page_an_amp_twin_stands_for(amp: str, page: str) -> None:
    assert fold_amp(BASE + amp) == BASE + page


@pytest.mark.parametrize(
    "url",
    [
        "/news/ampere-record",  # "amp" inside a word
        "/ampersand/story",
        "/news/flood-barriers?outputType=html",  # another output type
        "/news/flood-barriers?id=3",
        "/",
    ],
)
def test_fold_amp_leaves_other_urls_as_they_are(url: str) -> None:
    assert fold_amp(BASE + url) == BASE + url


def test_clean_folds_amp_twins_on_a_generic_site_only() -> None:
    assert generic().clean("/news/x/amp", BASE + "/") == BASE + "/news/x"
    assert generic().clean("/news/x?amp=1&utm_source=tw", BASE + "/") == BASE + "/news/x"
    preset = generic(article_pattern=r"/news/[a-z]+(?:/amp)?")
    assert preset.clean("/news/x/amp", BASE + "/") == BASE + "/news/x/amp"  # its pattern decides


def test_clean_normalises_and_keeps_to_the_site() -> None:
    scope = generic()
    assert (
        scope.clean("https://OUTLET.example:443/a?b=2&a=1#top", BASE + "/") == BASE + "/a?a=1&b=2"
    )
    assert scope.clean("../b", BASE + "/x/y") == BASE + "/b"
    for off in ("https://elsewhere.example/a", "http://outlet.example/a", "mailto:x@y", "#top"):
        assert scope.clean(off, BASE + "/") is None, off


# -- rel=canonical teaches decoration parameters -------------------------------------------

JOOMLA = BASE + "/index.php?Itemid=101&catid=3&id=5&option=com_content&view=article"


def test_a_canonical_without_itemid_and_catid_teaches_the_site_to_drop_them() -> None:
    scope = generic()
    before = scope.clean("/index.php?option=com_content&view=article&id=6&Itemid=7&catid=2", BASE)
    assert before is not None and "Itemid=7" in before
    scope.learn_canonical(JOOMLA, BASE + "/index.php?option=com_content&view=article&id=5")
    assert scope.ignored_params == set()  # one page could be a multi-page article's quirk
    second = BASE + "/index.php?option=com_content&view=article&id=8&Itemid=3&catid=4"
    scope.learn_canonical(second, BASE + "/index.php?option=com_content&view=article&id=8")
    assert scope.ignored_params == {"Itemid", "catid"}  # two pages: decoration
    # every later URL of the site loses them: the article has one URL, one key
    later = scope.clean("/index.php?option=com_content&view=article&id=6&Itemid=7&catid=2", BASE)
    assert later == BASE + "/index.php?id=6&option=com_content&view=article"
    assert scope.article_key(later) == "/index.php?id=6&option=com_content&view=article"
    assert scope.clean("/index.php?id=6&option=com_content&view=article&Itemid=9", BASE) == later


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (JOOMLA, BASE + "/article.php?id=5"),  # another path
        (BASE + "/news/x?ref=home", BASE + "/"),  # the home page
        (BASE + "/?ref=home", BASE + "/"),  # the home page, from the home page
        (JOOMLA, BASE + "/index.php?option=com_content&view=article&id=6"),  # another article
        (JOOMLA, BASE + "/index.php?option=com_content&view=category&id=3"),  # its section
        (JOOMLA, None),
        (BASE + "/news/x", BASE + "/news/x"),  # no query to learn from
        (  # more than three keys dropped: another page, not decoration
            BASE + "/p?a=1&b=2&c=3&d=4&id=9",
            BASE + "/p?id=9",
        ),
    ],
)
def test_a_canonical_that_is_not_the_same_page_teaches_nothing(
    url: str, canonical: str | None
) -> None:
    scope = generic()
    scope.learn_canonical(url, canonical)
    assert scope.ignored_params == set()
    assert scope.clean(JOOMLA, BASE) == JOOMLA


def test_a_preset_learns_nothing_from_canonicals() -> None:
    scope = generic(article_pattern=r"/index\.php\?.*")
    scope.learn_canonical(JOOMLA, BASE + "/index.php?option=com_content&view=article&id=5")
    assert scope.ignored_params == set()


def test_a_paginated_article_does_not_stop_listing_pagination() -> None:
    scope = generic()
    scope.learn_canonical(BASE + "/story?id=5&page=2", BASE + "/story?id=5")
    assert scope.clean("/politics?page=2", BASE + "/") == BASE + "/politics?page=2"


# -- classify -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/", "page"),
        ("/news/flood-barriers", "page"),
        ("/2024/03/20/flood-barriers/", "page"),
        ("/section/local?page=2", "page"),
        ("/index.php?option=com_content&view=article&id=5", "page"),
        ("/reviews/printers-2024", "page"),  # not the /print path
        ("/feed/", "feed"),
        ("/feed", "feed"),
        ("/rss", "feed"),
        ("/category/local/feed/", "feed"),
        ("/feed/atom/", "feed"),
        ("/news/index.rss", "feed"),
        ("/static/logo.png", None),
        ("/static/site.css", None),
        ("/files/report.PDF", None),
        ("/sitemap.xml", None),
        ("/login", None),
        ("/wp-admin/post.php", None),
        ("/wp-login.php", None),
        ("/print/news/flood-barriers", None),
        ("/account/settings", None),
        ("/?s=flood", None),
        ("/search?q=flood", None),
        ("/news/x?replytocom=12", None),
        ("/news/x?format=pdf", None),
    ],
)
def test_classify_on_a_site_without_pattern(path: str, kind: str | None) -> None:
    assert generic().classify(BASE + path) == kind


@pytest.mark.parametrize(
    "path", ["/business/share-prices-tumble", "/news/register-to-vote-by-friday"]
)
def test_a_slug_starting_with_a_skip_word_is_a_page(path: str) -> None:
    assert generic().classify(BASE + path) == "page"


def test_atom_xml_is_a_feed() -> None:
    assert generic().classify(BASE + "/atom.xml") == "feed"


def test_classify_with_an_article_pattern() -> None:
    scope = generic(article_pattern=r"/news/\d+", sections=("/news", "/world"))
    assert scope.classify(BASE + "/news/12") == "article"
    assert scope.classify(BASE + "/news/12/") == "article"
    assert scope.classify(BASE + "/news/12?utm=x") == "article"
    assert scope.classify(BASE + "/news") == "listing"
    assert scope.classify(BASE + "/news/local") == "listing"
    assert scope.classify(BASE + "/world/asia") == "listing"
    assert scope.classify(BASE + "/sport/12") is None  # outside the sections
    assert scope.classify(BASE + "/news/12.jpg") is None
    assert scope.classify(BASE + "/news/feed/") == "listing"  # no "feed" kind with a pattern
    assert scope.article_key(BASE + "/news/12/?x=1") == "/news/12"
    assert scope.article_key(BASE + "/news/local") is None


def test_a_pattern_can_match_the_query() -> None:
    scope = generic(article_pattern=r"/index\.php\?id=\d+")
    assert scope.classify(BASE + "/index.php?id=5") == "article"
    assert scope.article_key(BASE + "/index.php?id=5") == "/index.php?id=5"
    assert scope.classify(BASE + "/index.php?cat=5") == "listing"


# -- article_key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/news/flood-barriers/", "/news/flood-barriers"),
        ("/news/flood-barriers", "/news/flood-barriers"),
        ("/", "/"),
        ("/index.php?id=5&view=article", "/index.php?id=5&view=article"),
        ("/news/x/?id=3", "/news/x?id=3"),
    ],
)
def test_article_key_of_a_generic_site_keeps_the_query_and_drops_the_slash(
    url: str, key: str
) -> None:
    assert generic().article_key(BASE + url) == key


def test_two_articles_differing_by_query_have_two_keys() -> None:
    scope = generic()
    assert scope.article_key(BASE + "/index.php?id=5") != scope.article_key(
        BASE + "/index.php?id=6"
    )


# -- sections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("/politics/", True),
        ("/politics", True),
        ("/politics/vote-2024", True),
        ("/world/asia", True),
        ("/world", True),
        ("/worldcup/final", False),  # a prefix of the path, not a section of it
        ("/sport/final", False),
        ("/", False),
    ],
)
def test_sections_restrict_the_pages(path: str, inside: bool) -> None:
    scope = generic(sections=("/politics/", "/world"))
    assert scope.in_sections(path) is inside
    assert scope.classify(BASE + path) == ("page" if inside else None)


def test_no_sections_is_the_whole_site() -> None:
    assert generic().sections == ("/",)
    assert generic().in_sections("/anything/at/all")


# -- the generic spider's sites -----------------------------------------------------------------


def test_spider_from_a_url() -> None:
    spider = GenericNewsSpider(url="https://Outlet.example/politics/")
    assert len(spider.scopes) == 1
    scope = spider.scopes[0]
    assert scope.base_url == BASE
    assert scope.decides
    assert scope.start_urls() == [BASE + "/politics/"]
    assert spider.allowed_domains == ["outlet.example"]
    assert spider.scope_of(BASE + "/a") is scope
    assert spider.scope_of("https://elsewhere.example/a") is None
    assert spider.classify(BASE + "/news/x") == "page"
    assert spider.clean("/news/x/amp", BASE + "/") == BASE + "/news/x"


def test_spider_from_a_sites_file(tmp_path: Path) -> None:
    (tmp_path / "jar.txt").write_text(
        "# Netscape HTTP Cookie File\n.second.example\tTRUE\t/\tFALSE\t0\tsession\ts3cret\n"
    )
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "sites:\n"
        "  - https://first.example/\n"
        "  - url: https://www.second.example:8443/news/\n"
        "    name: Second\n"
        "    article_pattern: '/news/\\d+'\n"
        "    sections: [/news/]\n"
        "    headers: {X-Archive-Test: two}\n"
        "    cookies: jar.txt\n"
        "    max_articles: 5\n"
        "    delay: 1.5\n"
        "    concurrency: 2\n"
    )
    spider = GenericNewsSpider(sites=str(sites))
    first, second = spider.scopes
    assert (first.base_url, first.name, first.decides) == (
        "https://first.example",
        "first.example",
        True,
    )
    assert second.base_url == "https://www.second.example:8443"
    assert second.name == "Second"
    assert not second.decides
    assert second.sections == ("/news/",)
    assert second.headers == {"X-Archive-Test": "two"}
    assert [(c["name"], c["value"]) for c in second.cookies] == [("session", "s3cret")]
    assert second.max_articles == 5
    assert (second.options.delay, second.options.concurrency) == (1.5, 2)
    assert first.headers == {} and first.cookies == [] and first.max_articles is None
    assert spider.scope_of("https://www.second.example:8443/news/4") is second
    assert spider.classify("https://www.second.example:8443/news/4") == "article"
    assert spider.classify("https://first.example/news/4") == "page"
    # the site's own headers and cookies go on its requests only
    request = spider.request("https://www.second.example:8443/news/4", second)
    assert request.headers.get("X-Archive-Test") == b"two"
    assert request.cookies == [
        {"name": "session", "value": "s3cret", "domain": ".second.example", "path": "/"}
    ]
    assert request.meta.get("autothrottle_dont_adjust_delay") is True
    plain = spider.request("https://first.example/a", first)
    assert "X-Archive-Test" not in plain.headers and not plain.cookies
    assert "autothrottle_dont_adjust_delay" not in plain.meta


def test_two_sites_on_one_host_keep_apart(tmp_path: Path) -> None:
    sites = tmp_path / "sites.txt"
    sites.write_text("# two test servers\nhttp://127.0.0.1:8001/\n\nhttp://127.0.0.1:8002/  # B\n")
    spider = GenericNewsSpider(sites=str(sites))
    one, two = spider.scopes
    assert (one.name, two.name) == ("127.0.0.1:8001", "127.0.0.1:8002")
    assert spider.scope_of("http://127.0.0.1:8002/x") is two
    assert spider.clean("http://127.0.0.1:8002/x", "http://127.0.0.1:8001/") == (
        "http://127.0.0.1:8002/x"
    )


@pytest.mark.parametrize(
    ("spargs", "message"),
    [
        ({}, "-a url="),
        ({"url": BASE, "sites": "sites.txt"}, "-a url="),
        ({"url": "ftp://x"}, "http(s)"),
        ({"url": "outlet.example"}, "did you mean 'https://outlet.example'"),
        ({"sites": "/nonexistent/sites.txt"}, "cannot read the sites file"),
        ({"site": "sites.txt"}, "did you mean sites?"),
        ({"urls": BASE}, "did you mean url"),
        ({"url": BASE, "max_articles": "ten"}, "max_articles"),
        ({"url": BASE, "max_articles": "0"}, "max_articles"),
    ],
)
def test_check_arguments_errors(spargs: dict[str, str], message: str) -> None:
    with pytest.raises(SpiderArgumentError) as caught:
        GenericNewsSpider.check_arguments(**spargs)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_check_arguments_names_the_line_of_a_bad_sites_file(tmp_path: Path) -> None:
    sites = tmp_path / "sites.txt"
    sites.write_text("https://one.example/\n# a comment\nhttps://two.example/ extra words\n")
    with pytest.raises(SpiderArgumentError, match=rf"^{sites}:3: text after the URL"):
        GenericNewsSpider.check_arguments(sites=str(sites))


def test_check_arguments_accepts_good_ones(tmp_path: Path) -> None:
    sites = tmp_path / "sites.txt"
    sites.write_text("https://one.example/\n")
    GenericNewsSpider.check_arguments(url=BASE + "/", max_articles="3", _job="x")
    GenericNewsSpider.check_arguments(sites=str(sites))


# -- the ansarpress preset classifies as before ------------------------------------------------


def test_ansarpress_preset_still_classifies_by_its_pattern() -> None:
    spider = AnsarpressSpider()
    (scope,) = spider.scopes
    assert not scope.decides
    assert spider.base_url == "https://www.ansarpress.com"
    assert spider.classify("https://www.ansarpress.com/english/23610") == "article"
    assert spider.classify("https://www.ansarpress.com/english/23610/") == "article"
    assert spider.article_key("https://www.ansarpress.com/english/23610/") == "/english/23610"
    assert spider.classify("https://www.ansarpress.com/english/category/world") == "listing"
    assert spider.classify("https://www.ansarpress.com/english") == "listing"
    assert spider.classify("https://www.ansarpress.com/urdu/123") is None
    assert spider.classify("https://www.ansarpress.com/english/logo.png") is None
    assert spider.classify("https://www.ansarpress.com/english/login") is None
    # a mirror: the real site's URLs move onto it, AMP is not folded (its pattern decides)
    mirror = AnsarpressSpider(base_url="http://127.0.0.1:8000/english")
    assert mirror.clean("https://ansarpress.com/english/5?utm_source=a", mirror.base_url) == (
        "http://127.0.0.1:8000/english/5"
    )
    assert mirror.classify("http://127.0.0.1:8000/english/5") == "article"
