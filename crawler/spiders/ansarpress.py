"""ansarpress.com, English edition: articles at /english/<digits>."""

from __future__ import annotations

from crawler.spiders.base import NewsSpider


class AnsarpressSpider(NewsSpider):
    name = "ansarpress"
    default_base_url = "https://www.ansarpress.com"
    site_hosts = ("www.ansarpress.com", "ansarpress.com")
    start_paths = ("/english",)
    section_prefixes = ("/english",)
    article_path = r"/english/\d+"
