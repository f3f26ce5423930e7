"""A compression bomb archived from a hostile site (the crawl stores bodies as received)
is read back within a bound: ``show --raw`` and ``reextract`` stop inflating it at
``--max-body-size`` / ``$NEWS_ARCHIVE_MAX_BODY`` (16 MiB, the crawl's DOWNLOAD_MAXSIZE)
and say so in one line, in little memory."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest

from archive.extract.decode import DEFAULT_MAX_BODY, BodyTooLarge, decode_content
from tests.cli_support import Result, cli, exchange, utc, write_archive
from tests.crawling import REPO, crawl_env
from tests.hostile_site import BOMB_SIZE, GOOD_TEXT, article_html, bomb

BASE = "http://hostile.test"
MIB = 1 << 20
# a reader inflating the 256 MiB bomb needs more than that; one bounded at 16 MiB needs
# the interpreter (~60 MiB with the index and trafilatura not imported) plus the bound
MEMORY_LIMIT_KIB = 160 * 1024

# run the command, then print the process's peak memory (KiB) on stdout
MEASURED = (
    "import resource, sys\n"
    "from archive.cli.parser import main\n"
    "code = main(sys.argv[1:])\n"
    "print(f'maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')\n"
    "sys.exit(code)\n"
)


@pytest.fixture(scope="module")
def bombed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding, as the crawl stores them, the hostile site's gzip and deflate
    bombs and a gzip-encoded article."""
    good = gzip.compress(article_html("Canal Repairs Take A Month", GOOD_TEXT))
    pages = [
        ("/english/1001", bomb(BOMB_SIZE, 31), b"gzip"),
        ("/english/1002", bomb(BOMB_SIZE, 15), b"deflate"),
        ("/english/1014", good, b"gzip"),
    ]
    root = tmp_path_factory.mktemp("bombed") / "archive"
    return write_archive(
        root,
        [
            (
                exchange(
                    BASE + path,
                    body,
                    date=utc(2024, 5, 1, 10, n),
                    headers=((b"Content-Encoding", coding),),
                ),
                None,
            )
            for n, (path, body, coding) in enumerate(pages)
        ],
    )


def measured(*args: str | Path, env: dict[str, str] | None = None) -> tuple[Result, int]:
    """``news-archive ARGS`` in a process of its own, and its peak memory in KiB."""
    proc = subprocess.run(
        [sys.executable, "-c", MEASURED, *[str(a) for a in args]],
        cwd=REPO,
        env={**crawl_env(), **(env or {})},
        capture_output=True,
        timeout=120,
    )
    out = proc.stdout.decode("utf-8")
    body, _, peak = out.rpartition("maxrss=")
    return Result(proc.returncode, body, proc.stderr.decode("utf-8", "replace")), int(peak)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "coding"), [("/english/1001", "gzip"), ("/english/1002", "deflate")]
)
def test_show_raw_stops_a_bomb_at_the_bound(bombed: Path, path: str, coding: str) -> None:
    result, peak = measured("--archive-dir", bombed, "show", BASE + path, "--raw")
    assert result.code == 1
    assert result.out == ""
    assert result.error_line() == (
        f"error: the body of {BASE}{path}: Content-Encoding {coding} decodes past 16 MiB "
        "(a compression bomb?); --max-body-size SIZE raises the limit"
    )
    assert peak < MEMORY_LIMIT_KIB, f"{peak // 1024} MiB"


