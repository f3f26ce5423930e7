"""The duplicate filter of the Redis mode (crawler/distributed/redis.py), in a module of its own:
it derives from scrapy-redis's, which a crawl without Redis need not import."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.politeness.dupefilter import archived_elsewhere
from crawler.politeness.hostcap import HostCap, HostCapFilter


class ArchiveRedisDupeFilter(HostCapFilter, RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, which also skips what the archive holds."""

    spider: Any = None

    @classmethod
    def from_spider(cls, spider: Any) -> ArchiveRedisDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.spider = spider
        dupefilter.cap = HostCap.from_crawler(spider.crawler)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if archived_elsewhere(self.spider, request):
            return True
        if super().request_seen(request):
            return True
        return self.capped(request)  # the cap counts this worker's requests
