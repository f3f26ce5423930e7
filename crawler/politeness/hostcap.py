"""At most ARCHIVE_MAX_PAGES_PER_HOST requests to one host in one crawl.

Listing pages have caps of their own (ARCHIVE_STOP_AFTER_SEEN per chain,
ARCHIVE_MAX_LISTING_PAGES in all) and DEPTH_LIMIT bounds how deep links go, but a site
whose pages keep linking to new article URLs, or a page listing a hundred thousand
images, is bounded by none of them. The duplicate filters ask this cap about every new
request before the scheduler keeps it, so a trap never fills the queue either. What is
past the cap is dropped, counted (``archive/host_cap_dropped``) and logged once per
host; the crawl finishes normally with what it has. Listing pages (requests whose meta
has UNCAPPED) are not counted, so every run still reads them and the next run goes on
from there (what is archived is not fetched again); nor are robots.txt and retries,
which skip the duplicate filter.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.settingchecks import max_pages_per_host

logger = logging.getLogger(__name__)


# a request's meta key: True for a request with a cap of its own (listing pages)
UNCAPPED = "archive_uncapped"


_CAPS: weakref.WeakKeyDictionary[Any, HostCap] = weakref.WeakKeyDictionary()


class HostCap:
    """Counts the requests to each host that pass the duplicate filter."""

    def __init__(self, limit: int, stats: Any = None) -> None:
        self.limit = limit
        self.stats = stats
        self._counts: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostCap:
        """The crawl's one cap: the duplicate filter's, which the browser's requests
        (crawler/capture/rendering.py, outside the scheduler) count against too."""
        cap = _CAPS.get(crawler)
        if cap is None:
            cap = _CAPS[crawler] = cls(max_pages_per_host(crawler.settings), crawler.stats)
        return cap

    def allows(self, request: Request) -> bool:
        """True, and counted, while *request*'s host is under the cap."""
        if not self.limit or request.meta.get(UNCAPPED):
            return True
        host = urlparse_cached(request).hostname or ""
        count = self._counts.get(host, 0)
        if count < self.limit:
            self._counts[host] = count + 1
            return True
        if count == self.limit:  # the first request past it: said once per host
            self._counts[host] = count + 1
            if self.stats is not None:
                self.stats.inc_value("archive/host_cap_reached")
            logger.warning(
                "%s: ARCHIVE_MAX_PAGES_PER_HOST (%d) reached, no more requests to it in this "
                "crawl (the next run goes on)",
                host,
                self.limit,
            )
        if self.stats is not None:
            self.stats.inc_value("archive/host_cap_dropped")
        return False


class HostCapFilter:
    """Mixin for a duplicate filter (before Scrapy's in the bases): ``capped(request)``
    for a new request, and no "duplicate" log line for a capped one (the scheduler calls
    ``log`` for every request the filter drops; the cap has logged it already)."""

    cap: HostCap | None = None
    _capped: Request | None = None

    def capped(self, request: Request) -> bool:
        """True for a new request past its host's cap."""
        if self.cap is None or self.cap.allows(request):
            return False
        self._capped = request
        return True

    def log(self, request: Request, spider: Any) -> None:
        if request is not self._capped:
            super().log(request, spider)  # type: ignore[misc]