@pytest.mark.slow
def test_show_raw_bound_is_an_option_or_an_environment_variable(
    bombed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = BASE + "/english/1014"
    shown = cli(capsys, "--archive-dir", bombed, "show", url, "--raw")
    assert shown.code == 0, shown.err
    assert GOOD_TEXT[0] in shown.out
    small = cli(capsys, "--archive-dir", bombed, "show", url, "--raw", "--max-body-size", "100")
    assert small.code == 1
    assert "Content-Encoding gzip decodes past 100 bytes" in small.error_line()
    monkeypatch.setenv("NEWS_ARCHIVE_MAX_BODY", "100")
    assert (
        "decodes past 100 bytes" in cli(capsys, "--archive-dir", bombed, "show", url, "--raw").err
    )
    # the option wins over the environment
    wide = cli(capsys, "--archive-dir", bombed, "show", url, "--raw", "--max-body-size", "1M")
    assert wide.code == 0 and GOOD_TEXT[0] in wide.out
    monkeypatch.setenv("NEWS_ARCHIVE_MAX_BODY", "lots")
    bad_env = cli(capsys, "--archive-dir", bombed, "show", url, "--raw")
    assert bad_env.code == 2
    assert bad_env.error_line().startswith("error: NEWS_ARCHIVE_MAX_BODY: not a size")
    monkeypatch.delenv("NEWS_ARCHIVE_MAX_BODY")
    for size in ("0", "-1", "16X", ""):
        bad = cli(capsys, "--archive-dir", bombed, "show", url, "--raw", "--max-body-size", size)
        assert bad.code == 2, size
        assert "--max-body-size" in bad.error_line()


@pytest.mark.slow
def test_reextract_fails_a_bomb_alone(bombed: Path, tmp_path: Path) -> None:
    root = shutil.copytree(bombed, tmp_path / "archive")
    result, peak = measured(
        "--archive-dir", root, "reextract", "--url-pattern", r"/english/\d+", "--workers", "1"
    )
    assert result.code == 0, result.err
    failures = [line for line in result.err.splitlines() if "extraction failed" in line]
    assert len(failures) == 2, result.err
    for line, (path, coding) in zip(
        failures, (("/english/1001", "gzip"), ("/english/1002", "deflate")), strict=True
    ):
        assert line.startswith(f"reextract: extraction failed: {BASE}{path} (<urn:uuid:")
        assert line.endswith(f"Content-Encoding {coding} decodes past 16 MiB (a compression bomb?)")
    assert "1 new article version by" in result.err
    assert "2 extraction failures" in result.err
    assert "Traceback" not in result.err
    assert peak < MEMORY_LIMIT_KIB, f"{peak // 1024} MiB"


@pytest.mark.slow
def test_reextract_takes_the_same_bound(
    bombed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shutil.copytree(bombed, tmp_path / "archive")
    args = ("--archive-dir", root, "reextract", "--url-pattern", "/english/1014", "--workers", "1")
    result = cli(capsys, *args, "--max-body-size", "100")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0].endswith(
        "Content-Encoding gzip decodes past 100 bytes (a compression bomb?)"
    )
    assert "0 new article versions" in result.err
    assert cli(capsys, *args, "--max-body-size", "none").code == 2


def zeros(step: Callable[[bytes], bytes], end: Callable[[], bytes], size: int) -> bytes:
    """*size* zero bytes through a streaming compressor (its *step* and *end*)."""
    chunk = b"\0" * MIB
    return b"".join([*(step(chunk) for _ in range(size // MIB)), end()])


def test_brotli_and_zstd_bombs_are_stopped_in_bounded_memory() -> None:
    from backports import zstd

    br = brotli.Compressor(quality=1)
    br_bomb = zeros(br.process, br.finish, 64 * MIB)
    zst = zstd.ZstdCompressor()
    bombs = {
        "br": br_bomb,
        "zstd": zeros(zst.compress, zst.flush, 64 * MIB),
        "br, gzip": gzip.compress(br_bomb),  # br applied first, gzip around it
    }
    for coding, body in bombs.items():
        tracemalloc.start()
        try:
            with pytest.raises(BodyTooLarge, match="decodes past 16 MiB"):
                decode_content(body, coding)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 3 * DEFAULT_MAX_BODY, (coding, peak)
    # what fits comes back whole, also a body cut short, also several zstd frames
    page = article_html("Fits", GOOD_TEXT)
    assert decode_content(brotli.compress(page), "br") == page
    assert decode_content(zstd.compress(page) + zstd.compress(page), "zstd") == page * 2
    assert decode_content(gzip.compress(page)[:-8], "x-gzip") == page
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert decode_content(raw.compress(page) + raw.flush(), "deflate") == page


def test_the_default_bound_is_the_crawls() -> None:
    from crawler import settings

    assert DEFAULT_MAX_BODY == settings.DOWNLOAD_MAXSIZE == 16 * MIB
