"""Tests for archive.extract.article (synthetic pages only, no network)."""

from __future__ import annotations

import ast
import pickle
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import archive
from archive.extract.article import (
    EXTRACTOR,
    ExtractionResult,
    decode_html,
    extract_article,
    looks_like_html,
)
from archive.extract.textclean import clean_text, prune_boilerplate, unwrap_layout_tables

URL = "https://fixture.test/news/2021/08/green-budget.html"

PARAS = [
    "The city council approved its long-delayed “green” budget on Tuesday — a plan that had "
    "stalled for months amid arguments over transport spending.",
    "Councillor Ahmed said: ‘It’s a compromise… but a good one,’ adding that the €4.5 million "
    "fund would start paying for new cycle lanes in the spring.",
    "Opponents argued that the café tax was unfair to small traders and promised to keep "
    "campaigning against it until the next election.",
    "The vote passed by 31 to 12, with three abstentions, after a debate that lasted well into "
    "the night and was briefly interrupted by protesters.",
]
TITLE = "Council approves “green” budget — at last"


def fixture_page(
    paras: list[str] = PARAS,
    title: str = TITLE,
    extra_head: str = "",
    charset_meta: str = '<meta charset="utf-8">',
) -> str:
    """An article page shaped like the end-to-end fixture site's."""
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
{charset_meta}
<title>{title} | Fixture Press</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Fixture Press">
<meta name="author" content="Jane Doe">
<meta name="description" content="The council voted on its budget on Tuesday.">
<meta property="article:published_time" content="2021-08-13T14:05:00+00:00">
<meta property="article:tag" content="Local politics">
<meta property="article:tag" content="Budget">
<link rel="canonical" href="/news/2021/08/green-budget">
{extra_head}
</head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/about">About us</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience on our website.
Accept all cookies?</p><button>Accept</button></div>
<main>
<article>
<h1>{title}</h1>
<p class="byline">By Jane Doe · <time datetime="2021-08-13T14:05:00+00:00">Aug 13, 2021</time></p>
{body}
<ul class="tags"><li><a rel="tag" href="/tag/local-politics">Local politics</a></li>
<li><a rel="tag" href="/tag/budget">Budget</a></li>
<li><a rel="tag" href="/tag/cafes">Cafés</a></li></ul>
</article>
<div class="share-box"><h3>Share this article</h3><a href="#">Facebook</a>
<a href="#">Twitter</a> <a href="#">Email</a></div>
<section class="related"><h2>Related articles</h2><ul>
<li><a href="/news/a">Mayor opens the new bridge over the river after years of delay</a></li>
<li><a href="/news/b">Bus fares to rise again next year, says the regional operator</a></li>
</ul></section>
</main>
<aside><h2>Most read</h2><ol><li><a href="/x">Storm damages seafront homes overnight</a></li>
<li><a href="/y">Local team wins the cup final in extra time</a></li></ol></aside>
<footer><p>© 2021 Fixture Press. All rights reserved.</p><a href="/privacy">Privacy policy</a>
<a href="/terms">Terms of use</a></footer>
</body></html>"""


@pytest.fixture(scope="module")
def fixture_result() -> ExtractionResult:
    return extract_article(fixture_page().encode("utf-8"), URL, "text/html; charset=utf-8")


def test_extractor_name() -> None:
    """Read from the package metadata (the crawl process does not import trafilatura),
    it must name the trafilatura that actually runs: re-extraction keys on it."""
    import trafilatura

    assert EXTRACTOR.startswith(f"trafilatura/{trafilatura.__version__}+newsarchiver/")


def test_archive_is_scrapy_free() -> None:
    """No module under archive/ (archive/web included) imports Scrapy or Twisted: no import
    statement names them, at module level or inside a function, and importing every
    module (but ``__main__``, which runs the command line) loads neither."""
    root = Path(archive.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        names.append(module.removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported = [node.module]
            else:
                continue
            for name in imported:
                assert name.split(".")[0] not in ("scrapy", "twisted"), f"{module}: {name}"
    assert {"archive.extract.article", "archive.extract.textclean", "archive.web.app"} <= set(names)
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    )
    importable = [n for n in names if not n.endswith("__main__")]
    done = subprocess.run(
        [sys.executable, "-c", code, *importable],
        capture_output=True,
        text=True,
        cwd=root.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_fixture_layout_text_exact(fixture_result: ExtractionResult) -> None:
    assert fixture_result.error is None
    article = fixture_result.article
    assert article is not None
    assert article["text"] == "\n".join(PARAS)


def test_fixture_layout_keys_and_metadata(fixture_result: ExtractionResult) -> None:
    article = fixture_result.article
    assert article is not None
    assert set(article) == {
        "canonical_url",
        "title",
        "author",
        "published",
        "language",
        "sitename",
        "description",
        "tags",
        "categories",
        "text",
    }
    assert article["title"] == TITLE
    assert article["author"] == "Jane Doe"
    assert article["published"] == "2021-08-13T14:05:00+00:00"
    assert article["language"] == "en"
    assert article["sitename"] == "Fixture Press"
    assert article["description"] == "The council voted on its budget on Tuesday."
    assert article["tags"] == ["Local politics", "Budget", "Cafés"]
    assert article["canonical_url"] == "https://fixture.test/news/2021/08/green-budget"
    assert fixture_result.encoding == "utf-8"


def test_boilerplate_dropped_and_sentence_kept(fixture_result: ExtractionResult) -> None:
    assert fixture_result.article is not None
    text = fixture_result.article["text"]
    assert "the café tax was unfair to small traders" in text
    for junk in (
        "Home",
        "About us",
        "cookies",
        "Share this article",
        "Facebook",
        "Related articles",
        "Mayor opens",
        "Most read",
        "Storm damages",
        "All rights reserved",
        "Privacy policy",
        "By Jane Doe",
        "Local politics",
    ):
        assert junk not in text


def test_one_paragraph_per_line_and_no_headline(fixture_result: ExtractionResult) -> None:
    assert fixture_result.article is not None
    lines = fixture_result.article["text"].split("\n")
    assert lines == PARAS
    assert all(line and line == " ".join(line.split()) for line in lines)
    assert TITLE not in lines


def test_typography_survives(fixture_result: ExtractionResult) -> None:
    assert fixture_result.article is not None
    text = fixture_result.article["text"]
    for ch in "“”‘’—…€é":
        assert ch in text


def test_whitespace_collapsed_inside_lines() -> None:
    paras = [
        "First   paragraph\n   spread over\tseveral source lines, with enough words to count as "
        "real article text for the extractor.",
        *PARAS[1:],
    ]
    result = extract_article(fixture_page(paras).encode(), URL)
    assert result.article is not None
    first = result.article["text"].split("\n")[0]
    assert first.startswith("First paragraph spread over several source lines, with")


def test_non_latin_script_and_zero_width_joiners_survive() -> None:
    urdu = [
        "یہ ایک آزمائشی جملہ ہے جو اردو رسم الخط میں لکھا گیا ہے اور اسے بالکل ویسا ہی رہنا چاہیے۔",
        "فارسی: می‌خواهم این متن با نیم‌فاصله‌ها دست نخورده باقی بماند تا درستی استخراج روشن شود.",
        "Emoji with joiner: family 👨\u200d👩\u200d👧 and a soft\u00adhyphen stay exactly as "
        "written in this paragraph of the test page.",
        "AT&T said the “R&D” budget (&copy; &not; literal text) would grow by 5% next year, "
        "according to the statement.",
    ]
    page = fixture_page([p.replace("&", "&amp;") for p in urdu], title="آزمائشی سرخی").replace(
        'lang="en-GB"', 'lang="ur-PK"'
    )
    result = extract_article(page.encode("utf-8"), URL)
    assert result.article is not None, result.error
    assert result.article["text"] == "\n".join(urdu)
    assert result.article["language"] == "ur"
    assert result.article["title"] == "آزمائشی سرخی"


# --- encodings ----------------------------------------------------------------------------

CP1252_PARAS = [
    "It’s “quoted” text — with an em dash, a price of €20 and a café on the corner of the "
    "square where the market meets every Saturday.",
    *PARAS[1:],
]


def test_windows_1252_from_header() -> None:
    page = fixture_page(CP1252_PARAS, charset_meta="")
    body = page.encode("cp1252")
    result = extract_article(body, URL, "text/html; charset=windows-1252")
    assert result.article is not None
    assert result.encoding == "cp1252"
    assert result.article["text"].split("\n")[0] == CP1252_PARAS[0]
    assert result.article["title"] == TITLE


def test_iso_8859_1_header_means_windows_1252() -> None:
    body = fixture_page(CP1252_PARAS, charset_meta="").encode("cp1252")
    result = extract_article(body, URL, "text/html; charset=ISO-8859-1")
    assert result.article is not None
    assert result.article["text"].split("\n")[0] == CP1252_PARAS[0]


def test_windows_1252_from_meta_only() -> None:
    page = fixture_page(CP1252_PARAS, charset_meta='<meta charset="windows-1252">')
    result = extract_article(page.encode("cp1252"), URL, "text/html")
    assert result.article is not None
    assert result.encoding == "cp1252"
    assert result.article["text"].split("\n")[0] == CP1252_PARAS[0]


def test_http_equiv_latin1_meta() -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    page = fixture_page(CP1252_PARAS, charset_meta=meta)
    result = extract_article(page.encode("cp1252"), URL, None)
    assert result.article is not None
    assert result.article["text"].split("\n")[0] == CP1252_PARAS[0]


def test_declared_utf8_with_stray_cp1252_byte() -> None:
    page = fixture_page(charset_meta='<meta charset="utf-8">')
    body = page.encode("utf-8").replace(b"stalled for months", b"stalled\x92s for months")
    result = extract_article(body, URL, "text/html; charset=utf-8")
    assert result.article is not None
    assert result.encoding == "utf-8"
    assert "stalled’s for months" in result.article["text"]
    assert "“green” budget on Tuesday — a plan" in result.article["text"]


def test_decode_html_order() -> None:
    text = "<html><head><meta charset='koi8-r'></head><body>é</body></html>"
    # header wins over meta
    assert decode_html(text.encode("cp1252"), "text/html; charset=latin-1")[1] == "cp1252"
    # unknown header charset falls through to meta
    russian = text.replace("é", "Привет")
    assert decode_html(russian.encode("koi8-r"), "text/html; charset=x-bogus") == (
        russian,
        "koi8-r",
    )
    # BOM
    decoded, enc = decode_html(b"\xef\xbb\xbf<html><body>\xe2\x80\x94</body></html>", None)
    assert enc == "utf-8" and decoded.startswith("<html>") and "—" in decoded
    # no declaration: utf-8 if valid, else windows-1252
    assert decode_html("<p>€ é</p>".encode(), None) == ("<p>€ é</p>", "utf-8")
    assert decode_html("<p>€ é</p>".encode("cp1252"), None) == ("<p>€ é</p>", "cp1252")
    # ascii declaration means windows-1252
    assert decode_html(b"<p>\x93x\x94</p>", "text/html; charset=us-ascii") == (
        "<p>“x”</p>",
        "cp1252",
    )


def test_mislabelled_latin1_header_on_utf8_bytes() -> None:
    body = fixture_page().encode("utf-8")
    result = extract_article(body, URL, "text/html; charset=iso-8859-1")
    assert result.article is not None
    assert result.article["text"] == "\n".join(PARAS)


# --- not html -----------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"


@pytest.mark.parametrize(
    "body",
    [
        PDF,
        PNG,
        b"",
        b"   \n  ",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        bytes(range(256)) * 4,
        b'{"json": "not a page"}',
        b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
    ],
)
def test_not_html(body: bytes) -> None:
    assert not looks_like_html(body)
    result = extract_article(body, URL, "text/html")
    assert result.article is None
    assert result.error == "not html"


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>x</body></html>",
        b"\xef\xbb\xbf  <!-- generated --><html lang=en>",
        b"<html>",
        b"\n\n<head><title>t</title></head>",
        b"<body><p>hi</p></body>",
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0">',
        b"<div class='x'><p>fragment</p></div>",
        "<!doctype html><html>".encode("utf-16"),
    ],
)
def test_looks_like_html(body: bytes) -> None:
    assert looks_like_html(body)


def test_pdf_served_as_html_rejected() -> None:
    result = extract_article(PDF + b"<html><body><p>x</p></body></html>", URL, "text/html")
    assert result == ExtractionResult(None, "not html")


def test_no_main_text() -> None:
    page = b"<!DOCTYPE html><html><head><title>Empty</title></head><body></body></html>"
    result = extract_article(page, URL)
    assert result.article is None
    assert result.error == "no main text"


# --- metadata -----------------------------------------------------------------------------


def test_title_suffix_stripped_without_og_title() -> None:
    page = fixture_page().replace(f'<meta property="og:title" content="{TITLE}">', "")
    result = extract_article(page.replace(f"<h1>{TITLE}</h1>", "").encode(), URL)
    assert result.article is not None
    assert result.article["title"] == TITLE
    # the article's displayed <h1> is preferred over the <title> tag
    page = page.replace(f"<h1>{TITLE}</h1>", "<h1>A different display headline</h1>")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["title"] == "A different display headline"


def test_logo_h1_outside_article_ignored() -> None:
    page = fixture_page().replace(f'<meta property="og:title" content="{TITLE}">', "")
    page = page.replace(f"<h1>{TITLE}</h1>", "").replace("<header>", "<header><h1>FP</h1>")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["title"] == TITLE


def test_title_from_title_tag_with_site_name_first() -> None:
    page = fixture_page().replace(f'<meta property="og:title" content="{TITLE}">', "")
    page = page.replace(
        f"<title>{TITLE} | Fixture Press</title>",
        "<title>Fixture Press - Budget vote passes</title>",
    )
    page = page.replace(f"<h1>{TITLE}</h1>", "")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["title"] == "Budget vote passes"


def test_published_from_jsonld_and_time_element() -> None:
    base = fixture_page().replace(
        '<meta property="article:published_time" content="2021-08-13T14:05:00+00:00">', ""
    )
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "NewsArticle", "datePublished": "2021-08-12T09:30:00-04:00", '
        '"author": {"@type": "Person", "name": "Sam Lee"}}</script>'
    )
    result = extract_article(base.replace("</head>", ld + "</head>").encode(), URL)
    assert result.article is not None
    assert result.article["published"] == "2021-08-12T09:30:00-04:00"
    # the <time datetime> of the byline when no meta / JSON-LD date exists
    result = extract_article(base.encode(), URL)
    assert result.article is not None
    assert result.article["published"] == "2021-08-13T14:05:00+00:00"


def test_published_zulu_and_date_only() -> None:
    page = fixture_page().replace("2021-08-13T14:05:00+00:00", "2021-08-13T14:05:00Z")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["published"] == "2021-08-13T14:05:00+00:00"
    page = fixture_page().replace("2021-08-13T14:05:00+00:00", "2021-08-13")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["published"] == "2021-08-13"


def test_tags_from_rel_tag_links_and_keywords() -> None:
    page = fixture_page(extra_head='<meta name="keywords" content="council, budget , Transport">')
    page = page.replace('<meta property="article:tag" content="Local politics">', "")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    # article:tag first, then rel=tag links (as displayed), then keywords; case-insensitive dedup
    assert result.article["tags"] == ["Budget", "Local politics", "Cafés", "council", "Transport"]


def test_canonical_absolute_and_missing() -> None:
    page = fixture_page().replace(
        'href="/news/2021/08/green-budget"', 'href="../other/story.html?id=1"'
    )
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["canonical_url"] == "https://fixture.test/news/2021/other/story.html?id=1"
    page = fixture_page().replace('<link rel="canonical" href="/news/2021/08/green-budget">', "")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["canonical_url"] is None


def test_language_from_og_locale() -> None:
    # a text too short to overrule the page's declaration
    short = ["The council met on Tuesday and approved the plan."]
    page = fixture_page(paras=short, extra_head='<meta property="og:locale" content="ur_PK">')
    page = page.replace(' lang="en-GB"', "")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    assert result.article["language"] == "ur"
    # four paragraphs plainly in English overrule it
    page = fixture_page(extra_head='<meta property="og:locale" content="ur_PK">')
    result = extract_article(page.replace(' lang="en-GB"', "").encode(), URL)
    assert result.article is not None
    assert result.article["language"] == "en"


# --- robustness ---------------------------------------------------------------------------


def test_result_is_picklable(fixture_result: ExtractionResult) -> None:
    clone = pickle.loads(pickle.dumps(fixture_result))
    assert clone == fixture_result
    assert clone.article is not None and clone.article["text"] == "\n".join(PARAS)
    assert pickle.loads(pickle.dumps(extract_article)) is extract_article


def test_exception_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.extract.article as mod

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaputt\nsecond line")

    monkeypatch.setattr(mod, "bare_extraction", boom)
    result = extract_article(fixture_page().encode(), URL)
    assert result.article is None
    assert result.error == "exception: RuntimeError: kaputt second line"


@settings(max_examples=50, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode()),
        st.text(max_size=300).map(lambda t: ("<!DOCTYPE html>" + t).encode("utf-8", "replace")),
    ),
    content_type=st.one_of(
        st.none(), st.sampled_from(["text/html", "text/html; charset=utf-16", "x; charset=zz"])
    ),
)
def test_never_raises(body: bytes, content_type: str | None) -> None:
    result = extract_article(body, URL, content_type)
    assert isinstance(result, ExtractionResult)
    assert (result.article is None) != (result.error is None)
    if result.error is not None:
        assert "\n" not in result.error


def test_fixture_layout_without_class_hints() -> None:
    """Byline (a short block with <time>), tag list (rel=tag links) and cookie notice are
    dropped even when no class attribute names them."""
    short = ["Short first paragraph here.", "Second one is short too.", "Third."]
    for paras in (PARAS, short):
        page = re.sub(r' class="[^"]*"', "", fixture_page(paras))
        result = extract_article(page.encode(), URL)
        assert result.article is not None
        assert result.article["text"] == "\n".join(paras)


# --- quality improvements (each pinned by a synthetic case) -------------------------------


def test_placeholder_block_in_page_is_left_alone() -> None:
    paras = [
        "A page that already uses the Sutton SignWriting block: \U0001d800 stays as written, "
        "and so does AT&T in this paragraph of text.",
        *PARAS[1:],
    ]
    result = extract_article(fixture_page([p.replace("&", "&amp;") for p in paras]).encode(), URL)
    assert result.article is not None
    assert result.article["text"] == "\n".join(paras)


@pytest.mark.parametrize(
    "junk",
    [
        "Advertisement",
        "Story continues below advertisement",
        "Related: Mayor opens the new bridge over the river",
        "READ MORE: Bus fares to rise again next year",
        "You may also like:",
        "Share this article",
        "Like this story? Share it with a friend!",
        "Follow us on Twitter and Facebook for the latest news.",
        "Sign up for our daily newsletter to get the top stories delivered to your inbox.",
        "Subscribe to the Morning Review newsletter",
        "This copy is for your personal, non-commercial use only.",
        "We use cookies to give you the best experience on our website.",
        "(Reporting by Jane Doe; editing by John Roe)",
        "Sam Lee contributed reporting from Leeds.",
        "12 Comments",
        "Leave a comment",
        URL,
    ],
)
def test_boilerplate_lines_dropped(junk: str) -> None:
    paras = [PARAS[0], junk, *PARAS[1:], junk]
    result = extract_article(fixture_page(paras).encode(), URL)
    assert result.article is not None
    assert result.article["text"] == "\n".join(PARAS)


def test_article_lines_that_mention_boilerplate_words_kept() -> None:
    paras = [
        *PARAS,
        "Related research published last year had reached the same conclusion about the "
        "budget, the council's advisers said.",
        "Readers can share their views at a public meeting on Thursday evening in the town hall.",
        "The advertisement campaign for the scheme will run on buses until the end of March.",
    ]
    result = extract_article(fixture_page(paras).encode(), URL)
    assert result.article is not None
    assert result.article["text"] == "\n".join(paras)


def test_table_rule_rows_dropped() -> None:
    table = (
        "<table><tr><th>Party</th><th>Votes</th></tr><tr><td>For</td><td>31</td></tr>"
        "<tr><td>Against</td><td>12</td></tr></table>"
    )
    page = fixture_page().replace(f"<p>{PARAS[-1]}</p>", f"<p>{PARAS[-1]}</p>{table}")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    lines = result.article["text"].split("\n")
    assert lines[: len(PARAS)] == PARAS
    assert not any(set(line) <= set("|-: ") for line in lines)


def test_short_precision_result_retried_in_balanced_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.extract.article as mod

    real = mod.bare_extraction
    focuses: list[tuple[str, bool]] = []

    def fake(tree: object, options: object) -> object:
        focuses.append((options.focus, options.fast))  # type: ignore[attr-defined]
        doc = real(tree, options=options)
        if options.focus == "precision":  # type: ignore[attr-defined]
            doc.text = "This copy is for your personal, non-commercial use only.\n" + URL
        return doc

    monkeypatch.setattr(mod, "bare_extraction", fake)
    result = extract_article(fixture_page().encode(), URL)
    # fast precision, too short: the full cascade, still too short: balanced
    assert focuses == [("precision", True), ("precision", False), ("balanced", False)]
    assert result.article is not None
    assert result.article["text"] == "\n".join(PARAS)


# --- short articles: pruning never takes the article itself ----------------------------------

PAGES = Path(__file__).parent / "pages"


def _page_text(name: str, *, replace: tuple[str, str] = ("", "")) -> str:
    page = (PAGES / name).read_text(encoding="utf-8").replace(*replace)
    result = extract_article(page.encode("utf-8"), "https://example.test/news/story")
    assert result.article is not None, result.error
    return str(result.article["text"])


FERRY = [
    "The island ferry returned to its full timetable on Monday after the annual winter break.",
    "Four crossings a day will run until October, the operator said in a statement.",
    "Fares are unchanged from last year for residents and visitors alike.",
]


@pytest.mark.parametrize(
    "extra",
    ["", '<p class="comments-link"><a href="#comments">Comments</a></p>'],
    ids=["only-tag-links", "with-a-comments-link"],
)
def test_short_article_whose_only_links_are_tags_is_kept(extra: str) -> None:
    """Headline, byline, three short paragraphs and a rel=tag list, in an <article> inside
    plain <div>s: the tag list goes, the story stays, with or without one more link."""
    text = _page_text(
        "short_tags_in_div.html",
        replace=('<div class="post-tags">', extra + '<div class="post-tags">'),
    )
    assert text == "\n".join(FERRY)


def test_short_article_without_article_element_keeps_its_text() -> None:
    """A classic blog post (<div class="post">, no <article>) ending in "Posted in ... |
    Tagged ..." links: the tag line goes, the post stays."""
    text = _page_text("short_wordpress_classic.html")
    assert text.split("\n")[-3:] == [
        "Work on the new roof of the village hall finished this week, two weeks ahead of plan.",
        "The hall committee thanked everyone who gave to the appeal over the summer months.",
        "The hall reopens for bookings on the first Saturday of November.",
    ]
    for junk in ("Posted in", "Tagged", "Village life", "Archives", "volunteers", "RSS"):
        assert junk not in text


