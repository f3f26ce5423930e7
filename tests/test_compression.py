"""The crawl's gzip decoding (crawler/compression.py) gives what Scrapy's gives, and the
crawl process does not import what only other processes or other modes need."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib

import pytest
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip

from crawler.compression import FastHttpCompressionMiddleware, gunzip_whole
from tests.crawling import REPO

TEXT = "".join(f"<p>paragraph {n}: don’t lose it</p>\n" for n in range(3000)).encode()
WHOLE = gzip.compress(TEXT, 6)
BAD_CRC = WHOLE[:-8] + bytes(4) + WHOLE[-4:]


@pytest.mark.parametrize(
    "body",
    [
        WHOLE,
        gzip.compress(b"", 6),
        WHOLE[: len(WHOLE) // 2],  # cut off
        WHOLE + WHOLE,  # two members
        WHOLE + b"trailing junk",
        BAD_CRC,
    ],
    ids=["whole", "empty", "cut-off", "two-members", "trailing", "bad-crc"],
)
def test_same_bytes_as_scrapy(body: bytes) -> None:
    assert FastHttpCompressionMiddleware._decode(body, b"gzip", 0) == gunzip(body)


def test_only_a_whole_member_takes_the_fast_path() -> None:
    assert gunzip_whole(WHOLE, 0) == TEXT
    for odd in (WHOLE[:-5], WHOLE + WHOLE, BAD_CRC, b"not gzip"):
        assert gunzip_whole(odd, 0) is None


def test_size_limit_as_scrapy() -> None:
    bomb = gzip.compress(bytes(5_000_000), 9)
    with pytest.raises(_DecompressionMaxSizeExceeded):
        FastHttpCompressionMiddleware._decode(bomb, b"gzip", 1_000_000)
    assert FastHttpCompressionMiddleware._decode(WHOLE, b"gzip", len(TEXT)) == TEXT
    with pytest.raises(_DecompressionMaxSizeExceeded):
        FastHttpCompressionMiddleware._decode(WHOLE, b"gzip", len(TEXT) - 1)


def test_other_encodings_are_scrapys() -> None:
    deflated = zlib.compress(TEXT)
    assert FastHttpCompressionMiddleware._decode(deflated, b"deflate", 0) == TEXT


def test_crawl_process_imports_only_what_it_uses() -> None:
    """trafilatura (the workers'), scrapy-redis (the Redis mode's) and aiohttp (the
    remote control's, not loaded) cost ~0.6 s at every start when imported."""
    code = """
import sys
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
settings = get_project_settings()
for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    for path in build_component_list(settings.get_component_priority_dict_with_base(name)):
        load_object(path)
import crawler.spiders.ansarpress, crawler.commands.crawl
print(",".join(m for m in ("trafilatura", "aiohttp", "scrapy_redis") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
