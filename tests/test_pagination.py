"""archive.discover.pagination (a listing's next pages by URL form) and the next-page links
archive.extract.links.page_links finds by rel=next and by label."""

from __future__ import annotations

import lxml.html
import pytest

from archive.discover.pagination import is_next_page, page_number
from archive.extract.links import NEXT_LABELS, PageLinks, page_links

N = "https://n.example"


@pytest.mark.parametrize(
    ("page", "link"),
    [
        # /page/N appended to or replacing one in the path (WordPress)
        (f"{N}/", f"{N}/page/2/"),
        (f"{N}", f"{N}/page/2"),
        (f"{N}/category/politics/", f"{N}/category/politics/page/2/"),
        (f"{N}/category/politics/page/2/", f"{N}/category/politics/page/3/"),
        (f"{N}/category/politics/page/2/", f"{N}/category/politics/page/9"),
        (f"{N}/?s=budget", f"{N}/page/2/?s=budget"),
        ("http://n.example/news/", f"{N}/news/page/2/#top"),  # scheme, fragment aside
        # query forms
        (f"{N}/news", f"{N}/news?page=1"),  # Drupal counts from 0
        (f"{N}/news?page=1", f"{N}/news?page=2"),
        (f"{N}/news?sort=new", f"{N}/news?page=2&sort=new"),
        (f"{N}/news?sort=new&page=2", f"{N}/news?page=3&sort=new"),
        (f"{N}/?cat=4", f"{N}/?cat=4&paged=2"),
        (f"{N}/list.php", f"{N}/list.php?p=2"),
        (f"{N}/list.php?p=2", f"{N}/list.php?p=3"),
        (f"{N}/search?q=x", f"{N}/search?q=x&start=10"),
        (f"{N}/search?q=x&start=10", f"{N}/search?start=20&q=x"),
        (f"{N}/news", f"{N}/news?offset=20"),
        (f"{N}/news", f"{N}/news?pg=2"),
        (
            f"{N}/index.php?option=com_content&view=category&id=9",
            f"{N}/index.php?option=com_content&view=category&id=9&start=10",
        ),  # noqa: E501
        # /N after a listing path
        (f"{N}/news", f"{N}/news/2"),
        (f"{N}/news/", f"{N}/news/2/"),
        (f"{N}/news/2", f"{N}/news/3"),
        (f"{N}/section/world", f"{N}/section/world/999"),
    ],
)
def test_next_pages(page: str, link: str) -> None:
    assert is_next_page(page, link)


@pytest.mark.parametrize(
    ("page", "link"),
    [
        (f"{N}/", f"{N}/"),
        (f"{N}/category/politics/", f"{N}/category/sport/page/2/"),  # another listing
        (f"{N}/category/politics/page/3/", f"{N}/category/politics/page/2/"),  # back
        (f"{N}/category/politics/page/2/", f"{N}/category/politics/"),
        (f"{N}/", f"{N}/page/1/"),  # the first page itself
        (f"{N}/?s=budget", f"{N}/page/2/?s=tax"),  # another search
        (f"{N}/news", "https://other.example/news/page/2"),  # another host
        (f"{N}/news?page=3", f"{N}/news?page=2"),
        (f"{N}/news?page=2", f"{N}/news?page=2"),
        (f"{N}/news?page=1", f"{N}/news?page=x"),
        (f"{N}/news?sort=new", f"{N}/news?page=2&sort=old"),
        (f"{N}/news", f"{N}/sport?page=2"),
        (f"{N}/?paged=2", f"{N}/?paged=1"),
        (f"{N}/", f"{N}/?paged=1"),  # WordPress counts paged from 1
        (f"{N}/article.php?id=5", f"{N}/article.php?id=5&p=2"),  # p next to an id
        (f"{N}/news", f"{N}/news/12345"),  # an article id, not a page
        (f"{N}/news", f"{N}/news/1"),
        (f"{N}/2024", f"{N}/2024/05"),  # a month archive, not page 5
        (f"{N}/news/2024/05", f"{N}/news/2024/05/2"),
        (f"{N}/news/3", f"{N}/news/2"),
        (f"{N}/news", f"{N}/news/latest-budget-story"),
        (f"{N}/news", f"{N}/news/2?x=1"),
        (f"{N}/", f"{N}/2"),  # no listing path before /N
        ("not a url", "https://[broken"),
    ],
)
def test_not_next_pages(page: str, link: str) -> None:
    assert not is_next_page(page, link)