def test_short_article_with_share_bar_and_related_box() -> None:
    text = _page_text("short_with_related_box.html")
    assert text == "\n".join(
        [
            "The central library will stay open until eight in the evening on weekdays from "
            "February.",
            "Longer hours were the most common request in a survey of readers last autumn.",
            "Saturday opening times stay as they are for now, the council said.",
        ]
    )


def test_short_article_body_whose_class_names_boilerplate_is_kept() -> None:
    """A class word that marks boilerplate ("article-body--no-promo") on the block holding
    the whole story does not make the story boilerplate."""
    text = _page_text("short_body_class_no_promo.html")
    assert text == "\n".join(
        [
            "Night buses will run again between the station and the university from next Friday.",
            "The service was cut three years ago when the old operator lost its contract with "
            "the city.",
            "Tickets bought on the day routes will be valid on the new night routes too.",
        ]
    )


def test_tag_list_pruning_stops_at_the_article() -> None:
    """A picture story has almost no text of its own: the climb from its tag list stops at
    <article> however little the article says, and only the tag line goes."""
    page = (
        '<html><body><div class="wrap"><div class="col"><article><h1>Sunset</h1>'
        '<figure><img src="/sunset.jpg" alt=""><figcaption>Photo: Ann Lee</figcaption></figure>'
        '<p>Tags: <a rel="tag" href="/tag/photos">photos</a></p></article></div>'
        '<div class="side"><a href="/">Home</a></div></div>'
        "<footer><p>© 2024 Harbour Weekly. All rights reserved in every country.</p></footer>"
        "</body></html>"
    )
    tree = prune_boilerplate(lxml.html.document_fromstring(page))
    article = tree.find(".//article")
    assert article is not None
    assert article.text_content() == "SunsetPhoto: Ann Lee"


