"""What the spiders' requests carry: their priorities and the meta keys they share."""

from __future__ import annotations

# request priorities: robots.txt (1000), sitemaps, feeds and start pages, then page
# assets, then articles (and pages of an article's shape, a little more the likelier),
# listings. A page's stylesheets, scripts and images go as soon as the page names them:
# captured minutes, not a whole crawl, after the page (a replay shows the page with the
# versions it had), none left unfetched by a crawl cut short, and their cost to the crawl
# process spread over the crawl while the extraction workers are busy (last, they made a
# tail of the crawl where the workers had nothing to do: 0.5 s of 11 on the benchmark)
PRIO_SITEMAP = 50
PRIO_FEED = 40
PRIO_ASSET = 25
PRIO_ARTICLE = 20
PRIO_LISTING = 0

# a page judged article or not once fetched (a site without an article pattern)
DECIDE_META = "archive_decide"
# how a sitemap or feed listed it: "news" (a feed, a Google News sitemap) or "sitemap"
LISTED_META = "archive_listed"
# a sitemap name tried when robots.txt names none
GUESSED_META = "archive_guessed"
