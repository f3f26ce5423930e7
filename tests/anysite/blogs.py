"""The `wordpress` and `querycms` (Joomla-like) anysite kinds."""

from __future__ import annotations

import html
from datetime import date, timedelta
from urllib.parse import urlencode

from tests.fixture_site.site import Response

from . import pages
from .base import AnySite, Params, Story, html_response, xml_response
from .text import SECTIONS, TAGS, TextMaker

WP_PER_PAGE = 4
WP_FEED_SIZE = 10


def _chunks(items: list[Story], size: int) -> list[list[Story]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


class WordPressSite(AnySite):
    """/YYYY/MM/DD/slug/ posts, categories/tags/authors, /feed/, wp-sitemap.xml (no Sitemap
    line in robots.txt), ?replytocom=N comment links that serve the post again."""

    def story_url(self, story: Story, base: str) -> str:
        return f"{base}{story.published:/%Y/%m/%d}/{story.slug}/"

    def aliases(self, story: Story, base: str) -> list[str]:
        return [f"{self.story_url(story, base)}?replytocom={story.n * 10 + 1}"]

    def _author_slug(self, story: Story) -> str:
        return story.author.lower().replace(" ", "-")

    def _lists(self) -> dict[str, list[Story]]:
        out: dict[str, list[Story]] = {"/": self.stories}
        for s in self.stories:
            out.setdefault(f"/category/{s.section}/", []).append(s)
            out.setdefault(f"/tag/{s.tag}/", []).append(s)
            out.setdefault(f"/author/{self._author_slug(s)}/", []).append(s)
        return out

    def _list_pages(self) -> dict[str, tuple[list[Story], str | None]]:
        """Every listing page path -> (its stories, the next page's path)."""
        out: dict[str, tuple[list[Story], str | None]] = {}
        for root, stories in self._lists().items():
            chunks = _chunks(stories, WP_PER_PAGE if root != "/" else 6)
            for i, chunk in enumerate(chunks):
                path = root if i == 0 else f"{root}page/{i + 1}/"
                nxt = f"{root}page/{i + 2}/" if i + 1 < len(chunks) else None
                out[path] = (chunk, nxt)
        return out

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/", "Home")]
        items += [(f"{base}/category/{s}/", s.title()) for s in SECTIONS]
        items += [(f"{base}/about/", "About"), (f"{base}/privacy-policy/", "Privacy Policy")]
        items += [(f"{base}/wp-login.php", "Log in")]
        return items

    def non_articles(self, base_url: str) -> set[str]:
        out = {base_url + p for p in self._list_pages()}
        return out | {f"{base_url}/about/", f"{base_url}/privacy-policy/"}

    def discovery_files(self, base_url: str) -> dict[str, set[str]]:
        posts = {self.story_url(s, base_url) for s in self.stories}
        subs = ("posts-post-1", "posts-page-1", "taxonomies-category-1")
        return {
            f"{base_url}/feed/": {self.story_url(s, base_url) for s in self.stories[:WP_FEED_SIZE]},
            f"{base_url}/wp-sitemap.xml": {f"{base_url}/wp-sitemap-{s}.xml" for s in subs},
            f"{base_url}/wp-sitemap-posts-post-1.xml": posts,
            f"{base_url}/wp-sitemap-posts-page-1.xml": {
                f"{base_url}/about/",
                f"{base_url}/privacy-policy/",
            },
            f"{base_url}/wp-sitemap-taxonomies-category-1.xml": {
                f"{base_url}/category/{s}/" for s in sorted({x.section for x in self.stories})
            },
        }

    def page(self, path: str, params: Params, base: str) -> Response | None:
        files = self.discovery_files(base)
        if base + path in files and "replytocom" not in params:
            return self._xml(path, base)
        feed = f'<link rel="alternate" type="application/rss+xml" href="{base}/feed/">'
        for s in self.stories:
            if path == self.story_url(s, base)[len(base) :]:
                reply = f"{self.story_url(s, base)}?replytocom={s.n * 10 + 1}"
                tail = (
                    '<div id="comments" class="comments-area"><ol class="comment-list">'
                    '<li class="comment"><div class="comment-content"><p>Thanks for the '
                    "update.</p></div>"
                    f'<a class="comment-reply-link" href="{reply}">Reply</a></li></ol>'
                    f'<a class="post-edit-link" href="{base}/wp-admin/post.php?post={s.n}'
                    '&amp;action=edit">Edit</a></div>'
                )
                return html_response(self.article_html(s, base, feed, tail))
        listing = self._list_pages().get(path)
        if listing is not None:
            stories, nxt = listing
            body = self.teasers(stories, base)
            if nxt:
                body += f'<div class="nav-previous"><a href="{base}{nxt}">Older posts</a></div>'
            title = path.strip("/").split("/page/")[0].replace("/", ": ") or "Latest news"
            return html_response(self.page_html(base, path, title.title(), body, head_extra=feed))
        maker = TextMaker(self.seed + 7)
        if path == "/about/":
            body = pages.paragraphs_html(maker.history(160, self.site_name))
            return html_response(self.page_html(base, path, "About", body))
        if path == "/privacy-policy/":
            body = pages.paragraphs_html(maker.legal(200, "privacy policy"))
            return html_response(self.page_html(base, path, "Privacy Policy", body))
        if path.startswith(("/wp-admin/", "/wp-login.php")):
            return html_response("<html><body><form>Log in</form></body></html>")
        return None

    def _xml(self, path: str, base: str) -> Response:
        if path == "/feed/":
            items = self.rss_items(self.stories[:WP_FEED_SIZE], base)
            return Response(
                200, pages.rss(self.site_name, base + "/", items), "application/rss+xml"
            )
        if path == "/wp-sitemap.xml":
            return xml_response(
                pages.sitemap_index(sorted(self.discovery_files(base)[base + path]))
            )
        if path == "/wp-sitemap-posts-post-1.xml":
            return xml_response(
                pages.urlset((self.story_url(s, base), s.iso) for s in self.stories)
            )
        locs = sorted(self.discovery_files(base)[base + path])
        return xml_response(pages.urlset((loc, "2024-01-01") for loc in locs))


class QueryCmsSite(AnySite):
    """Joomla-like index.php?option=...; one article under several Itemid/catid/sid forms,
    rel=canonical to one; category listings with &start=N; an endless event calendar."""

    def _catid(self, story: Story) -> int:
        return SECTIONS.index(story.section) + 1

    def _article_query(self, story: Story, itemid: int, catid: bool, sid: str = "") -> str:
        query: dict[str, object] = {"option": "com_content", "view": "article", "id": story.n}
        if catid:
            query["catid"] = self._catid(story)
        query["Itemid"] = itemid
        if sid:
            query["sid"] = sid
        return "/index.php?" + urlencode(query)

    def story_url(self, story: Story, base: str) -> str:
        return base + self._article_query(story, 101 + self._catid(story), True)

    def aliases(self, story: Story, base: str) -> list[str]:
        return [
            base + self._article_query(story, 101, False),
            base + self._article_query(story, 150, True),
        ]

    def _category(self, cat: int, start: int) -> str:
        return f"/index.php?option=com_content&view=category&id={cat}&start={start}"

    def _day(self, day: date) -> str:
        return f"/index.php?option=com_events&view=day&date={day.isoformat()}"

    def nav(self, base: str) -> list[tuple[str, str]]:
        items = [(f"{base}/index.php", "Home")]
        items += [(base + self._category(i + 1, 0), s.title()) for i, s in enumerate(SECTIONS)]
        items += [
            (base + self._day(date(2024, 3, 20)), "Events"),
            (f"{base}/index.php?option=com_content&view=article&id=1&Itemid=200", "About"),
            (f"{base}/index.php?option=com_users&view=login", "Login"),
        ]
        return items

    def _sections(self) -> dict[int, list[Story]]:
        out: dict[int, list[Story]] = {}
        for s in self.stories:
            out.setdefault(self._catid(s), []).append(s)
        return out

    def non_articles(self, base_url: str) -> set[str]:
        out = {f"{base_url}/index.php", base_url + self._day(date(2024, 3, 20))}
        out.add(f"{base_url}/index.php?option=com_content&view=article&id=1&Itemid=200")
        for cat in range(1, len(SECTIONS) + 1):
            stories = self._sections().get(cat, [])
            for start in range(0, max(len(stories), 1), 5):
                out.add(base_url + self._category(cat, start))
        return out

    def _teasers(self, stories: list[Story], base: str) -> str:
        items = []
        for i, s in enumerate(stories):
            sid = f"{(s.n * 7919) % 65536:04x}{i}" if i % 3 == 0 else ""
            url = base + self._article_query(s, 101, i % 2 == 0, sid)
            items.append((url, s.headline, s.summary))
        return pages.teasers_html(items)

    def page(self, path: str, params: Params, base: str) -> Response | None:
        if path == "/":
            return html_response(
                '<html><head><meta http-equiv="refresh" content="0; url=/index.php"></head>'
                f'<body><a href="{base}/index.php">Home</a></body></html>'
            )
        if path != "/index.php":
            return None
        option, view = params.get("option", ""), params.get("view", "")
        if not option:
            body = self._teasers(self.stories[:10], base)
            return html_response(self.page_html(base, "/index.php", "Home", body))
        if option == "com_content" and view == "article":
            return self._article(params, base)
        if option == "com_content" and view == "category":
            cat, start = int(params.get("id", "0") or 0), int(params.get("start", "0") or 0)
            stories = self._sections().get(cat)
            if stories is None or start % 5 or start >= max(len(stories), 1):
                return None
            body = self._teasers(stories[start : start + 5], base)
            if start + 5 < len(stories):
                nxt = html.escape(base + self._category(cat, start + 5))
                body += f'<ul class="pagination"><li><a href="{nxt}">Next</a></li></ul>'
            title = SECTIONS[cat - 1].title()
            path_q = self._category(cat, start)
            return html_response(self.page_html(base, path_q, title, body))
        if option == "com_events":
            try:
                day = date.fromisoformat(params.get("date", ""))
            except ValueError:
                return None
            prev_day = html.escape(base + self._day(day - timedelta(days=1)))
            next_day = html.escape(base + self._day(day + timedelta(days=1)))
            body = (
                f"<p>No events are listed for {day:%A %d %B %Y}.</p>"
                f'<p><a href="{prev_day}">Previous day</a> | <a href="{next_day}">Next day</a></p>'
            )
            return html_response(self.page_html(base, self._day(day), "Events calendar", body))
        if option == "com_users":
            return html_response("<html><body><form>Login</form></body></html>")
        return None

    def _article(self, params: Params, base: str) -> Response | None:
        ident = params.get("id", "")
        if ident == "1":
            maker = TextMaker(self.seed + 11)
            body = pages.paragraphs_html(maker.history(180, self.site_name))
            path = "/index.php?option=com_content&view=article&id=1&Itemid=200"
            return html_response(self.page_html(base, path, "About us", body))
        for s in self.stories:
            if str(s.n) == ident:
                return html_response(self.article_html(s, base))
        return None


def wordpress(site_name: str, stories: list[Story], seed: int) -> AnySite:
    return WordPressSite("wordpress", site_name, stories, ("/wp-admin/", "/wp-login.php"), seed)


def querycms(site_name: str, stories: list[Story], seed: int) -> AnySite:
    disallowed = ("/administrator/", "/index.php?option=com_users")
    return QueryCmsSite("querycms", site_name, stories, disallowed, seed)


__all__ = ["TAGS", "WordPressSite", "QueryCmsSite", "wordpress", "querycms"]
