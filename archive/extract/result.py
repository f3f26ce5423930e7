"""What article extraction gives back, importable without trafilatura: the crawl process
receives these from its extraction workers, and importing trafilatura there would
cost a third of a second at every start for nothing."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from archive.extract.links import PageLinks

if TYPE_CHECKING:
    from archive.extract.articleness import ArticleVerdict

#: Name and version of the extraction, recorded with each result. Bump the local part
#: whenever the output of :func:`archive.extract.article.extract_article` changes for the
#: same input.
EXTRACTOR = f"trafilatura/{version('trafilatura')}+newsarchiver/5"


@dataclass(frozen=True)
class ExtractionResult:
    """Outcome of :func:`extract_article`."""

    article: dict[str, Any] | None
    error: str | None
    encoding: str | None = None
    links: PageLinks | None = None  # when asked for, and the page was HTML
    # with ``decide``: article or not (archive/extract/articleness.py); a page that is not one
    # has no article and the error NOT_AN_ARTICLE
    verdict: ArticleVerdict | None = None


#: the error of a page that the article decision found to be no article
NOT_AN_ARTICLE = "not an article"
