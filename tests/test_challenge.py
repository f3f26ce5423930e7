"""The bot challenge detector (archive/extract/challenge.py) on pages as CDNs and bot managers
send them, and on real articles that only talk about captchas."""

from __future__ import annotations

import pytest

from archive.extract.challenge import SNIFF_BYTES, challenge_reason
from tests.challenge_pages import (
    AKAMAI_DENIED,
    AWS_WAF_CAPTCHA,
    AWS_WAF_HEADERS,
    CLOUDFLARE_BLOCK,
    CLOUDFLARE_CHALLENGE,
    CLOUDFLARE_CHALLENGE_HEADERS,
    DATADOME_CAPTCHA,
    DATADOME_HEADERS,
    JS_SHELL_200,
    PERIMETERX_BLOCK,
    SPA_SHELL,
    captcha_article,
)


def headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def test_cloudflare_managed_challenge() -> None:
    found = challenge_reason(403, headers(CLOUDFLARE_CHALLENGE_HEADERS), CLOUDFLARE_CHALLENGE)
    assert found == "cf-mitigated: challenge"
    # the page alone says it too, whatever the status
    for status in (403, 503, 200):
        assert challenge_reason(status, {}, CLOUDFLARE_CHALLENGE) == "Cloudflare challenge"


@pytest.mark.parametrize(
    ("status", "pairs", "body", "kind"),
    [
        (403, [("Server", "cloudflare")], CLOUDFLARE_BLOCK, "Cloudflare block page"),
        (403, [("Server", "AkamaiGHost")], AKAMAI_DENIED, "Akamai block page"),
        (403, DATADOME_HEADERS, DATADOME_CAPTCHA, "DataDome block (403)"),
        (403, [], DATADOME_CAPTCHA, "DataDome captcha"),
        (403, [], PERIMETERX_BLOCK, "PerimeterX captcha"),
        (405, AWS_WAF_HEADERS, AWS_WAF_CAPTCHA, "x-amzn-waf-action: captcha"),
        (202, [], AWS_WAF_CAPTCHA, "AWS WAF challenge"),
        (200, [], JS_SHELL_200, "Cloudflare challenge"),
        (200, [], SPA_SHELL, "page that needs JavaScript"),
    ],
)
def test_block_pages(status: int, pairs: list[tuple[str, str]], body: bytes, kind: str) -> None:
    assert challenge_reason(status, headers(pairs), body) == kind


def test_an_article_about_captchas_is_an_article() -> None:
    """It says "captcha", "verify you are human", and carries a reCAPTCHA form, and it
    is still the article, also behind Cloudflare's injected challenge-platform script
    and DataDome's header on every answer."""
    injected = captcha_article(injected=True)
    assert b"g-recaptcha" in injected and b"/cdn-cgi/challenge-platform/" in injected
    for body in (captcha_article(), injected):
        assert challenge_reason(200, {}, body) is None
        assert challenge_reason(200, headers(DATADOME_HEADERS), body) is None
        assert challenge_reason(200, {"server": "cloudflare"}, body) is None


def test_a_short_article_with_a_captcha_form_is_an_article() -> None:
    """Little text, but marked up as an article: not taken for a challenge page."""
    body = (
        b"<html><head><title>Road closed</title></head><body><article><h1>Road closed</h1>"
        b"<p>The Salang road is closed after an avalanche, officials said.</p></article>"
        b'<form><div class="g-recaptcha" data-sitekey="k"></div></form></body></html>'
    )
    assert challenge_reason(200, {}, body) is None
    assert challenge_reason(200, {}, body.replace(b"article>", b"div>")) == "captcha form"


def test_plain_errors_are_no_challenges() -> None:
    nginx_403 = (
        b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 "
        b"Forbidden</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
    )
    assert challenge_reason(403, {"server": "nginx/1.24.0"}, nginx_403) is None
    assert challenge_reason(429, {"retry-after": "30"}, b"Too Many Requests") is None
    assert challenge_reason(503, {}, b"<html><body>busy</body></html>") is None
    assert challenge_reason(404, {}, b"<html><body>not here</body></html>") is None
    assert challenge_reason(200, {}, b"") is None


def test_a_long_page_needs_a_header() -> None:
    """Past SNIFF_BYTES a page is no challenge by its body (a long article with a
    captcha form); a challenge header still says it is one."""
    body = CLOUDFLARE_CHALLENGE.replace(b"</body>", b"<p>words</p>" * SNIFF_BYTES + b"</body>")
    assert challenge_reason(200, {}, body) is None
    assert challenge_reason(200, {"cf-mitigated": "challenge"}, body) is not None
