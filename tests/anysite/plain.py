"""The `listings` and `longpages` anysite kinds."""

from __future__ import annotations

import html

from tests.fixture_site.site import Response

from . import pages
from .base import AnySite, Params, Story, html_response, xml_response
from .text import PEOPLE, SECTIONS, TextMaker

LIST_SIZE = 4
HOME_SIZE = 6
PAGE_PARAM_SECTIONS = SECTIONS[:2]  # ?page=N; the others use ?offset=N


class ListingsSite(AnySite):
    """No sitemap, no feed: home -> sections (?page=N or ?offset=N) and "More stories" pages
    linked by their text only; articles at /story/slug-words-NNNN.html."""

    def story_url(self, story: Story, base: str) -> str:
        return f"{base}/story/{story.slug}-{story.n + 900:04d}.html"

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/", "Home")]
        items += [(f"{base}/section/{s}", s.title()) for s in SECTIONS]
        return items + [(f"{base}/about", "About us"), (f"{base}/contact", "Contact")]

    def _section(self, name: str) -> list[Story]:
        return [s for s in self.stories if s.section == name]

    def _section_pages(self, name: str) -> list[str]:
        """Every page path(+query) of a section, the first as the menu links it."""
        count = len(self._section(name))
        starts = range(0, max(count, 1), LIST_SIZE)
        if name in PAGE_PARAM_SECTIONS:
            return [f"/section/{name}"] + [
                f"/section/{name}?page={i // LIST_SIZE + 1}" for i in starts if i
            ]
        return [f"/section/{name}"] + [f"/section/{name}?offset={i}" for i in starts if i]

    def _latest_pages(self) -> int:
        return max(1, -(-(len(self.stories) - HOME_SIZE) // HOME_SIZE)) + 1

    def non_articles(self, base_url: str) -> set[str]:
        out = {url for url, _ in self.nav(base_url)}
        for name in SECTIONS:
            out |= {base_url + p for p in self._section_pages(name)}
        return out | {f"{base_url}/latest/{n}" for n in range(2, self._latest_pages() + 1)}

    def page(self, path: str, params: Params, base: str) -> Response | None:
        for s in self.stories:
            if base + path == self.story_url(s, base):
                tail = f'<a class="print" href="{base}/print{path}">Print</a>'
                return html_response(self.article_html(s, base, tail=tail))
        if path == "/" or path.startswith("/latest/"):
            n = 1 if path == "/" else int(path[8:]) if path[8:].isdigit() else 0
            if not 1 <= n <= self._latest_pages():
                return None
            start = 0 if n == 1 else HOME_SIZE * (n - 1)
            chunk = self.stories[start : start + HOME_SIZE]
            body = self.teasers(chunk, base)
            if n < self._latest_pages():
                body += f'<p class="more"><a href="{base}/latest/{n + 1}">More stories</a></p>'
            return html_response(self.page_html(base, path, "Latest", body))
        if path.startswith("/section/") and path[9:] in SECTIONS:
            return self._section_page(path[9:], params, base)
        maker = TextMaker(self.seed + 9)
        if path == "/about":
            body = pages.paragraphs_html(maker.history(150, self.site_name))
            return html_response(self.page_html(base, path, "About us", body))
        if path == "/contact":
            body = "<p>Write to the newsroom at news@example.invalid.</p>"
            return html_response(self.page_html(base, path, "Contact", body))
        if path.startswith("/print/"):
            return html_response("<html><body><p>Print view</p></body></html>")
        return None

    def _section_page(self, name: str, params: Params, base: str) -> Response | None:
        stories = self._section(name)
        if name in PAGE_PARAM_SECTIONS:
            raw = params.get("page", "1")
            start = (int(raw) - 1) * LIST_SIZE if raw.isdigit() and int(raw) > 0 else -1
            nxt = f"?page={start // LIST_SIZE + 2}"
        else:
            raw = params.get("offset", "0")
            start = int(raw) if raw.isdigit() and int(raw) % LIST_SIZE == 0 else -1
            nxt = f"?offset={start + LIST_SIZE}"
        if start < 0 or (start and start >= len(stories)):
            return None
        body = self.teasers(stories[start : start + LIST_SIZE], base)
        if start + LIST_SIZE < len(stories):
            body += f'<div class="pager"><a href="{base}/section/{name}{nxt}">Next page</a></div>'
        if not start:
            query = ""
        elif name in PAGE_PARAM_SECTIONS:
            query = f"?page={start // LIST_SIZE + 1}"
        else:
            query = f"?offset={start}"
        return html_response(self.page_html(base, f"/section/{name}{query}", name.title(), body))


class LongPagesSite(AnySite):
    """A normal site (/articles/NNNN/slug, sitemap.xml, feed.xml) plus many long pages of
    real prose that are not articles: terms, privacy, history, author bios, an annual
    report, a long-teaser section front, a 200-status "page not found", a gallery."""

    def story_url(self, story: Story, base: str) -> str:
        return f"{base}/articles/{story.n}/{story.slug}"

    def _people(self) -> list[str]:
        return sorted({s.author for s in self.stories}) or PEOPLE[:1]

    def _long_paths(self) -> list[str]:
        paths = ["/terms", "/privacy", "/about/history", "/annual-report-2023"]
        paths += ["/section/longreads", "/archive/2019", "/gallery/coastal-towns-in-pictures"]
        return paths + [f"/people/{p.lower().replace(' ', '-')}" for p in self._people()]

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/", "Home")]
        items += [(f"{base}/section/{s}", s.title()) for s in SECTIONS]
        items += [
            (base + p, p.strip("/").split("/")[-1].replace("-", " ")) for p in self._long_paths()
        ]
        return items

    def non_articles(self, base_url: str) -> set[str]:
        return {url for url, _ in self.nav(base_url)}

    def discovery_files(self, base_url: str) -> dict[str, set[str]]:
        articles = {self.story_url(s, base_url) for s in self.stories}
        everything = articles | {base_url + p for p in self._long_paths()}
        return {f"{base_url}/sitemap.xml": everything, f"{base_url}/feed.xml": articles}

    def page(self, path: str, params: Params, base: str) -> Response | None:
        if path == "/sitemap.xml":
            locs = [(self.story_url(s, base), s.iso) for s in self.stories]
            locs += [(base + p, "2024-01-15") for p in self._long_paths()]
            return xml_response(pages.urlset(locs))
        if path == "/feed.xml":
            items = self.rss_items(self.stories, base)
            return Response(
                200, pages.rss(self.site_name, base + "/", items), "application/rss+xml"
            )
        for s in self.stories:
            if base + path == self.story_url(s, base):
                tail = f'<a class="staff" href="{base}/admin/login">Staff login</a>'
                return html_response(self.article_html(s, base, tail=tail))
        if path == "/":
            return html_response(
                self.page_html(base, path, "Front page", self.teasers(self.stories, base))
            )
        if path.startswith("/section/") and path[9:] in SECTIONS:
            stories = [s for s in self.stories if s.section == path[9:]]
            return html_response(
                self.page_html(base, path, path[9:].title(), self.teasers(stories, base))
            )
        if path in self._long_paths():
            return html_response(self._long(path, base))
        if path.startswith("/admin/"):
            return html_response("<html><body><form>Admin</form></body></html>")
        return None

    def _long(self, path: str, base: str) -> str:
        maker = TextMaker(self.seed + sum(map(ord, path)))
        title = path.strip("/").split("/")[-1].replace("-", " ").capitalize()
        if path == "/terms":
            title, paras = "Terms of service", maker.legal(900, "terms of service")
        elif path == "/privacy":
            title, paras = "Privacy policy", maker.legal(700, "privacy policy")
        elif path == "/about/history":
            title, paras = f"The history of {self.site_name}", maker.history(700, self.site_name)
        elif path == "/annual-report-2023":
            title = "Annual report 2023"
            paras = [maker.paragraph(4) for _ in range(10)]
        elif path == "/archive/2019":
            title = "Page not found"
            paras = [
                "Sorry, the page you were looking for could not be found. It may have been "
                "moved, renamed or removed from the archive."
            ] + [maker.paragraph(3) for _ in range(3)]
        elif path == "/section/longreads":
            long = [
                (self.story_url(s, base), s.headline, " ".join(s.paragraphs[:2]))
                for s in self.stories[:12]
            ]
            return self.page_html(base, path, "Long reads", pages.teasers_html(long))
        elif path.startswith("/gallery/"):
            figures = "".join(
                f'<figure class="gallery-item"><img src="{base}/static/g{i}.png" alt="Photo {i}">'
                f"<figcaption>{html.escape(maker.paragraph(2))}</figcaption></figure>"
                for i in range(12)
            )
            return self.page_html(base, path, title, figures)
        else:
            person = next(p for p in self._people() if path.endswith(p.lower().replace(" ", "-")))
            title, paras = person, maker.bio(600, person)
        return self.page_html(base, path, title, pages.paragraphs_html(paras))


def listings(site_name: str, stories: list[Story], seed: int) -> AnySite:
    return ListingsSite("listings", site_name, stories, ("/print/",), seed)


def longpages(site_name: str, stories: list[Story], seed: int) -> AnySite:
    extra = "Sitemap: {BASE}/sitemap.xml\n"
    return LongPagesSite("longpages", site_name, stories, ("/admin/",), seed, robots_extra=extra)