# --- the text starts with the body's first paragraph -----------------------------------------

MILL = [
    "The old mill on the river bank will open as a museum in the spring, the trust said on "
    "Monday after a vote of its members.",
    "Restoring the wheel and the grinding stones took four years and cost about two million, "
    "most of it raised from local donors.",
    "Visitors will be able to watch flour being milled on the first Sunday of every month, "
    "and school groups will get in for free.",
    "The trust hopes the museum will draw some twenty thousand visitors a year to the valley.",
]
MILL_HEADLINE = "Riverside mill to reopen as a working museum"


def _layout_table_page(headline: str = MILL_HEADLINE) -> str:
    """An old table-layout page: a header table, then a three-column table whose middle cell
    holds a picture (in a one-cell table), the headline, a byline and the paragraphs, then
    pull quotes in one-cell tables; no <article>, <main> or date markup."""
    body = "\n".join(f"<p>{p}</p>" for p in MILL)
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>{headline}</title></head>
<body>
<table width="100%"><tr><td><a href="/"><img src="/logo.png" alt="Valley Courier"></a></td>
<td><form action="/search"><input name="q"></form></td></tr>
<tr><td width="60%"> </td><td></td></tr></table>
<table width="90%"><tr>
<td width="20%"><a href="/">Home</a> <a href="/news">News</a></td>
<td width="60%">
<table width="600"><tr><td><img src="/mill.jpg" alt=""><div class="info2">The mill wheel
during the restoration. (Photo: Courier)</div></td></tr></table>
<h1 class="headline">{headline}</h1>
<h3 class="byline">by Ruth Calder<br><span class="datetime">Monday, March 4, 2024</span></h3>
<div>{body}</div>
<table width="40%"><tr><td class="pullquote">"Four years of work, and it turns again."</td>
</tr></table>
</td>
<td width="20%"><div class="graybox"><form action="/subscribe"><label>Sign up</label>
<input name="email"></form></div></td>
</tr></table>
</body></html>"""


def test_layout_table_body_is_not_rendered_as_a_table() -> None:
    """The body in a cell of a layout table: plain paragraphs, not one "| | Headline First
    paragraph Second... |" row, and the text starts with the first paragraph."""
    result = extract_article(_layout_table_page().encode(), URL)
    assert result.article is not None
    text = result.article["text"]
    assert text.startswith(MILL[0]), text[:200]
    assert "|" not in text
    assert text.split("\n")[: len(MILL)] == MILL
    assert result.article["title"] == MILL_HEADLINE