@pytest.mark.parametrize(
    ("url", "number"),
    [
        (f"{N}/page/3/", 3),
        (f"{N}/category/x/page/12", 12),
        (f"{N}/news?page=4", 4),
        (f"{N}/?paged=2", 2),
        (f"{N}/news?pg=7", 7),
        (f"{N}/list.php?p=5", 5),
        (f"{N}/article.php?id=9&p=5", None),  # p beside an id: a post, not a page
        (f"{N}/news?page=x", None),
        (f"{N}/news?offset=20", None),  # an offset is no page number
        (f"{N}/news/2", None),  # a bare /N is no certain one
        (f"{N}/", None),
        ("https://[broken", None),
    ],
)
def test_page_number(url: str, number: int | None) -> None:
    assert page_number(url) == number


def _links(html: str) -> PageLinks:
    return page_links(lxml.html.fromstring(html))


def test_page_links_keeps_old_fields_and_constructors() -> None:
    assert PageLinks() == PageLinks((), (), (), ())
    assert PageLinks(("a",), ("f",), ("s",)).next == ()
    found = _links(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="stylesheet" href="/s.css"></head>'
        '<body><a href="/a">A story</a><img src="/i.png"></body></html>'
    )
    assert found == PageLinks(("/a",), ("/feed/",), ("/s.css", "/i.png"), ())


def test_next_by_rel() -> None:
    found = _links(
        '<html><head><link rel="next" href="https://n.example/page/2/"></head><body>'
        '<a rel="nofollow next" href="/news?page=2">2</a>'
        '<a rel="prev" href="/news">1</a>'
        '<a rel="NEXT" href="/news?page=2">page two</a>'
        "</body></html>"
    )
    assert found.next == ("https://n.example/page/2/", "/news?page=2")


def test_next_by_label() -> None:
    found = _links(
        "<body>"
        '<a href="/p/2">Next</a>'
        '<a href="/p/3">  next  page </a>'
        '<a href="/p/4">Next »</a>'
        '<a href="/p/5">&laquo; Older Entries</a>'
        '<a href="/p/6">›</a>'
        '<a href="/p/7"><span>Load more</span></a>'
        '<a href="/p/8"><span class="meta-nav">←</span> Older posts</a>'
        '<a href="/p/9">Next <i class="fa fa-chevron-right"></i></a>'
        '<a href="/p/10" aria-label="Next page"><svg><path d="M0"/></svg></a>'
        '<a href="/p/11" title="Weiter"></a>'
        '<a href="/p/12">Suivant</a>'
        '<a href="/p/13">المزيد</a>'
        '<a href="/p/14">Siguiente</a>'
        '<a href="/p/15">MORE STORIES</a>'
        '<a href="/p/16">Older\n\t\tposts</a>'
        '<a href="/p/2">Next</a>'  # once
        "</body>"
    )
    assert found.next == tuple(f"/p/{n}" for n in range(2, 17))


def test_not_next_links() -> None:
    found = _links(
        "<body>"
        '<a href="/a">Politics</a>'
        '<a href="/b">Next year budget passes after long night of debate</a>'
        '<a href="#">Next</a>'
        '<a href="javascript:void(0)">Load more</a>'
        "<a>Next</a>"  # no href
        '<a href="/d"><img src="/t.jpg"><h3>Next steps for the council</h3><p>x</p><p>y</p></a>'
        '<a href="/e"><div><span>Next</span></div><p>a long teaser follows here</p></a>'
        '<a href="/f"></a>'
        '<a href="/g">« Previous</a>'
        '<a href="/h">Newer posts</a>'
        "</body>"
    )
    assert found.next == ()
    assert found.links == ("/a", "/b", "#", "javascript:void(0)", "/d", "/e", "/f", "/g", "/h")


def test_labels_are_case_folded_and_stripped() -> None:
    for label in NEXT_LABELS:
        assert label == " ".join(label.split()).casefold()
