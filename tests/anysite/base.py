"""AnySite: the shared part of every anysite fixture site (stories, truth, page rendering)."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs

from tests.fixture_site.site import HTML_UTF8, LOGO_PNG, XML_UTF8, Response, slugify

from . import pages
from .text import PEOPLE, SECTIONS, TAGS, TextMaker

Params = dict[str, str]
NEWEST = datetime(2024, 3, 20, 8, 30, tzinfo=UTC)


@dataclass(frozen=True)
class TrueArticle:
    url: str  # canonical URL
    headline: str
    first_paragraph: str
    published: str  # ISO 8601
    language: str
    text: str  # the whole body, paragraphs joined by newlines
    aliases: tuple[str, ...] = ()  # other URLs that serve the same article


@dataclass
class Story:
    n: int
    headline: str
    paragraphs: list[str]
    published: datetime
    section: str
    tag: str
    author: str
    template: str

    @property
    def slug(self) -> str:
        return slugify(self.headline)[:60].strip("-")

    @property
    def summary(self) -> str:
        words = self.paragraphs[0].split()
        return " ".join(words[:24]) + ("…" if len(words) > 24 else "")

    @property
    def iso(self) -> str:
        return self.published.isoformat()

    @property
    def hex(self) -> str:
        return hashlib.sha1(f"{self.n}:{self.headline}".encode()).hexdigest()[:12]


def make_stories(n_articles: int, seed: int, templates: tuple[str, ...]) -> list[Story]:
    maker = TextMaker(seed)
    stories = []
    for i in range(n_articles):
        short = i % 5 == 4
        paras = maker.paragraphs(80 if short else 150 + (i * 37) % 200)
        stories.append(
            Story(
                n=100 + i,
                headline=maker.headline(),
                paragraphs=paras,
                published=NEWEST - timedelta(hours=65 * i),
                section=SECTIONS[i % len(SECTIONS)],
                tag=TAGS[(i * 3) % len(TAGS)],
                author=PEOPLE[i % 4],
                template=templates[(i + seed) % len(templates)],
            )
        )
    return stories


def html_response(body: str, status: int = 200) -> Response:
    return Response(status, body.encode("utf-8"), HTML_UTF8)


def xml_response(body: bytes) -> Response:
    return Response(200, body, XML_UTF8)


def not_found() -> Response:
    return html_response("<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>", 404)


def human(when: datetime) -> str:
    return f"{when:%B} {when.day}, {when:%Y} {when:%H:%M}"


@dataclass
class AnySite:
    kind: str
    site_name: str
    stories: list[Story] = field(default_factory=list)
    disallowed: tuple[str, ...] = ()
    seed: int = 0
    language: str = "en"
    robots_extra: str = ""

    # ---- per-kind hooks -------------------------------------------------------------
    def story_url(self, story: Story, base: str) -> str:
        raise NotImplementedError

    def aliases(self, story: Story, base: str) -> list[str]:
        return []

    def page(self, path: str, params: Params, base: str) -> Response | None:
        raise NotImplementedError

    def nav(self, base: str) -> list[tuple[str, str]]:
        """(url, label) of the site menu, shown on every page."""
        raise NotImplementedError

    def non_articles(self, base_url: str) -> set[str]:
        raise NotImplementedError

    def discovery_files(self, base_url: str) -> dict[str, set[str]]:
        """Sitemap/feed URL -> exactly the URLs it lists."""
        return {}

    def robots(self, base: str) -> str:
        lines = ["User-agent: *", *(f"Disallow: {p}" for p in self.disallowed)]
        return "\n".join(lines) + "\n" + self.robots_extra.replace("{BASE}", base)

    # ---- public API -----------------------------------------------------------------
    def render(self, path: str, query: str, base_url: str) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots(base_url).encode(), "text/plain; charset=utf-8")
        if path == "/static/site.css":
            return Response(200, b"body { margin: 0; }\n", "text/css")
        if path.startswith("/static/"):
            return Response(200, LOGO_PNG, "image/png", compressible=False)
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        return self.page(path, params, base_url) or not_found()

    def articles(self, base_url: str) -> dict[str, TrueArticle]:
        return {
            self.story_url(s, base_url): TrueArticle(
                url=self.story_url(s, base_url),
                headline=s.headline,
                first_paragraph=s.paragraphs[0],
                published=s.iso,
                language=self.language,
                text="\n".join(s.paragraphs),
                aliases=tuple(self.aliases(s, base_url)),
            )
            for s in self.stories
        }

    # ---- rendering helpers ----------------------------------------------------------
    def nav_html(self, base: str) -> str:
        return pages.link_list(self.nav(base))

    def values(self, base: str, headline: str, canonical: str, body: str) -> dict[str, str]:
        return {
            "HOME": base,
            "SITE": self.site_name,
            "HEADLINE": headline,
            "CANONICAL": canonical,
            "BODY": body,
            "NAV": self.nav_html(base),
            "LANG": self.language,
            "OG_TYPE": "website",
            "SUMMARY": "",
            "AUTHOR": "",
            "HEAD_LINKS": f'<link rel="canonical" href="{html.escape(canonical, quote=True)}">',
            "DATE_ISO": "",
            "DATE_HUMAN": "",
        }

    def article_html(self, story: Story, base: str, head_extra: str = "", tail: str = "") -> str:
        canonical = self.story_url(story, base)
        values = self.values(
            base, story.headline, canonical, pages.paragraphs_html(story.paragraphs)
        )
        values.update(
            OG_TYPE="article",
            SUMMARY=story.summary,
            AUTHOR=story.author,
            DATE_ISO=story.iso,
            DATE_HUMAN=human(story.published),
        )
        values["HEAD_LINKS"] += head_extra
        links = [u for u, _ in self.nav(base)]
        page = pages.fill(story.template, True, values, links)
        return _before_body_end(page, tail)

    def page_html(
        self,
        base: str,
        path: str,
        title: str,
        body: str,
        template: str | None = None,
        head_extra: str = "",
        tail: str = "",
    ) -> str:
        """A non-article page in one of the real templates' shells."""
        if template is None:
            names = pages.template_names()
            template = names[(sum(map(ord, path)) + self.seed) % len(names)]
        values = self.values(base, title, base + path, body)
        values["HEAD_LINKS"] += head_extra
        page = pages.fill(template, False, values, [u for u, _ in self.nav(base)])
        return _before_body_end(page, tail)

    def teasers(self, stories: list[Story], base: str) -> str:
        return pages.teasers_html((self.story_url(s, base), s.headline, s.summary) for s in stories)

    def rss_items(self, stories: list[Story], base: str) -> list[tuple[str, str, str, str]]:
        return [
            (self.story_url(s, base), s.headline, s.summary, format_datetime(s.published))
            for s in stories
        ]


def _before_body_end(page: str, tail: str) -> str:
    if not tail:
        return page
    at = page.rfind("</body>")
    return page[:at] + tail + page[at:] if at >= 0 else page + tail
