"""``news-archive export --format jsonl|csv|txt``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from archive.index.rows import ARTICLE_FIELDS
from tests.cli_support import Crawled, cli, exchange, utc, write_archive

TXT_NAME = re.compile(r"(\d{3})_([0-9a-f]{16})\.txt")


def article_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def index_articles(root: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        rows = db.execute(
            f"SELECT {', '.join(ARTICLE_FIELDS)} FROM articles ORDER BY fetched_at, url"
        ).fetchall()
    finally:
        db.close()
    out = []
    for row in rows:
        article = dict(row)
        article["tags"] = json.loads(article["tags"])
        article["categories"] = json.loads(article["categories"])
        out.append(article)
    return out


def test_jsonl(crawled: Crawled, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "jsonl")
    assert result.code == 0, result.err
    assert result.err == "export: 12 articles as jsonl to stdout\n"
    lines = result.out.splitlines()
    articles = [json.loads(line) for line in lines]
    assert all(list(a) == list(ARTICLE_FIELDS) for a in articles)
    assert articles == index_articles(crawled.root)
    by_id = {article_id(a["url"]): a for a in articles}
    assert by_id[23603]["text"] == crawled.site.article(23603).text
    assert by_id[23606]["title"] == crawled.site.article(23606).title
    assert by_id[23604]["tags"] == ["European Union", "Education", "Afghanistan"]
    assert "“Fragile but Real”" in lines[[article_id(a["url"]) for a in articles].index(23603)]
    # -o - is stdout too; -o FILE the same bytes
    dash = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "jsonl", "-o", "-")
    assert dash.out == result.out
    out = tmp_path / "articles.jsonl"
    assert (
        cli(capsys, "--archive-dir", crawled.root, "export", "--format", "jsonl", "-o", out).code
        == 0
    )
    assert out.read_text(encoding="utf-8") == result.out


def test_csv(crawled: Crawled, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "csv", "-o", out)
    assert result.code == 0, result.err
    data = out.read_bytes()
    assert data.startswith(b"url,canonical_url,title,")  # no BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == list(ARTICLE_FIELDS)
    expected = index_articles(crawled.root)
    assert len(rows) == 1 + len(expected)
    for row, article in zip(rows[1:], expected, strict=True):
        got = dict(zip(ARTICLE_FIELDS, row, strict=True))
        assert json.loads(got["tags"]) == article["tags"]
        assert json.loads(got["categories"]) == article["categories"]
        assert got["text"] == article["text"]  # newlines and every character kept
        assert got["warc_offset"] == str(article["warc_offset"])
        assert got["author"] == (article["author"] or "")


def test_txt_layout_and_names(
    crawled: Crawled, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "txt"
    result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "txt", "-o", out)
    assert result.code == 0, result.err
    files = sorted(out.iterdir())
    articles = index_articles(crawled.root)
    assert len(files) == len(articles) == 12
    for number, (path, article) in enumerate(zip(files, articles, strict=True), 1):
        match = TXT_NAME.fullmatch(path.name)
        assert match is not None, path.name
        assert int(match.group(1)) == number
        assert match.group(2) == hashlib.sha1(article["url"].encode()).hexdigest()[:16]
        fixture = crawled.site.article(article_id(article["url"]))
        assert fixture is not None
        expected = "\n".join(
            [*fixture.paragraphs, f"LINK: {article['url']}", "TAGS:" + ",".join(fixture.tags)]
        )
        assert path.read_bytes() == expected.encode("utf-8")
    curly = next(p for p, a in zip(files, articles, strict=True) if a["url"].endswith("/23603"))
    text = curly.read_text(encoding="utf-8")
    assert "Envoys" not in text  # the title is not part of the text
    assert "“We are not there yet, but nobody walked out,” said" in text
    assert "prisoner exchanges — an issue" in text and "Qatar’s" in text


def test_txt_matches_the_reference_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the layout of the user's sample (text, then LINK:, then TAGS:), with the
    # apostrophes and quotes the sample lost kept intact
    sample = (
        "The province’s governor said the talks would resume on Sunday.\n"
        "“We don't expect a quick deal,” an official told reporters.\n"
        "LINK: https://www.ansarpress.com/english/23610\nTAGS:"
    ).encode()
    lines = sample.decode("utf-8").split("\n")
    assert lines[-1] == "TAGS:" and lines[-2].startswith("LINK: ")
    url = lines[-2].removeprefix("LINK: ")
    root = write_archive(
        tmp_path / "archive",
        [
            (
                exchange(url, b"<html>...</html>", date=utc(2021, 8, 13)),
                {"text": "\n".join(lines[:-2])},
            )
        ],
    )
    out = tmp_path / "txt"
    result = cli(capsys, "--archive-dir", root, "export", "--format", "txt", "-o", out)
    assert result.code == 0, result.err
    (path,) = out.iterdir()
    assert path.name == f"001_{hashlib.sha1(url.encode()).hexdigest()[:16]}.txt"
    assert path.read_bytes() == sample


def test_txt_needs_a_directory(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    for extra in ([], ["-o", "-"]):
        result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "txt", *extra)
        assert result.code == 2
        assert "-o DIRECTORY" in result.error_line()
    result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "xml")
    assert result.code == 2
    assert "invalid choice" in result.error_line()


def test_jsonl_is_the_default_format(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    jsonl = cli(capsys, "--archive-dir", crawled.root, "export", "--format", "jsonl")
    default = cli(capsys, "--archive-dir", crawled.root, "export")
    assert default.code == 0, default.err
    assert default.out == jsonl.out and len(default.out.splitlines()) == 12
    assert default.err == "export: 12 articles as jsonl to stdout\n"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_missing_folders_are_created_for_every_format(
    crawled: Crawled, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "new" / "dir" / ("articles" if fmt == "txt" else f"articles.{fmt}")
    result = cli(capsys, "--archive-dir", crawled.root, "export", "--format", fmt, "-o", out)
    assert result.code == 0, result.err
    assert result.err == f"export: 12 articles as {fmt} to {out}\n"
    if fmt == "txt":
        assert len(list(out.iterdir())) == 12
    else:
        assert out.is_file() and len(out.read_text(encoding="utf-8").splitlines()) >= 12


def test_one_article_is_one_article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://news.example/english/1"
    root = write_archive(
        tmp_path / "archive",
        [(exchange(url, b"<html>...</html>", date=utc(2021, 8, 13)), {"text": "One."})],
    )
    result = cli(capsys, "--archive-dir", root, "export", "-o", tmp_path / "one.jsonl")
    assert result.code == 0, result.err
    assert result.err == f"export: 1 article as jsonl to {tmp_path / 'one.jsonl'}\n"


def test_an_output_under_a_file_is_one_error_line(
    crawled: Crawled, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("")
    result = cli(capsys, "--archive-dir", crawled.root, "export", "-o", tmp_path / "file" / "a.csv")
    assert result.code == 1
    assert str(tmp_path / "file") in result.error_line()
