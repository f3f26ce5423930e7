"""Articles a killed crawl archived and never extracted: extracted from the archive (no
network) at the next start, and not fetched again (archive/integrity/killedruns.py). A part of
:class:`crawler.spiders.base.NewsSpider`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawler.capture.middleware import EXTRACTED_META
from crawler.capture.replay import RECOVER_META
from crawler.spiders.meta import DECIDE_META, PRIO_ARTICLE

# a part of NewsSpider (crawler/spiders/base.py), which is made of its parts: the parts'
# self is typed Any, as mypy cannot take NewsSpider as a base of one of its own bases
_Spider: Any = object


class Recovery(_Spider):
    def recovery_requests(self) -> Iterator[Request]:
        """The article pages a killed crawl archived and never extracted: requested from
        the archive (crawler/capture/replay.py answers them, no network) and extracted as if
        just fetched; their URLs are not fetched again in this run."""
        from crawler.archiving.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is None or archive.unusable or self.extractor is None:
            return
        for orphan in archive.orphan_responses():
            scope = self.scope_of(orphan.url)
            key = scope.article_key(orphan.url) if scope is not None else None
            if scope is None or key is None or key in scope.scheduled:
                continue
            if scope.clean(orphan.url, orphan.url) != orphan.url:
                continue  # another site, or a URL this spider would not ask for
            meta: dict[str, Any] = {
                RECOVER_META: orphan,
                EXTRACTED_META: True,
                DECIDE_META: scope.decides,
            }
            known = scope.known.get(key)
            if known is not None:
                # archived already: only the latest capture may make a new version, and
                # only when a refresh can tell a new text (it knows the text's hash)
                if not known.text_sha1 or known.seen > orphan.warc_date:
                    continue
                meta["archive_known_text"] = known.text_sha1
            scope.scheduled.add(key)
            scope.recovered.add(key)
            archive.recovering(orphan.record_id)
            yield Request(
                orphan.url,
                callback=self.parse_recovered,
                errback=self.recovery_failed,
                priority=PRIO_ARTICLE,
                dont_filter=True,  # not a fetch: neither the duplicate filter's nor the cap's
                meta=meta,
            )

    async def parse_recovered(self, response: Response) -> AsyncIterator[Any]:
        try:
            async for out in self.parse_article(response):
                yield out
        finally:
            self._recovery_done(response.meta)

    def recovery_failed(self, failure: Any) -> None:
        self._recovery_done(failure.request.meta)
        self.download_failed(failure)

    def _recovery_done(self, meta: dict[str, Any]) -> None:
        from crawler.archiving.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is not None:
            archive.recovery_done(meta[RECOVER_META].record_id)
