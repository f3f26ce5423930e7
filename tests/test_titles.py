"""Headline, site name and the start of the text on page structures copied (trimmed, with
invented text) from real news sites: ``<title>`` formats with each separator, the site
name from og:site_name, JSON-LD publisher or application-name, the headline in microdata
or in an ``<h1>``/``<h2>`` inside the body. No network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.extract.article import extract_article
from archive.extract.language import text_language
from archive.extract.titles import domain_name, key, site_from_title, strip_site

PAGES = Path(__file__).parent / "pages"


def _article(name: str, url: str, replace: dict[str, str] | None = None) -> dict[str, Any]:
    html = (PAGES / name).read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in html
        html = html.replace(old, new)
    result = extract_article(html.encode("utf-8"), url, "text/html; charset=utf-8")
    assert result.article is not None, result.error
    return result.article


def _first_line(article: dict[str, Any]) -> str:
    return str(article["text"]).split("\n", 1)[0]


LEDGER_URL = "http://127.0.0.1:8123/2024/03/harbour-tolls.html"
LEDGER_HEADLINE = "Harbour Tolls Rise for the First Time in a Decade"
LEDGER_FIRST = (
    "The port authority raised its harbour tolls on Tuesday for the first time in ten "
    "years, adding four pounds to every vehicle crossing on the morning ferries."
)


def test_itemprop_h1_and_dash_title_on_a_local_server() -> None:
    # the <title> is "Headline - Site Name", the headline an <h1 itemprop="headline">, no
    # og:title or og:site_name, served from host:port
    article = _article("headline_itemprop_h1.html", LEDGER_URL)
    assert article["title"] == LEDGER_HEADLINE
    assert article["sitename"] == "The Morning Ledger"
    assert _first_line(article) == LEDGER_FIRST


@pytest.mark.parametrize("sep", [" - ", " | ", " — ", " – ", " :: ", " » "])
def test_site_part_of_the_title_cut_whatever_the_separator(sep: str) -> None:
    article = _article(
        "headline_itemprop_h1.html",
        LEDGER_URL,
        {
            f"{LEDGER_HEADLINE} - The Morning Ledger</title>": (
                f"{LEDGER_HEADLINE}{sep}The Morning Ledger</title>"
            ),
            # the <h1> is not the headline any more: the <title> is the only source
            ' itemprop="headline"': "",
            f"<span>{LEDGER_HEADLINE} </span>": "",
            '<meta data-rh="true" property="og:type"': (
                '<meta property="og:site_name" content="The Morning Ledger">'
                '<meta data-rh="true" property="og:type"'
            ),
        },
    )
    assert article["title"] == LEDGER_HEADLINE
    assert article["sitename"] == "The Morning Ledger"
    assert _first_line(article) == LEDGER_FIRST


def test_application_name_that_is_the_headline_is_no_site_name() -> None:
    article = _article(
        "headline_itemprop_h1.html",
        LEDGER_URL,
        {
            '<meta data-rh="true" property="og:type"': (
                f'<meta name="application-name" content="{LEDGER_HEADLINE}">'
                '<meta data-rh="true" property="og:type"'
            )
        },
    )
    assert article["title"] == LEDGER_HEADLINE
    assert article["sitename"] == "The Morning Ledger"


def test_no_site_name_anywhere_gives_the_registrable_domain_without_port() -> None:
    article = _article(
        "headline_itemprop_h1.html",
        "http://news.ledger.example.co.uk:8080/2024/03/harbour-tolls.html",
        {f"{LEDGER_HEADLINE} - The Morning Ledger</title>": f"{LEDGER_HEADLINE}</title>"},
    )
    assert article["title"] == LEDGER_HEADLINE
    assert article["sitename"] == "example.co.uk"


def test_meta_itemprop_headline_and_repeated_headline_dropped_from_text() -> None:
    # <meta itemprop="headline"> in the body, no <h1>, the headline repeated as an <h2>
    article = _article(
        "headline_meta_itemprop.html",
        "https://www.valleysports.example/football/rovers-sign-goalkeeper/",
    )
    assert article["title"] == "Rovers sign goalkeeper on two-year deal after trial spell"
    assert article["sitename"] == "Valley Sports Desk"
    assert _first_line(article) == (
        "Rovers have signed the goalkeeper who impressed on trial last month, handing him a "
        "two-year contract with the option of a third."
    )


def test_jsonld_publisher_when_og_site_name_is_a_url() -> None:
    article = _article(
        "headline_jsonld_publisher.html",
        "https://www.riversidetimes.example/news/bridge-repairs-river-road",
    )
    assert article["title"] == "Bridge repairs to close the river road for six weeks"
    assert article["sitename"] == "Riverside Times"
    assert _first_line(article) == (
        "The river road will close to traffic for six weeks from Monday while engineers "
        "replace the bearings of the old stone bridge, the county council said."
    )


def test_wordpress_h2_headline_title_with_sections_and_application_name() -> None:
    article = _article(
        "headline_wordpress_h2.html", "https://hillsidecourier.example/2023/12/library-hours/"
    )
    assert article["title"] == "Library opening hours change over the holidays"
    assert article["sitename"] == "Hillside Courier"
    assert _first_line(article) == (
        "The town library will close at four in the afternoon from the twentieth of December "
        "until the second of January, the library service has announced."
    )


def test_title_tag_with_sections_when_no_headline_element() -> None:
    article = _article(
        "headline_wordpress_h2.html",
        "https://hillsidecourier.example/2023/12/library-hours/",
        {'<h2 class="entry-title">Library opening hours change over the holidays</h2>': ""},
    )
    assert article["title"] == "Library opening hours change over the holidays"


def test_og_site_name_tagline_dropped_and_dash_inside_headline_kept() -> None:
    article = _article(
        "headline_og_tagline.html", "https://www.pixelarcade.example/reviews/star-rail-nightfall/"
    )
    assert article["title"] == "Star Rail: Nightfall review - slow to start, hard to put down"
    assert article["sitename"] == "Pixel Arcade"
    assert _first_line(article) == (
        "The first two hours of Star Rail: Nightfall are a chore, a string of tutorials that "
        "explain systems you will not need until much later."
    )


# --- the pure title functions, on title formats seen on real sites --------------------------


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        ("Take C.A.R.E. - comwrap auf der DMEXCO 2018", ["Comwrap"], None),
        (
            "Our BI Research Shows - A Mix of Ad Units Works Best | my6sense",
            ["my6sense"],
            "Our BI Research Shows - A Mix of Ad Units Works Best",
        ),
        (
            "The Guardian view on ports: a city on the brink | Editorial | Opinion | The Guardian",
            ["The Guardian"],
            "The Guardian view on ports: a city on the brink",
        ),
        (
            "Classificação NASCAR | Autoracing | F1 | Indy | MotoGP",
            ["Autoracing"],
            "Classificação NASCAR",
        ),
        (
            "The Space Review: Seeking a bigger role for a big rocket",
            ["The Space Review"],
            "Seeking a bigger role for a big rocket",
        ),
        ("Fixture Press - Budget vote passes", ["Fixture Press"], "Budget vote passes"),
        ("Opinion | Republicans Are Following the Party", [], None),
        (
            "Dare to Play 3 / October pack – Vortex Cannon",
            ["Vortex Cannon"],
            "Dare to Play 3 / October pack",
        ),
        ("Newsroom", ["Newsroom"], None),
    ],
)
def test_strip_site(title: str, sites: list[str], expected: str | None) -> None:
    assert strip_site(title, sites) == (title if expected is None else expected)


def test_site_from_title() -> None:
    title = "Jose Mourinho agrees deal to replace the manager | UK News | Sky News"
    assert site_from_title(title, "Jose Mourinho agrees deal to replace the manager") == (
        "Sky News",
        None,
    )
    assert site_from_title("Opinion | Tariffs Explained - The Daily", "Tariffs Explained") == (
        "The Daily",
        "Opinion",
    )
    # a subtitle is no site name
    assert site_from_title(
        "Diet plan (14 days) - lose up to ten kilos. Reviews", "Diet plan (14 days)"
    ) == (None, None)


def test_domain_name() -> None:
    assert domain_name("https://www.bbc.co.uk:8080/news") == "bbc.co.uk"
    assert domain_name("http://127.0.0.1:8123/a") == "127.0.0.1"
    assert domain_name("http://localhost:8000/") == "localhost"


# --- language from the text -----------------------------------------------------------------


def test_language_declared_wrongly_taken_from_the_text() -> None:
    # <html lang="en"> on a German article (a hosted blog's template)
    article = _article(
        "language_declared_wrong.html",
        "https://blog.nordlicht.de/nordlicht-auf-der-messe-2024",
    )
    # no site name declared: trafilatura's guess, a part of the <title>, is not taken
    assert article["title"] == "Take A.I.M. - Nordlicht Digital auf der Messe 2024"
    assert article["sitename"] == "nordlicht.de"
    assert article["language"] == "de"


def test_language_from_the_text_when_none_declared() -> None:
    declared = _article("headline_itemprop_h1.html", LEDGER_URL)
    assert declared["language"] == "en"
    article = _article("headline_itemprop_h1.html", LEDGER_URL, {'<html lang="en">': "<html>"})
    assert article["language"] == "en"


def test_text_language_keeps_a_declaration_on_short_or_close_text() -> None:
    german = "Vom 12. bis 13. September öffnet die Messe wieder ihre Tore in Köln."
    assert text_language("en", german) == "en"  # too short to overrule the page
    assert text_language(None, german * 4) == "de"
    norwegian = (
        "Regjeringen legger fram et nytt forslag til statsbudsjett i morgen, og flere "
        "partier har allerede varslet at de vil kreve endringer i skatteoppleggetene. "
    ) * 3
    assert text_language("da", norwegian) == "da"  # close languages: the page decides
    assert text_language("en", "") == "en"


def test_key_keeps_exactly_the_letters_and_digits_of_every_code_point() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert key(every) == "".join(ch for ch in every.casefold() if ch.isalnum())
    assert key("Ünïcode_News – 2021!") == "ünïcodenews2021"
