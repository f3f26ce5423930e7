"""A news site whose articles are JavaScript shells, for the browser tests and
``bench/browser.py``: served by :class:`tests.fixture_site.FixtureServer` on 127.0.0.1.

- ``/`` lists the articles;
- a shell article (``/news/2026/12/0N/slug``) is ``<div id="root"></div>`` and
  ``/static/app.js``, which fetches ``/api/articles/slug.json`` after load and writes the
  title, the date, the paragraphs and an image (``/go/photo-N.png``, a redirect to
  ``/static/photo-N.png``) into the page;
- a static article holds its text in its HTML (one, or all with ``shells=False``);
- ``frozen`` (with ``frozen=True``): a shell whose inline script never ends;
- ``private`` (with ``private=True``): a shell whose API path robots.txt disallows;
- ``hidden`` (with ``hidden=True``): a static article that neither the home page nor the
  sitemap lists, only ``/more/``, a listing that is a shell (its script writes the links
  it fetches from ``/api/more.json``);
- ``lazy`` (with ``lazy=True``): a static article whose picture, 4,000 pixels down, is
  only requested (``/static/lazy-N.png``) when an IntersectionObserver sees it on screen,
  and whose ``<img loading=lazy>`` below it (``/static/below-N.png``) Chromium loads when
  it comes near the screen;
- ``feed`` (with ``feed=True``): a shell whose "more stories" feed never ends: each time
  its bottom comes on screen, ``/api/feed.json?page=N`` is fetched and 1,000 pixels more
  are added;
- ``busy`` (with ``busy=True``): a shell 3,000 pixels high that never stops loading: it
  fetches ``/api/tick.json?n=N`` every 150 ms for as long as it is open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.fixture_site.site import Response, _png

HTML = "text/html; charset=utf-8"
APP_JS = b"""(function () {
  var root = document.getElementById("root");
  var api = document.body.getAttribute("data-api");
  fetch(api, {headers: {"Accept": "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (a) {
      var html = "<article><h1>" + a.title + "</h1><time datetime=\\"" + a.date + "\\">" +
        a.date + "</time><img alt=\\"\\" src=\\"" + a.image + "\\">";
      a.paragraphs.forEach(function (p) { html += "<p>" + p + "</p>"; });
      root.innerHTML = html + "</article>";
      document.title = a.title;
    });
})();
"""
# lazily loaded: an image whose data-src becomes its src once on screen; a feed that
# fetches its next page each time its end (the sentinel) comes on screen
LAZY_JS = b"""(function () {
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.isIntersecting) return;
      e.target.src = e.target.getAttribute("data-src");
      seen.unobserve(e.target);
    });
  });
  document.querySelectorAll("img[data-src]").forEach(function (img) { seen.observe(img); });
})();
"""
FEED_JS = b"""(function () {
  var feed = document.getElementById("feed"), end = document.getElementById("feed-end");
  var page = 0, busy = false;
  new IntersectionObserver(function (entries) {
    if (!entries[0].isIntersecting || busy) return;
    busy = true;
    page += 1;
    fetch("/api/feed.json?page=" + page)
      .then(function (r) { return r.json(); })
      .then(function (items) {
        items.forEach(function (item) {
          var block = document.createElement("section");
          block.style.minHeight = "500px";
          block.textContent = item.text;
          feed.appendChild(block);
        });
        busy = false;
      });
  }).observe(end);
})();
"""
BUSY_JS = b"""(function () {
  var n = 0;
  setInterval(function () { n += 1; fetch("/api/tick.json?n=" + n); }, 150);
})();
"""
LIST_JS = b"""(function () {
  fetch(document.body.getAttribute("data-api"))
    .then(function (r) { return r.json(); })
    .then(function (list) {
      var html = "<ul>";
      list.forEach(function (a) {
        html += "<li><a href=\\"" + a.path + "\\">" + a.title + "</a></li>";
      });
      document.getElementById("root").innerHTML = html + "</ul>";
    });
})();
"""
APP_CSS = b"body { background: #f4f1ea; font-family: serif; }\narticle h1 { color: #123; }\n"
WORDS = [
    "the",
    "river",
    "council",
    "met",
    "again",
    "on",
    "thursday",
    "to",
    "weigh",
    "the",
    "harbour",
    "plans",
    "while",
    "fishermen",
    "gathered",
    "outside",
    "with",
    "banners",
    "and",
    "the",
    "mayor",
    "promised",
    "an",
    "answer",
    "before",
    "the",
    "winter",
    "storms",
    "arrive",
    "along",
    "the",
    "northern",
    "coast",
    "where",
    "the",
    "old",
    "bridge",
    "still",
    "carries",
    "the",
    "morning",
    "traffic",
    "of",
    "farmers",
    "and",
    "schoolchildren",
    "who",
    "cross",
    "it",
    "every",
    "day",
]


@dataclass(frozen=True)
class JsArticle:
    number: int
    slug: str
    title: str
    # shell, static, frozen, private, hidden (static, linked only by /more/), lazy (static,
    # a picture loaded when scrolled into view), feed (a shell with an endless feed), busy
    # (a shell that never stops loading)
    kind: str = "shell"

    @property
    def path(self) -> str:
        return f"/news/2026/12/{self.number:02d}/{self.slug}"

    @property
    def date(self) -> str:
        return f"2026-12-{self.number:02d}"

    @property
    def api_path(self) -> str:
        folder = "private" if self.kind == "private" else "articles"
        return f"/api/{folder}/{self.slug}.json"

    @property
    def image_path(self) -> str:
        """The image the article's JSON names: a redirect to :attr:`photo_path`."""
        return f"/go/photo-{self.number}.png"

    @property
    def photo_path(self) -> str:
        return f"/static/photo-{self.number}.png"

    @property
    def lazy_paths(self) -> list[str]:
        """A lazy article's pictures below the first screen: the one a script loads when
        it is on screen, the ``loading=lazy`` one."""
        return [f"/static/lazy-{self.number}.png", f"/static/below-{self.number}.png"]

    @property
    def paragraphs(self) -> list[str]:
        """Five paragraphs, the first naming the article's own word."""
        out = []
        for i in range(5):
            words = [WORDS[(self.number * 7 + i * 11 + j) % len(WORDS)] for j in range(45)]
            out.append(" ".join(words).capitalize() + ".")
        out[0] = f"Reporting on {self.slug.replace('-', ' ')}: " + out[0]
        return out


