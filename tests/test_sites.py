"""archive/discover/sites.py: the sites file of the generic news spider (plain text, YAML, TOML)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from archive.discover.sites import Cookie, Site, SitesError, load_sites, site_from_url

FUTURE = int(time.time()) + 10 * 365 * 86400


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path) -> str:
    with pytest.raises(SitesError) as caught:
        load_sites(path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    return message


def cookies_txt(tmp_path: Path, name: str = "cookies.txt") -> Path:
    rows = [
        (".outlet.example", "TRUE", "/", "FALSE", FUTURE, "session", "abc"),
        ("outlet.example", "FALSE", "/news", "TRUE", 0, "consent", "yes"),
        (".other.example", "TRUE", "/", "FALSE", FUTURE, "theirs", "no"),
        (".outlet.example", "TRUE", "/", "FALSE", 1000, "stale", "old"),
    ]
    lines = ["# Netscape HTTP Cookie File", "# exported for a test", ""]
    lines += ["\t".join(str(field) for field in row) for row in rows]
    return write(tmp_path, name, "\n".join(lines) + "\n")


KEPT_COOKIES = (
    Cookie("session", "abc", ".outlet.example", "/"),
    Cookie("consent", "yes", "outlet.example", "/news"),
)


# -a url=


def test_site_from_url_normalises() -> None:
    assert site_from_url("  HTTPS://WWW.Outlet.Example:443#top ") == Site(
        url="https://www.outlet.example/",
        origin="https://www.outlet.example",
        host="www.outlet.example",
        start_urls=("https://www.outlet.example/",),
        name="www.outlet.example",
    )
    site = site_from_url("http://outlet.example:8080/news?page=2")
    assert (site.url, site.origin, site.host) == (
        "http://outlet.example:8080/news?page=2",
        "http://outlet.example:8080",
        "outlet.example",
    )
    assert site_from_url("https://[2001:db8::1]:8443/x").origin == "https://[2001:db8::1]:8443"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("outlet.example", "url must be an http(s) URL, got 'outlet.example' (did you mean "),
        ("ftp://outlet.example/", "url must be an http(s) URL, got 'ftp://outlet.example/'"),
        ("", "url must be an http(s) URL, got ''"),
        ("outlet.example:8080/x", "url must be an http(s) URL, got 'outlet.example:8080/x' (did"),
        ("https://user:secret@outlet.example/", "url must not hold a user name or password"),
        ("https://outlet.example:99999/", "url 'https://outlet.example:99999/' has an invalid"),
        ("https://outlet.example:0/", "url 'https://outlet.example:0/' has an invalid port"),
        ("https:///news", "url 'https:///news' has no host"),
        ("https://out let.example/", "url 'https://out let.example/' contains whitespace"),
    ],
)
def test_site_from_url_rejects(url: str, message: str) -> None:
    with pytest.raises(SitesError) as caught:
        site_from_url(url)
    assert str(caught.value).startswith(message)
    assert "secret" not in str(caught.value)


# plain text


def test_plain_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sites.txt",
        "# news outlets\n\n  https://outlet.example/  \n"
        "https://WWW.outlet.example/politics/#x   # the www host is another origin\n"
        "\t# indented comment\nhttp://blog.example:8080\n",
    )
    assert load_sites(path) == [
        site_from_url("https://outlet.example/"),
        site_from_url("https://www.outlet.example/politics/"),
        site_from_url("http://blog.example:8080/"),
    ]
    assert [site.url for site in load_sites(path)] == [
        "https://outlet.example/",
        "https://www.outlet.example/politics/",
        "http://blog.example:8080/",
    ]


def test_plain_text_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sites.list", "https://a.example/\n\nhttps://b.example/ extra words\n")
    assert error(path) == f"{path}:3: text after the URL: 'extra words' (a comment is ' # ...')"
    path = write(tmp_path, "bad.txt", "# one\nhttps://a.example/\nmailto:x@a.example\n")
    assert error(path) == f"{path}:3: url must be an http(s) URL, got 'mailto:x@a.example'"


def test_duplicate_origin(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sites.txt",
        "https://a.example/\nhttps://www.a.example/\nhttps://A.example:443/news/\n",
    )
    assert error(path) == f"{path}:3: https://a.example listed twice (line 1 and line 3)"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "{path}: no site listed"),
        ("comments.txt", b"# nothing yet\n\n", "{path}: no site listed"),
        ("latin1.txt", b"https://a.example/\n# caf\xe9\n", "{path}:2: not UTF-8 text (byte 24)"),
        ("empty.yaml", b"", "{path}: no site listed"),
        ("nosites.yaml", b"sites:\n", "{path}: no site listed"),
        ("empty.toml", b"", "{path}: no site listed"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert error(path) == message.format(path=path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.txt"
    assert error(path) == f"{path}: cannot read the sites file: No such file or directory"
    assert error(tmp_path) == f"{tmp_path}: cannot read the sites file: Is a directory"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhttps://a.example/\n")
    assert [site.url for site in load_sites(path)] == ["https://a.example/"]


# YAML

FULL_YAML = """\
sites:
  - https://plain.example
  - url: https://Outlet.example/
    name: Outlet
    start:
      - /politics/
      - https://outlet.example/economy/
    article_pattern: '/\\d{4}/\\d{2}/[^/]+/'
    sections: [/politics/, /economy/]
    delay: 1.5
    concurrency: 2
    headers:
      Accept-Language: fr
      X-Token: "abc "
    cookies: cookies.txt
    max_articles: 500
    browser: auto