@pytest.mark.parametrize(
    "cells",
    [
        # two columns of one word or number each
        "<tr><th>Year</th><th>Visitors</th></tr><tr><td>2022</td><td>12,400</td></tr>"
        "<tr><td>2023</td><td>15,100</td></tr>",
        # a cell of one paragraph each, as word processors write tables
        "<tr><td><p>Wheel</p></td><td><p>Oak, 1820</p></td></tr>"
        "<tr><td><p>Stones</p></td><td><p>French burr, 1890</p></td></tr>",
    ],
    ids=["plain-cells", "one-paragraph-cells"],
)
def test_data_table_stays_a_table(cells: str) -> None:
    table = f"<table>{cells}</table>"
    page = fixture_page().replace(f"<p>{PARAS[-1]}</p>", f"<p>{PARAS[-1]}</p>{table}")
    result = extract_article(page.encode(), URL)
    assert result.article is not None
    rows = [line for line in result.article["text"].split("\n") if line.startswith("|")]
    assert len(rows) == cells.count("<tr>"), result.article["text"]
    assert all(line.count("|") == 3 for line in rows)


def test_unwrap_layout_tables_leaves_data_tables() -> None:
    page = (
        "<html><body><table><tr><td><h2>Box</h2><p>One.</p></td><td>x</td></tr></table>"
        "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
        "<table><tr><td>Alone in its cell.</td></tr></table></body></html>"
    )
    tree = unwrap_layout_tables(lxml.html.document_fromstring(page))
    assert [t.tag for t in tree.iter("table")] == ["table"]
    assert tree.findtext(".//table/tr/td") == "a"


