"""The `amp` and `newssitemap` anysite kinds."""

from __future__ import annotations

import html
import json

from tests.fixture_site.site import Response

from . import pages
from .base import AnySite, Params, Story, html_response, human, xml_response
from .text import SECTIONS, TextMaker

NEWS_SITEMAP_SIZE = 8
AMP_PAGE = """<!doctype html>
<html amp lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{canonical}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<script type="application/ld+json">{ld}</script>
<style amp-boilerplate>body{{visibility:visible}}</style>
</head>
<body>
<header class="amp-header"><a href="{home}/">{site}</a></header>
<article class="amp-article">
<h1 class="amp-title">{title}</h1>
<div class="amp-byline">By {author} <time datetime="{iso}">{human}</time></div>
<div class="amp-body">
{body}</div>
</article>
<footer class="amp-footer"><a href="{canonical}">View full site</a></footer>
</body>
</html>
"""


def _ld(kind: str, headline: str, url: str, iso: str, site: str, **extra: object) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": kind,
        "headline": headline,
        "url": url,
        "datePublished": iso,
        "publisher": {"@type": "Organization", "name": site},
        **extra,
    }
    return json.dumps(data).replace("</", "<\\/")


class AmpSite(AnySite):
    """/news/slug-N with rel=amphtml to /news/slug-N/amp; listings link both forms; RSS in
    <head>; a live blog (/live/...) and photo galleries (/gallery/...) that are not articles."""

    LIVE = ("/live/storm-updates", "/live/election-night")
    GALLERIES = ("/gallery/harbour-festival-in-pictures", "/gallery/winter-on-the-coast")

    def story_url(self, story: Story, base: str) -> str:
        return f"{base}/news/{story.slug}-{story.n}"

    def aliases(self, story: Story, base: str) -> list[str]:
        return [self.story_url(story, base) + "/amp"]

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/", "Home")]
        items += [(f"{base}/section/{s}", s.title()) for s in SECTIONS]
        items += [(base + p, "Live") for p in self.LIVE[:1]]
        items += [(base + p, "Pictures") for p in self.GALLERIES[:1]]
        items += [(f"{base}/about", "About")]
        return items

    def non_articles(self, base_url: str) -> set[str]:
        out = {f"{base_url}/", f"{base_url}/about"}
        out |= {f"{base_url}/section/{s}" for s in SECTIONS}
        return out | {base_url + p for p in self.LIVE + self.GALLERIES}

    def discovery_files(self, base_url: str) -> dict[str, set[str]]:
        return {f"{base_url}/rss.xml": {self.story_url(s, base_url) for s in self.stories}}

    def _head(self, base: str) -> str:
        return (
            f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{base}/rss.xml">'
        )

    def _teasers(self, stories: list[Story], base: str) -> str:
        items = []
        for i, s in enumerate(stories):
            url = self.story_url(s, base) + ("/amp" if i % 2 else "")
            items.append((url, s.headline, s.summary))
        extra = "".join(
            f'<div class="more"><a href="{base}{p}">{p.split("/")[-1].replace("-", " ")}</a></div>'
            for p in self.LIVE + self.GALLERIES
        )
        return pages.teasers_html(items) + extra

    def page(self, path: str, params: Params, base: str) -> Response | None:
        if path == "/rss.xml":
            items = self.rss_items(self.stories, base)
            return Response(
                200, pages.rss(self.site_name, base + "/", items), "application/rss+xml"
            )
        for s in self.stories:
            url = self.story_url(s, base)
            if base + path == url:
                amp = f'<link rel="amphtml" href="{url}/amp">' + self._head(base)
                comments = f"{base}/api/comments?story={s.n}"
                tail = f'<div class="comments"><a href="{comments}">Comments</a></div>'
                return html_response(self.article_html(s, base, amp, tail))
            if base + path == url + "/amp":
                return html_response(self._amp(s, base))
        if path == "/":
            body = self._teasers(self.stories[:12], base)
            return html_response(
                self.page_html(base, path, "Top stories", body, head_extra=self._head(base))
            )
        if path.startswith("/section/") and path[9:] in SECTIONS:
            stories = [s for s in self.stories if s.section == path[9:]]
            body = self._teasers(stories, base)
            return html_response(
                self.page_html(base, path, path[9:].title(), body, head_extra=self._head(base))
            )
        if path in self.LIVE:
            return html_response(self._live(path, base))
        if path in self.GALLERIES:
            return html_response(self._gallery(path, base))
        if path == "/about":
            body = pages.paragraphs_html(TextMaker(self.seed + 3).history(150, self.site_name))
            return html_response(self.page_html(base, path, "About us", body))
        if path.startswith("/api/"):
            return Response(200, b'{"comments": []}', "application/json")
        return None

    def _amp(self, s: Story, base: str) -> str:
        canonical = self.story_url(s, base)
        ld = _ld("NewsArticle", s.headline, canonical, s.iso, self.site_name)
        return AMP_PAGE.format(
            lang=self.language,
            title=html.escape(s.headline),
            canonical=html.escape(canonical),
            ld=ld,
            home=base,
            site=html.escape(self.site_name),
            author=html.escape(s.author),
            iso=s.iso,
            human=human(s.published),
            body=pages.paragraphs_html(s.paragraphs),
        )

    def _live(self, path: str, base: str) -> str:
        maker = TextMaker(self.seed + len(path))
        updates = []
        for i in range(12):
            stamp = f"2024-03-20T{20 - i:02d}:{(i * 7) % 60:02d}:00+00:00"
            updates.append(
                f'<div class="live-update"><time datetime="{stamp}">{20 - i:02d}:'
                f"{(i * 7) % 60:02d}</time><p>{html.escape(maker.paragraph(2))}</p></div>"
            )
        title = path.split("/")[-1].replace("-", " ").capitalize() + ": live"
        ld = _ld(
            "LiveBlogPosting",
            title,
            base + path,
            "2024-03-20T08:00:00+00:00",
            self.site_name,
            coverageStartTime="2024-03-20T08:00:00+00:00",
        )
        head = f'<script type="application/ld+json">{ld}</script>'
        return self.page_html(base, path, title, "\n".join(updates), head_extra=head)

    def _gallery(self, path: str, base: str) -> str:
        maker = TextMaker(self.seed + 2 * len(path))
        figures = "".join(
            f'<figure class="gallery-item"><img src="{base}/static/photo{i}.png" alt="Photo {i}">'
            f"<figcaption>{html.escape(maker.sentence())}</figcaption></figure>"
            for i in range(10)
        )
        title = path.split("/")[-1].replace("-", " ").capitalize()
        return self.page_html(base, path, title, figures)


