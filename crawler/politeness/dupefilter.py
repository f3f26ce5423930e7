"""A duplicate filter that also knows what the archive holds.

The spider skips articles the archive already has, but requests can reach the
scheduler without passing the spider (a redirect to an article, say). Asking the
spider here too keeps the two in agreement: an archived article is never fetched
again unless it is due for a refresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from crawler.politeness.hostcap import HostCap, HostCapFilter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def archived_elsewhere(spider: object, request: Request) -> bool:
    """True when the spider says the archive already holds this request's article."""
    archived = getattr(spider, "already_archived", None)
    return bool(archived is not None and archived(request))


class ArchiveAwareDupeFilter(HostCapFilter, RFPDupeFilter):
    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveAwareDupeFilter:
        dupefilter = super().from_crawler(crawler)
        dupefilter.crawler = crawler
        dupefilter.cap = HostCap.from_crawler(crawler)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if archived_elsewhere(getattr(self.crawler, "spider", None), request):
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.inc_value("archive/dupefilter_archived")
            return True
        if super().request_seen(request):
            return True
        return self.capped(request)
