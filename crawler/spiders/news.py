"""Any news site, no code: ``scrapy crawl news -a url=https://outlet.example/`` archives
one site; ``scrapy crawl news -a sites=FILE`` archives every site a sites file lists
(archive/discover/sites.py: one start URL per line, or YAML/TOML with per-site options).

No article URL pattern is needed: each page is judged once fetched, from its markup and
text (archive/extract/articleness.py); a site's ``article_pattern`` option forces one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from crawler.spiders.base import (
    NewsSpider,
    SpiderArgumentError,
    check_argument_names,
    check_max_articles,
)
from crawler.spiders.scope import SiteOptions

if TYPE_CHECKING:
    from archive.discover.sites import Site


def read_sites(url: str | None, sites: str | None) -> list[Site]:
    """The sites of ``-a url=`` or ``-a sites=``: exactly one of them."""
    # imported here: Scrapy imports every spider's module at every crawl's start, and
    # this one's YAML and TOML readers (17 ms) serve this spider's arguments only
    from archive.discover.sites import SitesError, load_sites, site_from_url

    if url and sites:
        raise SpiderArgumentError("give -a url= or -a sites=, not both")
    if not url and not sites:
        raise SpiderArgumentError(
            "give the site to archive: -a url=https://outlet.example/ or -a sites=FILE"
        )
    try:
        return [site_from_url(url)] if url else load_sites(str(sites))
    except SitesError as exc:
        raise SpiderArgumentError(str(exc)) from None


class GenericNewsSpider(NewsSpider):
    name = "news"
    arguments: ClassVar[tuple[str, ...] | None] = ("url", "sites", "max_articles")

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        sites: str | None = None,
        max_articles: Any = None,
        **kwargs: Any,
    ) -> None:
        super(NewsSpider, self).__init__(*args, **kwargs)
        self.setup_sites(
            [SiteOptions.from_site(site) for site in read_sites(url, sites)], max_articles
        )

    @classmethod
    def check_arguments(cls, **spargs: Any) -> None:
        check_argument_names(cls, spargs)
        read_sites(spargs.get("url"), spargs.get("sites"))
        check_max_articles(spargs.get("max_articles"))