"""

FULL_SITES = [
    site_from_url("https://plain.example"),
    Site(
        url="https://outlet.example/",
        origin="https://outlet.example",
        host="outlet.example",
        start_urls=(
            "https://outlet.example/",
            "https://outlet.example/politics/",
            "https://outlet.example/economy/",
        ),
        article_pattern=r"/\d{4}/\d{2}/[^/]+/",
        sections=("/politics/", "/economy/"),
        delay=1.5,
        concurrency=2,
        headers=(("Accept-Language", "fr"), ("X-Token", "abc")),
        cookies=KEPT_COOKIES,
        max_articles=500,
        name="Outlet",
        browser="auto",
    ),
]

FULL_TOML = """\
[[site]]
url = "https://plain.example"

[[site]]
url = "https://Outlet.example/"
name = "Outlet"
start = ["/politics/", "https://outlet.example/economy/"]
article_pattern = '/\\d{4}/\\d{2}/[^/]+/'
sections = ["/politics/", "/economy/"]
delay = 1.5
concurrency = 2
headers = { "Accept-Language" = "fr", X-Token = "abc " }
cookies = "cookies.txt"
max_articles = 500
browser = "auto"
"""


def test_yaml_full(tmp_path: Path) -> None:
    cookies_txt(tmp_path)
    assert load_sites(write(tmp_path, "sites.yaml", FULL_YAML)) == FULL_SITES


def test_toml_full(tmp_path: Path) -> None:
    cookies_txt(tmp_path)
    assert load_sites(write(tmp_path, "sites.toml", FULL_TOML)) == FULL_SITES
    plural = FULL_TOML.replace("[[site]]", "[[sites]]")
    assert load_sites(write(tmp_path, "plural.toml", plural)) == FULL_SITES


def test_yaml_top_level_list_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sites.yml",
        "- https://a.example/news\n- url: http://b.example\n  browser: off\n  sections:\n",
    )
    assert load_sites(path) == [
        site_from_url("https://a.example/news"),
        Site(
            url="http://b.example/",
            origin="http://b.example",
            host="b.example",
            start_urls=("http://b.example/",),
            name="b.example",
            browser="off",
        ),
    ]


def test_toml_and_yaml_agree(tmp_path: Path) -> None:
    yaml_text = (
        "- url: https://a.example/\n  delay: 0\n  sections: [/a/]\n  name: A\n"
        "- url: https://b.example:8443/x\n  concurrency: 4\n  headers: {Referer: https://b.example/}\n"
    )
    toml_text = (
        '[[site]]\nurl = "https://a.example/"\ndelay = 0\nsections = ["/a/"]\nname = "A"\n'
        '[[site]]\nurl = "https://b.example:8443/x"\nconcurrency = 4\n'
        'headers = { Referer = "https://b.example/" }\n'
    )
    from_yaml = load_sites(write(tmp_path, "s.yaml", yaml_text))
    assert from_yaml == load_sites(write(tmp_path, "s.toml", toml_text))
    assert [(s.delay, s.concurrency, s.headers) for s in from_yaml] == [
        (0.0, None, ()),
        (None, 4, (("Referer", "https://b.example/"),)),
    ]


def test_unknown_key_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "sites:\n  - url: https://a.example/\n    dealy: 2\n")
    assert error(path) == (
        f"{path}:3: unknown key 'dealy' (did you mean 'delay'?); known keys: url, start, "
        "article_pattern, sections, delay, concurrency, headers, cookies, max_articles, "
        "name, browser, browser_pattern"
    )
    path = write(tmp_path, "s.toml", '[[site]]\nurl = "https://a.example/"\nsection = ["/a/"]\n')
    assert error(path).startswith(
        f"{path}: site 1 (https://a.example/): unknown key 'section' (did you mean 'sections'?);"
    )
    path = write(tmp_path, "t.yaml", "- url: https://a.example/\n  zzz: 1\n")
    assert error(path).startswith(f"{path}:2: unknown key 'zzz'; known keys: url, start,")


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        ("delay: -1", 3, "delay must be a number >= 0, got -1"),
        ("delay: fast", 3, "delay must be a number >= 0, got 'fast'"),
        ("concurrency: 1.5", 3, "concurrency must be an integer >= 1, got 1.5"),
        ("concurrency: 0", 3, "concurrency must be an integer >= 1, got 0"),
        ("max_articles: true", 3, "max_articles must be an integer >= 1, got True"),
        ("article_pattern: '/(\\d+/'", 3, "article_pattern '/(\\\\d+/' is not a valid regular"),
        ("sections: [politics]", 3, "sections must be paths starting with '/', got 'politics'"),
        ("sections: /politics/", 3, "sections must be a list, got '/politics/'"),
        ("start: [https://other.example/]", 3, "start URL 'https://other.example/' is not on"),
        ("start: [ftp://a.example/]", 3, "start URL must be an http(s) URL, got 'ftp://a"),
        ("headers: {Bad Name: x}", 3, "header name 'Bad Name' is not a valid token"),
        ("headers: {Cookie: a=b}", 3, "header 'Cookie' is the crawler's to set"),
        ("headers: {host: x}", 3, "header 'host' is the crawler's to set"),
        ("headers: {Content-Length: '3'}", 3, "header 'Content-Length' is the crawler's"),
        ("headers: {X-Num: 3}", 3, "header 'X-Num' must have a one-line string value, got 3"),
        ("headers: {Accept: a, accept: b}", 3, "headers: a header is given twice"),
        ("headers: [a]", 3, "headers must be a mapping of name to value, got ['a']"),
        ("browser: sometimes", 3, "browser must be one of off, auto, always, got 'sometimes'"),
        ("browser: on", 3, "browser must be one of off, auto, always, got True"),
        ("name: ''", 3, "name must be a non-empty string, got ''"),
        ("cookies: missing.txt", 3, "cookies file '{dir}/missing.txt' cannot be read: No such"),
        ("delay: 1\n    delay: 2", 4, "key 'delay' given twice (also line 3)"),
    ],
)
def test_bad_values_name_file_and_line(tmp_path: Path, entry: str, line: int, message: str) -> None:
    path = write(tmp_path, "s.yaml", f"sites:\n  - url: https://a.example/\n    {entry}\n")
    assert error(path).startswith(f"{path}:{line}: {message.format(dir=tmp_path)}")


def test_toml_bad_value_names_site_and_url(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.toml",
        '[[site]]\nurl = "https://a.example/"\n[[site]]\nurl = "https://b.example/"\ndelay = -2\n',
    )
    assert (
        error(path) == f"{path}: site 2 (https://b.example/): delay must be a number >= 0, got -2"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.yaml", "sites:\n  - url: [unclosed\n", "{path}:3: not valid YAML: "),
        ("b.yaml", "sites: https://a.example/\n", "{path}:1: the sites must be a list, got"),
        ("c.yaml", "site:\n  - https://a.example/\n", "{path}:1: unknown top-level key 'site'"),
        ("d.yaml", "- url: https://a.example/\n- delay: 1\n", "{path}:2: url is required"),
        (
            "e.yaml",
            "- https://a.example/\n- 42\n",
            "{path}:2: a site must be a URL or a mapping of keys, got 42",
        ),
        ("f.yaml", "- [https://a.example/]\n", "{path}:1: a site must be a URL or a mapping"),
        ("a.toml", '[[site]]\nurl = "https://a.example/\n', "{path}:2: not valid TOML: "),
        ("b.toml", 'url = "https://a.example/"\n', "{path}: the sites go in [[site]] (or"),
        ("c.toml", "[[site]]\ndelay = 1\n", "{path}: site 1: url is required"),
    ],
)
def test_structure_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    assert error(path).startswith(message.format(path=path))


def test_yaml_duplicate_origin_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        "sites:\n  - https://a.example/\n  - https://b.example/\n"
        "  - url: https://a.example/other/\n    delay: 1\n",
    )
    assert error(path) == f"{path}:4: https://a.example listed twice (line 2 and line 4)"
    path = write(
        tmp_path,
        "s.toml",
        '[[site]]\nurl = "https://a.example/"\n[[site]]\nurl = "https://a.example/"\n',
    )
    assert error(path) == (
        f"{path}: site 2 (https://a.example/): https://a.example listed twice (site 1 and site 2)"
    )


# cookies


def test_cookies_keep_the_site_host_only(tmp_path: Path) -> None:
    cookies_txt(tmp_path)
    path = write(
        tmp_path,
        "s.yaml",
        "- url: https://outlet.example/\n  cookies: cookies.txt\n"
        "- url: https://www.other.example/\n  cookies: cookies.txt\n"
        "- url: https://news.outlet.example/\n  cookies: cookies.txt\n",
    )
    outlet, other, sub = load_sites(path)
    assert outlet.cookies == KEPT_COOKIES  # not the other domain's, nor the expired one
    assert other.cookies == (Cookie("theirs", "no", ".other.example", "/"),)
    # a subdomain gets the leading-dot cookie, not the host-only one
    assert sub.cookies == (Cookie("session", "abc", ".outlet.example", "/"),)


def test_cookies_path_is_relative_to_the_sites_file(tmp_path: Path) -> None:
    (tmp_path / "conf" / "jar").mkdir(parents=True)
    cookies_txt(tmp_path / "conf" / "jar", "outlet.txt")
    path = write(
        tmp_path / "conf",
        "s.toml",
        '[[site]]\nurl = "https://outlet.example/"\ncookies = "jar/outlet.txt"\n',
    )
    assert load_sites(path)[0].cookies == KEPT_COOKIES
    absolute = tmp_path / "conf" / "jar" / "outlet.txt"
    path = write(tmp_path, "abs.yaml", f"- url: https://outlet.example/\n  cookies: {absolute}\n")
    assert load_sites(path)[0].cookies == KEPT_COOKIES


def test_cookies_file_errors(tmp_path: Path) -> None:
    write(tmp_path, "plain.txt", "session=abc\n")
    path = write(tmp_path, "s.yaml", "- url: https://outlet.example/\n  cookies: plain.txt\n")
    assert error(path) == (
        f"{path}:2: cookies file '{tmp_path}/plain.txt' is not a Netscape cookies.txt file"
    )
    write(tmp_path, "short.txt", "# Netscape HTTP Cookie File\n.outlet.example\tTRUE\t/\n")
    path = write(tmp_path, "t.yaml", "- url: https://outlet.example/\n  cookies: short.txt\n")
    assert error(path) == (
        f"{path}:2: cookies file '{tmp_path}/short.txt' is not a Netscape cookies.txt file"
    )
    cookies_txt(tmp_path)
    path = write(tmp_path, "u.yaml", "- url: https://none.example/\n  cookies: cookies.txt\n")
    assert error(path) == (
        f"{path}:2: cookies file '{tmp_path}/cookies.txt' holds no unexpired cookie for "
        "none.example"
    )