#: the articles default_js_articles adds when asked, by kind (each its own kind)
OPTIONAL_ARTICLES = (
    JsArticle(4, "frozen-page", "A page that never finishes", "frozen"),
    JsArticle(5, "private-story", "A story behind the wall", "private"),
    JsArticle(6, "hidden-gem", "A story only a script lists", "hidden"),
    JsArticle(7, "lazy-pictures", "Pictures further down the quay", "lazy"),
    JsArticle(8, "endless-feed", "A feed that never ends", "feed"),
    JsArticle(9, "busy-ticker", "A ticker that never rests", "busy"),
)


def default_js_articles(
    shells: bool = True,
    frozen: bool = False,
    private: bool = False,
    hidden: bool = False,
    lazy: bool = False,
    feed: bool = False,
    busy: bool = False,
) -> list[JsArticle]:
    kind = "shell" if shells else "static"
    articles = [
        JsArticle(1, "lantern-festival", "Lantern festival lights the harbour", kind),
        JsArticle(2, "bridge-repairs", "Bridge repairs begin in spring", kind),
        JsArticle(3, "market-square", "A new roof for the market square", "static"),
    ]
    chosen = {"frozen": frozen, "private": private, "hidden": hidden, "lazy": lazy}
    chosen |= {"feed": feed, "busy": busy}
    articles += [article for article in OPTIONAL_ARTICLES if chosen[article.kind]]
    return articles


