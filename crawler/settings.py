"""Scrapy settings of the news archiver.

Everything can be overridden with ``-s NAME=VALUE``; the ARCHIVE_* settings are the
archiver's own and are grouped at the end. ARCHIVE_DIR also comes from the
environment variable of the same name.
"""

from __future__ import annotations

import os

from scrapy.settings import default_settings

BOT_NAME = "newsarchiver"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# -- identity and politeness ------------------------------------------------------------
# names the project; no contact URL, since none is the operator's: set your own, e.g.
# -s USER_AGENT="news-web-archiver/0.1 (+mailto:you@example.org)"
USER_AGENT = "news-web-archiver/0.1 (news archiving crawler; operator contact not set)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# what one response's callback yields is processed by this many asyncio tasks, all of
# them created for every response: a page yields one article and a few requests, and
# Scrapy's 100 cost the crawl process a tenth of its time (bench/crawl_speed.py)
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port on a scheduled crawl

# -- limits against hostile or broken servers (Scrapy's defaults are not safe) ---------
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # bytes on the wire and after decompression
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10  # (default 60) a host that does not resolve must not hold a slot for long
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep a broken-off body: WARC-Truncated: disconnect
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False
DEPTH_LIMIT = 100
DEPTH_PRIORITY = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 3072
MEMUSAGE_WARNING_MB = 2048
CLOSESPIDER_TIMEOUT = 0

# -- the archiving components -----------------------------------------------------------
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.ArchivingHTTPDownloadHandler",
    "https": "crawler.handlers.ArchivingHTTPDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # ARCHIVE_REPLAY: every response from the archive, none from the network (after
    # robots.txt, so the rules of the day still apply)
    "crawler.replay.ArchiveReplayMiddleware": 120,
    # robots.txt fetched once per host before anything else, without Scrapy 2.19's race
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.SafeRobotsTxtMiddleware": 100,
    # the same decoding as Scrapy's, a third faster for the usual gzip body
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.compression.FastHttpCompressionMiddleware": 590,
    # 429/503 wait for Retry-After before the retry
    "crawler.retry_after.RetryAfterMiddleware": 555,
    # closest to the network: sees every exchange, body still content-encoded
    "crawler.capture.WarcCaptureMiddleware": 950,
}
# The telnet console and the remote control are off (TELNETCONSOLE_ENABLED,
# REMOTE_CONTROL_ENABLED) and not even imported: Scrapy imports every class named in
# EXTENSIONS, those set to None included, and the remote control's aiohttp import costs
# a fifth of a second at every crawl's start. To use one, set it in EXTENSIONS (0) and
# its *_ENABLED setting to True.
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name.rpartition(".")[2] not in ("TelnetConsole", "RemoteControl")
}
EXTENSIONS = {
    "crawler.extensions.ArchiveExtension": 100,
    "crawler.progress.ProgressExtension": 200,
}
SPIDER_MIDDLEWARES = {
    # a development aid (warns once if a spider copies Scrapy's internal meta keys): one
    # more layer around every callback's output, and this spider never does it
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}
DUPEFILTER_CLASS = "crawler.dupefilter.ArchiveAwareDupeFilter"
ADDONS = {"crawler.redis.RedisAddon": 0}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy's own, minus per-request costs that buy nothing here (crawler/overhead.py)
STATS_CLASS = "crawler.overhead.ArchiveStatsCollector"
LOG_FORMATTER = "crawler.overhead.QuietLogFormatter"

# -- ARCHIVE_*: the archive ---------------------------------------------------------------
ARCHIVE_ENABLED = True
# re-crawl from the archive: answer every request from ARCHIVE_DIR (read-only), no network
ARCHIVE_REPLAY = False
# where WARC files, index.sqlite3 and index.cdxj go (also from the environment)
ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR") or "archive-data"
# WARC file name prefix; files are PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz
ARCHIVE_WARC_PREFIX = "news"
# start a new WARC file once the current one reaches this many bytes
ARCHIVE_WARC_MAX_SIZE = 1_000_000_000
# gzip level of the WARC records (1 fastest ... 9 smallest)
ARCHIVE_WARC_GZIP_LEVEL = 6
# who runs the crawl, written into every warcinfo record
ARCHIVE_OPERATOR = os.environ.get("ARCHIVE_OPERATOR", "")
# also fetch what pages embed (stylesheets, scripts, images), for replay: "site" (the
# site's hosts and their subdomains), "all" (any host, CDNs included) or "off"
ARCHIVE_PAGE_ASSETS = "site"
# seconds between index commits while the crawl runs (rows reach the index, and other
# readers, this much later; a crash loses none: the index is repaired from the WARC)
ARCHIVE_INDEX_COMMIT_SECONDS = 2.0
# MiB of response bodies that may wait for the archive writer (a disk slower than the
# network); past it, a response keeps its download slot until its record is written
ARCHIVE_WRITE_BACKLOG_MB = 64
# run trafilatura at all (off: capture only)
ARCHIVE_EXTRACT_ENABLED = True
# extraction worker processes (0: one per CPU)
ARCHIVE_EXTRACT_WORKERS = 0
# seconds one page may take to extract before it is counted as failed
ARCHIVE_EXTRACT_TIMEOUT = 60
# fetch an archived article again once its latest capture is this old ("", 0: never;
# seconds, or 45m / 12h / 7d); unchanged pages become revisit records
ARCHIVE_REFRESH_AFTER = ""
# fetch an archived article again when its sitemap <lastmod> is later than its latest
# capture (a correction, an update), whatever ARCHIVE_REFRESH_AFTER says
ARCHIVE_REFRESH_MODIFIED = True
# ask an article URL that answered 404 or 410 again only once its latest capture is
# this old ("", 0: ask every run)
ARCHIVE_RECHECK_GONE_AFTER = "1d"
# stop walking a chain of listing pages after this many in a row brought no new article
ARCHIVE_STOP_AFTER_SEEN = 3
# an unchanged payload of a URL already archived (a listing page, a stylesheet, an image,
# robots.txt: everything but the articles, which ARCHIVE_REFRESH_AFTER handles) is
# written as a revisit record that refers to the stored payload, not stored again
ARCHIVE_DEDUPE = True
# hard cap on listing (non-article) pages per crawl
ARCHIVE_MAX_LISTING_PAGES = 5000
# hard cap on the requests to one host in one crawl, all kinds (0: none): a site that
# keeps linking to new article URLs ends there; the next run goes on (crawler/hostcap.py)
ARCHIVE_MAX_PAGES_PER_HOST = 200_000
# longest Retry-After (seconds) honoured; longer ones give up on the URL
ARCHIVE_RETRY_AFTER_MAX = 120
# live progress: "auto" (on a terminal), "on" or "off"
ARCHIVE_PROGRESS = "auto"

# -- ARCHIVE_REDIS_*: several workers on one frontier (scrapy-redis) ----------------------
# a redis:// URL switches the crawl to the shared Redis scheduler (empty: one process)
ARCHIVE_REDIS_URL = os.environ.get("ARCHIVE_REDIS_URL", "")
# the name workers of one run share (default: the current UTC hour, YYYYMMDDHH)
ARCHIVE_REDIS_RUN = os.environ.get("ARCHIVE_REDIS_RUN", "")
# a worker exits once the shared queue has stayed empty this many seconds
ARCHIVE_REDIS_IDLE_CLOSE = 10
# this worker's name (default HOST-PID): its index is ARCHIVE_DIR/workers/NAME/
ARCHIVE_WORKER = ""
