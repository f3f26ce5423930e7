"""The item a crawl yields for each archived article (also the export schema)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    url: str
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601
    language: str | None = None
    sitename: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    text: str = ""  # one paragraph per line
    fetched_at: str | None = None  # WARC-Date of the response
    warc_filename: str | None = None
    warc_record_id: str | None = None  # of the response record
    warc_offset: int | None = None