class NewsSitemapSite(AnySite):
    """Articles at /a/<hex>, found only through robots.txt Sitemap lines: a Google News
    sitemap of the newest and an index of monthly urlsets. The home page's teasers are
    empty JavaScript slots: no article link in any HTML page."""

    def story_url(self, story: Story, base: str) -> str:
        return f"{base}/a/{story.hex}"

    def _months(self) -> dict[str, list[Story]]:
        out: dict[str, list[Story]] = {}
        for s in self.stories:
            out.setdefault(f"{s.published:%Y-%m}", []).append(s)
        return out

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/", "Home")]
        items += [(f"{base}/section/{s}", s.title()) for s in SECTIONS]
        return items + [(f"{base}/about", "About"), (f"{base}/contact", "Contact")]

    def non_articles(self, base_url: str) -> set[str]:
        return {url for url, _ in self.nav(base_url)}

    def discovery_files(self, base_url: str) -> dict[str, set[str]]:
        out = {
            f"{base_url}/sitemaps/news.xml": {
                self.story_url(s, base_url) for s in self.stories[:NEWS_SITEMAP_SIZE]
            },
            f"{base_url}/sitemaps/index.xml": {
                f"{base_url}/sitemaps/{m}.xml" for m in self._months()
            },
        }
        for month, stories in self._months().items():
            out[f"{base_url}/sitemaps/{month}.xml"] = {self.story_url(s, base_url) for s in stories}
        return out

    def _slots(self, stories: list[Story]) -> str:
        slots = "".join(
            f'<div class="teaser-slot" data-teaser="{s.hex}"><span class="loading">Loading'
            "…</span></div>"
            for s in stories
        )
        return (
            f'<div id="teasers">{slots}</div><noscript>Enable JavaScript to see stories.</noscript>'
        )

    def page(self, path: str, params: Params, base: str) -> Response | None:
        if path == "/sitemaps/news.xml":
            items = [
                (self.story_url(s, base), s.iso, s.headline)
                for s in self.stories[:NEWS_SITEMAP_SIZE]
            ]
            return xml_response(pages.news_sitemap(items, self.site_name))
        if path == "/sitemaps/index.xml":
            return xml_response(
                pages.sitemap_index(f"{base}/sitemaps/{m}.xml" for m in self._months())
            )
        months = self._months()
        if path.startswith("/sitemaps/") and path[10:-4] in months:
            stories = months[path[10:-4]]
            return xml_response(pages.urlset((self.story_url(s, base), s.iso) for s in stories))
        for s in self.stories:
            if path == f"/a/{s.hex}":
                tail = f'<a class="preview" href="{base}/preview/a/{s.hex}">Preview</a>'
                return html_response(self.article_html(s, base, tail=tail))
        if path == "/":
            return html_response(self.page_html(base, path, "Today", self._slots(self.stories[:6])))
        if path.startswith("/section/") and path[9:] in SECTIONS:
            stories = [s for s in self.stories if s.section == path[9:]][:4]
            return html_response(self.page_html(base, path, path[9:].title(), self._slots(stories)))
        maker = TextMaker(self.seed + 5)
        if path == "/about":
            body = pages.paragraphs_html(maker.history(120, self.site_name))
            return html_response(self.page_html(base, path, "About", body))
        if path == "/contact":
            body = "<p>Newsroom: news@example.invalid</p><p>Advertising: ads@example.invalid</p>"
            return html_response(self.page_html(base, path, "Contact", body))
        if path.startswith("/preview/"):
            return html_response("<html><body><p>Preview</p></body></html>")
        return None


def amp(site_name: str, stories: list[Story], seed: int) -> AnySite:
    return AmpSite("amp", site_name, stories, ("/api/",), seed)


def newssitemap(site_name: str, stories: list[Story], seed: int) -> AnySite:
    extra = "Sitemap: {BASE}/sitemaps/news.xml\nSitemap: {BASE}/sitemaps/index.xml\n"
    return NewsSitemapSite(
        "newssitemap", site_name, stories, ("/preview/",), seed, robots_extra=extra
    )
