"""Item pipeline: validate an article, then archive it as a conversion record + index row."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from archive import faults
from archive.extract.result import EXTRACTOR
from crawler.archiving.items import ArticleItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.archiving.extensions import ArchiveExtension

logger = logging.getLogger(__name__)

# a shallow copy for the writer thread: asdict() walked and rebuilt every field (the
# tag lists too) of every article, only for the copy to be serialised once; nothing
# changes an item after it has been archived
_FIELDS = tuple(f.name for f in fields(ArticleItem))


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def _archive(self) -> ArchiveExtension | None:
        from crawler.archiving.extensions import ArchiveExtension

        return self.crawler.get_extension(ArchiveExtension)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if not item.url or not item.text.strip():
            raise DropItem(f"article without text: {item.url}")
        archive = self._archive()
        if archive is None or item.warc_record_id is None:
            return item  # capture is off: nothing to refer to
        document = {name: getattr(item, name) for name in _FIELDS}
        document["extractor"] = EXTRACTOR
        faults.checkpoint("article")
        try:
            stored = await asyncio.wrap_future(archive.record_article(document))
        except Exception as exc:  # the writer failed: the crawl is stopping, say it once
            raise DropItem(f"article not archived ({exc}): {item.url}") from None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("archive/articles")
        site = getattr(self.crawler.spider, "site_name", None)
        name = site(item.url) if site is not None else None
        if name:
            stats.inc_value(f"archive/sites/{name}/articles")
        if stored.updates:  # a new version of an archived article: counted apart from new ones
            stats.inc_value("archive/articles_updated")
        if archive.is_recovered(item.warc_record_id):  # extracted from a killed run's capture
            stats.inc_value("archive/articles_recovered")
        return item
