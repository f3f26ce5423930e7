"""extract_article with and without the XPath stand-ins (archive/extract/standins.py).

    python bench/standins_equivalence.py [--source DIR] [--mutations N] [--seed S]

Runs :func:`archive.extract.article.extract_article` over the real eval pages (their own
URLs and the benchmark site's), the project's fixture pages and N mutated copies of the
eval pages (attributes each clause of the replaced expressions reads, put on random
elements, in either order), once with trafilatura's own XPath expressions and once with
the stand-ins, every field of the result compared; meanwhile every stand-in call is checked
against its expression on the very tree it is given. Prints the pages, the calls, the
differences (there must be none) and the CPU time a page each way.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_site import EVAL_DIR, article_pages, article_url  # noqa: E402

from archive.extract import standins  # noqa: E402
from archive.extract.article import extract_article  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# attributes that reach the clauses of the replaced expressions (and near misses)
ATTRIBUTES = [
    'class="comment-list"',
    'id="comments"',
    'id="Commentary"',
    'class="comments-area"',
    'id="disqus_thread"',
    'class="post-comments"',
    'id="comol"',
    'class="mvp-post-add-box"',
    'id="infinite-scroll"',
    'class="infinitescroll"',
    'class="elementor-share-buttons x"',
    'data-lp-replacement-content=""',
    'role="Navigation"',
    'role="NAV"',
    'data-component="MostPopularStories"',
    'class="cookie-bar"',
    'id="cookie"',
    'class="share-tools"',
    'id="sidebar"',
    'class="byline"',
    'class="tag-list"',
    'class="comments-title"',
    'id="reply-1"',
    'class="reply-box"',
    'style="display:none"',
    'style="display: none; color: red"',
    'id="hidden-x"',
    'style="visibility:hidden"',
    'class="x hidden"',
    'class="noprint"',
    'aria-hidden="true"',
    'aria-hidden="false"',
    'class="page-bottom"',
    'class="bottom-bar"',
    'class="padding-bottom-lg"',
    'class="link"',
    'id="link"',
    'style="border: 1px"',
    'class="Teaser"',
    'id="TeaserBox"',
    'class="caption"',
    'id="photo-caption"',
    'class="post"',
    'class="entry"',
    'itemprop="articleBody"',
    'id="articleContent"',
    'class="article-body"',
    'id="entry-content"',
    'role="article"',
    'id="story"',
    'class="text"',
    'class="story"',
    'class="FullText"',
    'id="primary"',
    'class="article x"',
    'id="content"',
    'class="content"',
    'id="Main-Content"',
    'class="Page-Content"',
    'class="content__body"',
    'class="main"',
    'id="main-col"',
]
TAG_RE = re.compile(rb"<(div|section|aside|p|span|ol|ul|article|main|details)(?=[\s>])")


def mutate(body: bytes, rng: random.Random) -> bytes:
    """A copy of *body* with some attributes of ATTRIBUTES added to random elements."""
    spots = [m.end() for m in TAG_RE.finditer(body)]
    if not spots:
        return body
    out, last = [], 0
    for spot in sorted(rng.sample(spots, min(len(spots), rng.randint(3, 25)))):
        extra = " ".join(rng.sample(ATTRIBUTES, rng.randint(1, 3)))
        out += [body[last:spot], b" ", extra.encode()]
        last = spot
    out.append(body[last:])
    return b"".join(out)


def corpus(source: Path | None, mutations: int, seed: int) -> list[tuple[str, bytes, str]]:
    pages: list[tuple[str, bytes, str]] = []
    eval_pages = []
    if source is not None and (source / "html").is_dir():
        meta = {}
        meta_file = source / "ground_truth.json"
        if meta_file.is_file():
            meta = json.loads(meta_file.read_text())
        for path in sorted((source / "html").iterdir()):
            body = path.read_bytes()
            if path.name.endswith(".gz"):
                body = gzip.decompress(body)
            key = path.name.split(".")[0]
            url = (meta.get(key) or {}).get("url") or f"https://news.example/{key}"
            eval_pages.append(body)
            pages.append((url, body, "text/html"))
        for i, body in article_pages(len(eval_pages), source):
            pages.append((article_url("http://127.0.0.1:8000", i), body, "text/html"))
    for path in sorted((REPO / "tests" / "pages").glob("*.html")):
        pages.append((f"https://fixture.example/{path.stem}", path.read_bytes(), "text/html"))
    rng = random.Random(seed)
    for n in range(mutations if eval_pages else 0):
        body = mutate(eval_pages[n % len(eval_pages)], rng)
        pages.append((f"https://mutated.example/{n}", body, "text/html"))
    return pages


def run(pages: list[tuple[str, bytes, str]]) -> tuple[list[str], float]:
    results, started = [], time.process_time()
    for url, body, content_type in pages:
        result = extract_article(body, url, content_type, True, decide=True)
        results.append(repr(result))
    return results, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=EVAL_DIR)
    parser.add_argument("--mutations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)
    pages = corpus(args.source, args.mutations, args.seed)
    standins.uninstall()
    before, cpu_before = run(pages)
    print("installed:", standins.install())
    calls, nonempty, differ = Counter(), Counter(), Counter()
    import trafilatura.xpaths

    for list_name, index in standins.STANDINS:
        stand_in = getattr(trafilatura.xpaths, list_name)[index]
        if not isinstance(stand_in, standins.StandIn):
            continue

        def checked(tree, stand_in=stand_in, select=stand_in.select):  # type: ignore[no-untyped-def]
            expected, found = stand_in.xpath(tree), select(tree)
            calls[stand_in.name] += 1
            nonempty[stand_in.name] += bool(expected)
            differ[stand_in.name] += expected != found
            return found

        stand_in.select = checked
    after, _ = run(pages)
    for stand_in_name in sorted(calls):
        print(
            f"  {stand_in_name}: {calls[stand_in_name]} calls, {nonempty[stand_in_name]} "
            f"selected something, {differ[stand_in_name]} differ"
        )
    standins.uninstall()
    standins.install()
    _, cpu_after = run(pages)
    changed = [
        url for (url, _, _), old, new in zip(pages, before, after, strict=True) if old != new
    ]
    print(
        f"{len(pages)} pages: {len(changed)} results differ, "
        f"{sum(differ.values())} stand-in calls differ of {sum(calls.values())}; "
        f"CPU {cpu_before / len(pages) * 1000:.2f} -> {cpu_after / len(pages) * 1000:.2f} ms a page"
    )
    for url in changed[:10]:
        print("  differs:", url)
    return 1 if changed or sum(differ.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