def _dateline_page(dateline: str) -> str:
    """A custom CMS: the headline, then the article block whose first line is a dateline
    (no date markup anywhere on the page)."""
    body = "".join(f"<p>{p}</p>" for p in MILL)
    return f"""<!DOCTYPE html>
<html><head><title>{MILL_HEADLINE}</title></head><body>
<div class="wrap"><h1 class="article_title">{MILL_HEADLINE}</h1>
<div id="article_block" class="article_body font11"><img src="/mill.jpg" alt="">
<p class="article_date font10">{dateline}</p>{body}</div></div>
</body></html>"""


@pytest.mark.parametrize(
    "dateline",
    [
        "March 4, 2024 - 11:28 AMT",
        "04.03.2024 | 11:28",
        "Updated 3:45 p.m. ET, Mar 4, 2024",
        "VALLEYTON, Mar 4 2024 (Courier)",
        "by Ruth Calder | March 4th, 2024",
    ],
)
def test_dateline_above_the_first_paragraph_is_dropped(dateline: str) -> None:
    result = extract_article(_dateline_page(dateline).encode(), URL)
    assert result.article is not None
    assert result.article["text"] == "\n".join(MILL)


@pytest.mark.parametrize(
    "first",
    [
        "In 2019, 11 people died.",  # a sentence
        "The vote passed by 31 to 12 on the evening of March 4, 2024, after a long debate.",
        "Visitors: 20,000",  # no date or time
    ],
)
def test_short_first_paragraph_with_numbers_is_kept(first: str) -> None:
    assert clean_text(f"{first}\n{MILL[0]}", [MILL_HEADLINE]) == f"{first}\n{MILL[0]}"


def test_dateline_only_dropped_above_the_first_paragraph() -> None:
    text = f"{MILL_HEADLINE}\nMarch 4, 2024 - 11:28\n{MILL[0]}\nMarch 5, 2024 - 09:10\n{MILL[1]}"
    assert clean_text(text, [MILL_HEADLINE]) == f"{MILL[0]}\nMarch 5, 2024 - 09:10\n{MILL[1]}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"{MILL_HEADLINE} {MILL[0]}", MILL[0]),
        (f"| | {MILL_HEADLINE} {MILL[0]}", MILL[0]),
        (f"{MILL_HEADLINE}: {MILL[0]}", MILL[0]),
        # the headline as the start of a sentence, not a line of its own
        (f"{MILL_HEADLINE} next year, the trust said.", None),
        (f"{MILL_HEADLINE}s are rare.", None),
    ],
)
def test_headline_run_into_the_first_paragraph_is_cut(line: str, expected: str | None) -> None:
    assert clean_text(f"{line}\n{MILL[1]}", [MILL_HEADLINE]) == f"{expected or line}\n{MILL[1]}"
