"""What the spiders' requests carry: their priorities and the meta keys they share."""

from __future__ import annotations

# request priorities: robots.txt (1000), sitemaps, feeds and start pages, then articles
# (and pages of an article's shape, a little more the likelier), listings, page assets
PRIO_SITEMAP = 50
PRIO_FEED = 40
PRIO_ARTICLE = 20
PRIO_LISTING = 0
PRIO_ASSET = -10

# a page judged article or not once fetched (a site without an article pattern)
DECIDE_META = "archive_decide"
# how a sitemap or feed listed it: "news" (a feed, a Google News sitemap) or "sitemap"
LISTED_META = "archive_listed"
# a sitemap name tried when robots.txt names none
GUESSED_META = "archive_guessed"
