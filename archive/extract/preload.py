"""Imported by the forkserver of the extraction workers, and nowhere else.

Importing it imports :mod:`archive.extract.article` and extracts one small built-in page.
The first extraction in a process is several times slower than the next: trafilatura,
htmldate and courlan compile their regular expressions, and for a host that courlan's
quick pattern does not take (a name of three letters or fewer, as bbc.co.uk or cnn.com,
or a port, as the fixture sites on 127.0.0.1 have) tld reads the public-suffix list,
some 10,000 names, into a trie. Done once in the forkserver, before it forks any worker,
every worker inherits that state ready to use. Without it, each worker paid about 0.2 s
on its first page, just when the crawl's first articles were waiting.
"""

from __future__ import annotations

from courlan.urlutils import get_tldinfo

from archive.extract.article import extract_article
from archive.extract.titles import domain_name

_PAGE = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Warm-up article | Example News</title>
<meta property="og:title" content="Warm-up article">
<meta property="article:published_time" content="2024-01-02T03:04:05Z">
<meta name="keywords" content="warm, up"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><main><article>
<h1>Warm-up article</h1><p class="byline">By A. Writer, 2 January 2024</p>
<p>This paragraph is long enough to be taken for the main text of an article, so that
the extractor runs every one of its passes over it: the content, the metadata, the date
and the comparison with the baseline extraction, all in the same way as on a real page.</p>
<p>A second paragraph, with <a href="/news/2">a link</a> and a little more text in it, so
that the text and its links are both read by the extractor.</p>
</article></main><footer>Copyright Example News</footer></body></html>"""

# a short name and a port: courlan's quick pattern does not take it
WARM_UP_URL = "https://www.ab.example:8080/news/1"


def warm_up() -> bool:
    """Extract the built-in page once, and load the two public-suffix lists a page may
    need (courlan's, for trafilatura's fallbacks on a host it cannot read quickly; ours,
    for the site name of a page that names none); True when the page gave an article."""
    result = extract_article(_PAGE, WARM_UP_URL, "text/html; charset=utf-8", True)
    get_tldinfo(WARM_UP_URL)
    domain_name(WARM_UP_URL)
    return result.article is not None


warm_up()