class JsSite:
    """What :class:`tests.fixture_site.FixtureServer` serves (its ``render``)."""

    def __init__(self, articles: list[JsArticle]) -> None:
        self.articles = articles
        self._by_path = {a.path: a for a in articles}

    def article(self, slug: str) -> JsArticle:
        return next(a for a in self.articles if a.slug == slug)

    def render(self, path: str, query: str, base_url: str) -> Response:
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /api/private/\nSitemap: {base_url}/sitemap.xml\n"
            return Response(200, body.encode(), "text/plain")
        listed = [a for a in self.articles if a.kind != "hidden"]
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{base_url}{a.path}</loc></url>" for a in listed)
            xml = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            )
            return Response(200, (xml + urls + "</urlset>").encode(), "application/xml")
        if path == "/":
            links = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in listed)
            more = '<a href="/more/">More stories</a>' if len(listed) < len(self.articles) else ""
            return self._html("Harbour News", f"<h1>Harbour News</h1><ul>{links}</ul>{more}")
        if path == "/more/":  # a listing that is a shell: its links come from /api/more.json
            page = (
                '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>More'
                '</title></head><body data-api="/api/more.json"><div id="root"></div>'
                '<script src="/static/list.js"></script></body></html>'
            )
            return Response(200, page.encode(), HTML)
        if path == "/api/more.json":
            hidden = [
                {"path": a.path, "title": a.title} for a in self.articles if a.kind == "hidden"
            ]
            return Response(200, json.dumps(hidden).encode(), "application/json")
        if path == "/static/app.js":
            return Response(200, APP_JS, "application/javascript")
        if path == "/static/lazy.js":
            return Response(200, LAZY_JS, "application/javascript")
        if path == "/static/feed.js":
            return Response(200, FEED_JS, "application/javascript")
        if path == "/static/busy.js":
            return Response(200, BUSY_JS, "application/javascript")
        if path == "/api/tick.json":
            return Response(200, b'{"ok": true}', "application/json")
        if path == "/api/feed.json":
            page = query.partition("page=")[2] or "0"
            items = [
                {"text": f"Feed page {page}, story {n}: more from the harbour."} for n in (1, 2)
            ]
            return Response(200, json.dumps(items).encode(), "application/json")
        if path == "/static/list.js":
            return Response(200, LIST_JS, "application/javascript")
        if path == "/static/app.css":
            return Response(200, APP_CSS, "text/css")
        if path.startswith("/go/"):
            location = base_url + "/static/" + path.removeprefix("/go/")
            return Response(302, b"", HTML, headers=[("Location", location)], compressible=False)
        if path.startswith(("/static/photo-", "/static/lazy-", "/static/below-")):
            return Response(200, _png(40, 30, (30, 90, 160)), "image/png", compressible=False)
        for article in self.articles:
            if path == article.api_path:
                data = {
                    "title": article.title,
                    "date": article.date,
                    "image": article.image_path,
                    "paragraphs": article.paragraphs,
                }
                return Response(200, json.dumps(data).encode(), "application/json")
        article = self._by_path.get(path.rstrip("/"))
        if article is None:
            return Response(404, b"<html><body>Not found</body></html>", HTML)
        if article.kind in ("static", "hidden", "lazy"):
            text = "".join(f"<p>{p}</p>" for p in article.paragraphs)
            main = (
                f'<article><h1>{article.title}</h1><time datetime="{article.date}">'
                f'{article.date}</time><img alt="" src="{article.image_path}">{text}</article>'
            )
            if article.kind == "lazy":  # 4,000 pixels down: off the first screens
                scripted, native = article.lazy_paths
                main += (
                    '<div style="height:4000px"></div><figure><img alt="" width="40" '
                    f'height="30" data-src="{scripted}"></figure><div style="height:1500px">'
                    f'</div><img alt="" width="40" height="30" loading="lazy" src="{native}">'
                    '<script src="/static/lazy.js"></script>'
                )
            return self._html(article.title, main)
        return self._shell(article)

    def _html(self, title: str, main: str) -> Response:
        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<link rel="stylesheet" href="/static/app.css"></head>'
            f"<body><main>{main}</main></body></html>"
        )
        return Response(200, page.encode(), HTML)

    def _shell(self, article: JsArticle) -> Response:
        extra = "<script>for (;;) {}</script>" if article.kind == "frozen" else ""
        if article.kind == "feed":  # below the article, past the first screen
            extra = (
                '<div style="height:1500px"></div><div id="feed"></div><div id="feed-end">'
                '</div><script src="/static/feed.js"></script>'
            )
        if article.kind == "busy":
            extra = '<div style="height:3000px"></div><script src="/static/busy.js"></script>'
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour News'
            '</title><meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{article.date}T08:00:00Z">'
            '<link rel="stylesheet" href="/static/app.css"></head>'
            f'<body data-api="{article.api_path}"><noscript>Please enable JavaScript to read '
            f'this article.</noscript><div id="root"></div>{extra}'
            '<script src="/static/app.js"></script></body></html>'
        )
        return Response(200, page.encode(), HTML)
