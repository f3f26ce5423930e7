"""extract_article gives the same fields as before on every fixture page (issue 21).

The expected fields are in ``extraction_golden.json``, generated from the code before the
extraction was reworked to parse each page once; regenerate it only when the output is
meant to change (and bump ``EXTRACTOR`` then)::

    .venv/bin/python -m tests.test_extraction_golden --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from archive.extract.article import extract_article
from tests.fixture_site import NewsSite, default_articles

GOLDEN = Path(__file__).parent / "extraction_golden.json"
PAGES = Path(__file__).parent / "pages"
BASE = "http://127.0.0.1:8000"
FIELDS = (
    "text",
    "title",
    "author",
    "published",
    "language",
    "sitename",
    "tags",
    "categories",
    "canonical_url",
    "description",
)


def golden_pages() -> list[tuple[str, str, bytes, str | None]]:
    """(name, url, body, content type) of every fixture page: the fixture site's articles,
    listings, tag, calendar, about, contact and 404 pages, and tests/pages/*.html."""
    site = NewsSite(default_articles(), session_ids=False)
    paths = [(a.path, "") for a in site.articles]
    paths += [("/english", ""), ("/english/archive", "page=1")]
    paths += [(f"/english/category/{slug}", "page=1") for slug in site.categories]
    paths += [(f"/english/tag/{slug}", "") for slug in site.tag_names()]
    paths += [("/english/calendar/2021/08", ""), ("/english/about", "")]
    paths += [("/english/contact", ""), ("/english/no-such-page", "")]
    pages: list[tuple[str, str, bytes, str | None]] = []
    for path, query in paths:
        url = BASE + path + (f"?{query}" if query else "")
        body = site.render(path, query, BASE).body
        pages.append(("site" + path + (f"?{query}" if query else ""), url, body, None))
    for file in sorted(PAGES.glob("*.html")):
        url = f"https://{file.stem.replace('_', '-')}.example/news/{file.stem}"
        pages.append(("pages/" + file.name, url, file.read_bytes(), None))
    return pages


def fields(body: bytes, url: str, content_type: str | None) -> dict[str, Any]:
    result = extract_article(body, url, content_type)
    article = result.article
    if article is None:
        return {"error": result.error}
    return {name: article[name] for name in FIELDS}


def _expected() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


PAGE_LIST = golden_pages()


def test_golden_file_covers_every_fixture_page() -> None:
    expected = _expected()
    names = [name for name, *_ in PAGE_LIST]
    # a page added to the fixtures later has no golden fields: it is left out, not failed;
    # but a golden page no longer among the fixtures (renamed, removed) is coverage lost
    assert sorted(set(expected) - set(names)) == []
    covered = [name for name in names if name in expected]
    assert len(covered) >= 50
    assert sum("text" in expected[name] for name in covered) >= 25  # articles among them


@pytest.mark.parametrize(
    ("name", "url", "body", "content_type"), PAGE_LIST, ids=[p[0] for p in PAGE_LIST]
)
def test_fields_are_unchanged(name: str, url: str, body: bytes, content_type: str | None) -> None:
    expected = _expected().get(name)
    if expected is None:
        pytest.skip(f"{name}: not in {GOLDEN.name} (a fixture page added after it)")
    assert fields(body, url, content_type) == expected


def _write() -> None:
    data = {name: fields(body, url, ctype) for name, url, body, ctype in golden_pages()}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"{len(data)} pages written to {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        _write()
