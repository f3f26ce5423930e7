"""``news-archive wacz``: the archive as one WACZ 1.1.1 package, streamed to disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from archive.cli import wacz
from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock
from archive.recorder import ArchiveRecorder
from archive.web.pywbtool import wacz_program
from tests.cli_support import (
    Crawled,
    cli,
    cli_process,
    copy_archive,
    exchange,
    utc,
)
from tests.crawling import REPO, crawl_env

WACZ = wacz_program()
RESOURCE_NAME = re.compile(r"^[-a-z0-9._/]+$")  # Frictionless Data Package


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def kept(root: Path) -> dict[str, bytes]:
    """The WARC files and the index files (not the lock file, which holds a pid)."""
    files = sorted((root / "warc").iterdir()) + [root / "index.sqlite3", root / "index.cdxj"]
    return {p.name: p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def package(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_archive(crawled.root, tmp_path_factory.mktemp("wacz") / "archive")
    out = root.parent / "news.wacz"
    result = cli_process("--archive-dir", root, "wacz", out, "--title", "Fixture news")
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err.startswith(f"wacz: wrote {out} (") and result.err.count("\n") == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["archive", "news.wacz"]
    return out


def test_entries_hashes_and_datapackage(package: Path, crawled: Crawled) -> None:
    warcs = sorted((crawled.root / "warc").glob("*.warc.gz"))
    with zipfile.ZipFile(package) as zf:
        assert zf.testzip() is None
        names = [info.filename for info in zf.infolist()]
        assert names == [
            *(f"archive/{p.name}" for p in warcs),
            "indexes/index.cdxj",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        ]
        for path in warcs:  # stored as they are, not compressed again
            info = zf.getinfo(f"archive/{path.name}")
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info) == path.read_bytes()
        assert zf.read("indexes/index.cdxj") == (crawled.root / "index.cdxj").read_bytes()

        raw = zf.read("datapackage.json")
        package_json = json.loads(raw)
        assert package_json["profile"] == "data-package"
        assert package_json["wacz_version"] == "1.1.1"
        assert package_json["title"] == "Fixture news"
        assert package_json["software"].startswith("news-web-archiver ")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", package_json["created"])
        resources = package_json["resources"]
        assert [r["path"] for r in resources] == names[:-2]
        for resource in resources:
            data = zf.read(resource["path"])
            assert resource["hash"] == sha256(data)
            assert resource["bytes"] == len(data)
            assert RESOURCE_NAME.match(resource["name"])
        assert len({r["name"] for r in resources}) == len(resources)
        assert json.loads(zf.read("datapackage-digest.json")) == {
            "path": "datapackage.json",
            "hash": sha256(raw),
        }


def test_pages_are_every_html_page_once(package: Path, crawled: Crawled) -> None:
    """One page per URL captured as an HTML page with status 200 (articles, the home,
    section and listing pages), even when captured in both crawls; articles with their
    title and text; robots.txt, sitemaps and stylesheets are no pages."""
    with zipfile.ZipFile(package) as zf:
        lines = zf.read("pages/pages.jsonl").decode("utf-8").splitlines()
    assert json.loads(lines[0]) == {
        "format": "json-pages-1.0",
        "id": "pages",
        "title": "All Pages",
        "hasText": True,
    }
    pages = [json.loads(line) for line in lines[1:]]
    urls = [p["url"] for p in pages]
    assert len(urls) == len(set(urls))  # captured twice, listed once
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    try:
        latest = dict(
            db.execute(
                "SELECT url, max(warc_date) FROM captures WHERE status = 200 "
                "AND mime = 'text/html' GROUP BY url"
            ).fetchall()
        )
        twice = {
            u for (u,) in db.execute("SELECT url FROM captures GROUP BY url HAVING count(*) > 1")
        }
        others = {u for (u,) in db.execute("SELECT url FROM captures WHERE mime != 'text/html'")}
    finally:
        db.close()
    assert set(urls) == set(latest)
    assert {p["url"]: p["ts"] for p in pages} == latest  # the latest capture of each
    home = crawled.url("/english")
    assert home in urls and crawled.url("/english/category/politics") in urls
    assert home in twice and len(twice & set(urls)) > 12  # listings and articles, twice
    assert crawled.url("/robots.txt") in others and crawled.url("/sitemap.xml") in others
    assert not others & set(urls)
    by_url = {p["url"]: p for p in pages}
    for article in crawled.site.articles:
        page = by_url[crawled.url(article.path)]
        assert page["text"] == article.text
        assert page["title"] == article.title
    assert "text" not in by_url[home] and "title" not in by_url[home]
    for page in pages:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", page["ts"])
        assert re.fullmatch(r"[0-9a-f]{32}", page["id"])
    assert len({p["id"] for p in pages}) == len(pages)
    assert [p["ts"] for p in pages] == sorted(p["ts"] for p in pages)


@pytest.mark.slow
@pytest.mark.skipif(
    WACZ is None and not os.environ.get("CI"),
    reason="py-wacz is not installed (make setup installs it; CI requires it)",
)
def test_py_wacz_validates_it(package: Path, tmp_path: Path) -> None:
    assert WACZ is not None, "py-wacz's `wacz` is required in CI (make setup installs it)"
    run = subprocess.run(
        [str(WACZ), "validate", "-f", str(package)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Validation succeeded" in run.stdout
    # and it is a real check: a changed byte fails it
    broken = tmp_path / "broken.wacz"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b"Helmand", b"Helmund", 1)
            dst.writestr(info, data)
    run = subprocess.run(
        [str(WACZ), "validate", "-f", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0


def test_reading_changes_nothing_and_replaces_the_output(
    archive: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = kept(archive)
    out = tmp_path / "out.wacz"
    out.write_bytes(b"an older package")
    result = cli(capsys, "--archive-dir", archive, "wacz", out)
    assert result.code == 0, result.err
    assert zipfile.is_zipfile(out)
    assert kept(archive) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "out.wacz"]


def write_blobs(root: Path, count: int, size: int) -> Path:
    """An archive of *count* responses of *size* random bytes, in one WARC file."""
    recorder = ArchiveRecorder(ArchiveLayout(root), prefix="big", fsync=False)
    recorder.writer.compress_level = 1  # random bytes do not compress: be quick about it
    recorder.start()
    try:
        for n in range(count):
            ex = exchange(
                f"http://big.test/file/{n}",
                os.urandom(size),
                date=utc(2024, 5, 1, 0, n // 60, n % 60),
                content_type="application/octet-stream",
            )
            recorder.record_exchange(ex).result()
    finally:
        recorder.close()
    (warc,) = (root / "warc").iterdir()
    return warc


_PEAK_RSS = (
    "import resource, sys\n"
    "from archive.cli.parser import main\n"
    "code = main(sys.argv[1:])\n"
    "print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n"
)


def peak_rss(root: Path, out: Path) -> int:
    """The peak RSS of a fresh process packaging *root*."""
    run = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, "--archive-dir", str(root), "wacz", str(out)],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    code, peak = run.stdout.split()
    assert code == "0", run.stderr
    return int(peak)


@pytest.mark.slow
def test_memory_stays_bounded(tmp_path: Path) -> None:
    """A 50 MB WARC file goes through in chunks: the peak RSS of the process is about
    the same as for a tiny archive."""
    small = peak_rss(write_blobs(tmp_path / "small", 1, 1000).parents[1], tmp_path / "s.wacz")
    warc = write_blobs(tmp_path / "big", 50, 1 << 20)
    size = warc.stat().st_size
    assert size > 50_000_000
    out = tmp_path / "big.wacz"
    big = peak_rss(warc.parents[1], out)
    growth = big - small
    assert growth < size / 4, f"peak RSS {big:,} bytes, {growth:,} more than for a tiny archive"
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo(f"archive/{warc.name}").file_size == size


def test_wrong_output(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("out.zip", "out", "-"):
        result = cli(capsys, "--archive-dir", archive, "wacz", name)
        assert result.code == 2, name
        assert "must be a file named NAME.wacz" in result.error_line()
    result = cli(capsys, "--archive-dir", archive, "wacz")
    assert result.code == 2
    result.error_line()
    result = cli(capsys, "--archive-dir", archive, "wacz", tmp_path / "nowhere" / "out.wacz")
    assert result.code == 1
    assert "no directory" in result.error_line()
    (tmp_path / "dir.wacz").mkdir()
    result = cli(capsys, "--archive-dir", archive, "wacz", tmp_path / "dir.wacz")
    assert result.code == 1
    assert "is a directory" in result.error_line()


def test_missing_archive_index_or_warc_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wacz"
    result = cli(capsys, "--archive-dir", tmp_path / "nowhere", "wacz", out)
    assert result.code == 1
    assert "does not exist" in result.error_line()
    root = tmp_path / "archive"
    (root / "warc").mkdir(parents=True)
    result = cli(capsys, "--archive-dir", root, "wacz", out)
    assert result.code == 1
    assert "build it with `reindex`" in result.error_line()
    assert not out.exists()


def test_no_warc_files_or_an_open_one(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wacz"
    first = sorted((archive / "warc").glob("*.warc.gz"))[0]
    first.rename(first.with_name(first.name + ".open"))
    result = cli(capsys, "--archive-dir", archive, "wacz", out)
    assert result.code == 1
    assert "verify --repair" in result.error_line()
    for path in (archive / "warc").iterdir():
        path.unlink()
    result = cli(capsys, "--archive-dir", archive, "wacz", out)
    assert result.code == 1
    assert "no WARC files" in result.error_line()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_refuses_while_a_crawl_holds_the_lock(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wacz"
    lock = ArchiveLock(archive)
    lock.acquire()
    try:
        result = cli(capsys, "--archive-dir", archive, "wacz", out)
    finally:
        lock.release()
    assert result.code == EXIT_LOCKED
    assert "another crawl is writing" in result.error_line()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_a_failed_write_leaves_no_file(
    archive: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out.wacz"
    out.write_bytes(b"the previous package")
    copy = wacz._copy

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        copy(*args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(wacz, "_copy", disk_full)
    result = cli(capsys, "--archive-dir", archive, "wacz", out)
    assert result.code == 1
    assert result.error_line() == "error: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "out.wacz"]
    assert out.read_bytes() == b"the previous package"


def test_python_m_archive_wacz_help() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "archive", "wacz", "--help"],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0
    assert "OUT.wacz" in run.stdout
