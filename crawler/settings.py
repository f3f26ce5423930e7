"""Scrapy settings of the news archiver.

Any setting can be changed for one crawl with ``-s NAME=VALUE`` on the command line
(``scrapy crawl ansarpress -s ARCHIVE_DIR=/srv/news``), and for a crawl scheduled
through scrapyd with a ``setting=NAME=VALUE`` parameter of ``schedule.json``. The
``ARCHIVE_*`` settings are the archiver's own; the Scrapy settings listed here are
those the project sets to a value of its own or that a user is likely to change, and
Scrapy's documentation has the rest. Values given with ``-s`` are text: ``True`` and
``False``, ``1`` and ``0`` all work for an on/off setting.
"""

# How this file documents itself. scripts/settings_doc.py writes docs/settings.md from
# it (``python scripts/settings_doc.py``; ``--check`` only compares), reading it as text
# and through ``ast``, never importing it, and tests/test_settings_doc.py fails when the
# two differ:
# - the module docstring above, but its first line, is the reference's introduction
#   (``x`` becomes `x`);
# - a "# -- TITLE ---" line starts a section, in the reference under the same title;
# - the block of "#: " lines directly above a setting (no blank line in between) is its
#   description, Markdown, one paragraph; a setting without one is left out of the
#   reference, except an ARCHIVE_* setting, which must have one (the test checks);
# - the default shown is the value's source text, on one line;
# - plain "#" comments are notes for whoever edits this file, not published.

from __future__ import annotations

import os

from archive.layout import DEFAULT_ARCHIVE_DIR

BOT_NAME = "newsarchiver"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# -- identity and politeness ------------------------------------------------------------
#: Names the project but gives no way to reach whoever runs the crawl: give sites your
#: own contact (a `+mailto:` address or a `+https://` page), which the warcinfo record
#: of every WARC file also keeps:
#: `-s USER_AGENT="news-web-archiver/0.1 (+mailto:you@example.org)"`.
USER_AGENT = "news-web-archiver/0.1 (news archiving crawler; operator contact not set)"
#: Obey robots.txt (Scrapy's default is not to). It is read by `crawler/politeness/robots.py`, not
#: Scrapy's middleware, whose 2.19 version checks only the first of the requests that
#: wait for a robots.txt still downloading and lets the others through; here all of
#: them get the same rules. 2xx: its rules (the first 512 KiB); 4xx: everything is
#: allowed; 5xx or no answer: nothing is fetched from that host.
ROBOTSTXT_OBEY = True
#: Requests in flight at once, all hosts together.
CONCURRENT_REQUESTS = 16
#: Requests in flight at once to one host (a sites file's `concurrency` option sets
#: its own for one site).
CONCURRENT_REQUESTS_PER_DOMAIN = 8
#: What one response's callback yields is processed by this many asyncio tasks, all
#: of them created for every response: a page yields one article and a few requests,
#: and Scrapy's 100 cost the crawl process a tenth of its time
#: (`bench/crawl_speed.py`).
CONCURRENT_ITEMS = 4
#: Seconds between two requests to one host, and the least AutoThrottle may wait (a
#: sites file's `delay` option sets its own for one site).
DOWNLOAD_DELAY = 0.0
#: AutoThrottle adapts the delay between requests to each host to its response times.
AUTOTHROTTLE_ENABLED = True
#: Seconds between a host's first requests, before AutoThrottle has measured it.
AUTOTHROTTLE_START_DELAY = 0.5
#: The longest delay AutoThrottle sets, in seconds (slow answers).
AUTOTHROTTLE_MAX_DELAY = 30.0
#: How many requests AutoThrottle aims to have in flight to each host on average.
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
#: Keep the cookies a site sets (and send a sites file's `cookies`).
COOKIES_ENABLED = True
#: No telnet console.
TELNETCONSOLE_ENABLED = False
#: No remote control, so no listening port on a scheduled crawl.
REMOTE_CONTROL_ENABLED = False

# -- limits against hostile or broken servers (Scrapy's defaults are not safe) ---------
#: Largest body in bytes (16 MiB), both on the wire and once decompressed; a page
#: over it is not extracted. A body cut on the wire is archived as far as it came,
#: with `WARC-Truncated: length`.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
#: Bodies larger than this many bytes (4 MiB) are logged as a warning.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
#: Seconds a download may take. What came of a body before the timeout is archived with
#: `WARC-Truncated: time`, and the request is retried like any timeout.
DOWNLOAD_TIMEOUT = 30
#: Seconds a DNS lookup may take (Scrapy's default is 60): a host that does not resolve
#: must not hold a download slot for long.
DNS_TIMEOUT = 10
#: Keep a body the server broke off (shorter than its Content-Length, broken chunking)
#: instead of failing the download: it is archived with `WARC-Truncated: disconnect`.
DOWNLOAD_FAIL_ON_DATALOSS = False
#: Redirects followed in a row before a request is given up.
REDIRECT_MAX_TIMES = 5
#: Off: a page that sends on with a meta refresh is archived as it is, not replaced by
#: its target (the spider reads the target of a start page's meta refresh itself).
METAREFRESH_ENABLED = False
#: Link hops from the crawl's first requests beyond which nothing is requested (0: no
#: limit): a bound on everything, traps included.
DEPTH_LIMIT = 100
#: 0: depth does not change the order; the spider's own priorities do (sitemaps and
#: feeds, then articles, then listings, then page assets).
DEPTH_PRIORITY = 0
#: Retry timeouts, failed connections and the statuses of Scrapy's `RETRY_HTTP_CODES`
#: (500, 502, 503, 504, 522, 524, 408, 429).
RETRY_ENABLED = True
#: Retries of one request after its first try (a 429 or 503 with `Retry-After` waits
#: first, see `ARCHIVE_RETRY_AFTER_MAX`).
RETRY_TIMES = 2
#: Watch the crawl process's memory (`MEMUSAGE_LIMIT_MB`, `MEMUSAGE_WARNING_MB`).
MEMUSAGE_ENABLED = True
#: MiB of the crawl process's memory past which the crawl is closed (0: no limit).
MEMUSAGE_LIMIT_MB = 3072
#: MiB of the crawl process's memory past which a warning is logged (0: none).
MEMUSAGE_WARNING_MB = 2048
#: Seconds after which the crawl closes itself, finishing what it has (0: no limit).
CLOSESPIDER_TIMEOUT = 0

# -- the archiving components -----------------------------------------------------------
DOWNLOAD_HANDLERS = {
    "http": "crawler.capture.handlers.ArchivingHTTPDownloadHandler",
    "https": "crawler.capture.handlers.ArchivingHTTPDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # ARCHIVE_REPLAY: every response from the archive, none from the network (after
    # robots.txt, so the rules of the day still apply)
    "crawler.capture.replay.ArchiveReplayMiddleware": 120,
    # robots.txt fetched once per host before anything else, without Scrapy 2.19's race
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.robots.SafeRobotsTxtMiddleware": 100,
    # 429/503 wait for Retry-After before the retry
    "crawler.politeness.retry_after.RetryAfterMiddleware": 555,
    # closest to the network: sees every exchange, body still content-encoded
    "crawler.capture.middleware.WarcCaptureMiddleware": 950,
}
EXTENSIONS = {
    "crawler.archiving.extensions.ArchiveExtension": 100,
    "crawler.run.progress.ProgressExtension": 200,
    # Prometheus metrics; off (NotConfigured) unless ARCHIVE_METRICS_PORT is set
    "crawler.run.metrics.MetricsExtension": 300,
}
SPIDER_MIDDLEWARES = {
    # a development aid (warns once if a spider copies Scrapy's internal meta keys): one
    # more layer around every callback's output, and this spider never does it
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.archiving.pipelines.ArchivePipeline": 300,
}
DUPEFILTER_CLASS = "crawler.politeness.dupefilter.ArchiveAwareDupeFilter"
ADDONS = {"crawler.distributed.redis.RedisAddon": 0}
#: Items exported with `-o FILE` are UTF-8 text, not `\u` escapes.
FEED_EXPORT_ENCODING = "utf-8"
#: Scrapy logs every request at its default, DEBUG.
LOG_LEVEL = "INFO"
# Scrapy's own, minus a per-request cost that buys nothing here (crawler/run/overhead.py)
LOG_FORMATTER = "crawler.run.overhead.QuietLogFormatter"

# -- ARCHIVE_*: the archive ---------------------------------------------------------------
#: Capture into WARC files and the index (off: nothing is written to `ARCHIVE_DIR`).
ARCHIVE_ENABLED = True
#: Re-crawl from the archive: every request is answered from `ARCHIVE_DIR` (read-only:
#: nothing is written), none from the network; a URL the archive does not hold gets a
#: 404. See "Re-crawl from the archive" in [replay.md](replay.md).
ARCHIVE_REPLAY = False
#: The archive directory: WARC files, `index.sqlite3`, `index.cdxj`. Also the
#: environment variable `ARCHIVE_DIR`, which the `news-archive` commands read too;
#: without either, `archive-data` in the current directory.
ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR") or DEFAULT_ARCHIVE_DIR
#: WARC file name prefix; the files are `PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz`.
ARCHIVE_WARC_PREFIX = "news"
#: Start a new WARC file once the current one has reached this many bytes.
ARCHIVE_WARC_MAX_SIZE = 1_000_000_000
#: gzip level of the WARC records (1 fastest ... 9 smallest); a record whose payload
#: is compressed already is stored at level 0.
ARCHIVE_WARC_GZIP_LEVEL = 6
#: Copy each WARC file to object storage when it is closed (rollover and the end of the
#: crawl; never an `.open` one): `s3://BUCKET/PREFIX`, the object being PREFIX/NAME. Its
#: SHA-256 is checked after the upload; a failed upload is logged and the crawl goes
#: on, and the next crawl uploads every closed WARC file the store lacks. Credentials:
#: boto3's usual ones ([storage.md](storage.md)). Also the environment variable
#: `ARCHIVE_STORE`; empty: off.
ARCHIVE_STORE = os.environ.get("ARCHIVE_STORE", "")
#: The S3-compatible server of `ARCHIVE_STORE` (`https://minio.example:9000`); empty:
#: AWS S3 itself. Also the environment variable `ARCHIVE_S3_ENDPOINT`.
ARCHIVE_S3_ENDPOINT = os.environ.get("ARCHIVE_S3_ENDPOINT", "")
#: Keep the local copy of each WARC file uploaded to `ARCHIVE_STORE`. `false`: once its
#: object is checked (size, SHA-256) the file is removed from `warc/`, and a note
#: `NAME.warc.gz.stored` (where the object is, its size and SHA-256) stays in its place;
#: the commands read such a file from the store ([storage.md](storage.md)), and
#: `news-archive store fetch` brings it back. Also the environment variable
#: `ARCHIVE_STORE_KEEP_LOCAL`.
ARCHIVE_STORE_KEEP_LOCAL = os.environ.get("ARCHIVE_STORE_KEEP_LOCAL", "true")
#: Who runs the crawl, written into every warcinfo record. Also the environment
#: variable `ARCHIVE_OPERATOR`; empty: the user running the crawl.
ARCHIVE_OPERATOR = os.environ.get("ARCHIVE_OPERATOR", "")
#: Also fetch what pages embed (stylesheets, scripts, images), for replay: `site` (the
#: site's hosts and their subdomains), `all` (any host, CDNs included) or `off`.
ARCHIVE_PAGE_ASSETS = "site"
#: Seconds between index commits while the crawl runs: rows reach the index, and other
#: readers, this much later; a crash loses none, the index is repaired from the WARC.
ARCHIVE_INDEX_COMMIT_SECONDS = 2.0
#: MiB of response bodies that may wait for the archive writer (a disk slower than the
#: network); past it, a response keeps its download slot until its record is written,
#: so no new download starts meanwhile.
ARCHIVE_WRITE_BACKLOG_MB = 64
#: Extract articles with trafilatura (off: capture only).
ARCHIVE_EXTRACT_ENABLED = True
#: Extraction worker processes (0: one per CPU the crawl may run on).
ARCHIVE_EXTRACT_WORKERS = 0
#: Seconds one page may take to extract before it is counted as failed.
ARCHIVE_EXTRACT_TIMEOUT = 60
#: Fetch an archived article again once its latest capture is this old: seconds
#: (`3600`), or with a unit, `45m`, `12h`, `7d`, `2w`; empty or `0`: never. An
#: unchanged page is written as a `revisit` record.
ARCHIVE_REFRESH_AFTER = ""
#: Fetch an archived article again when its sitemap `<lastmod>` is later than its
#: latest capture (a correction, an update), whatever `ARCHIVE_REFRESH_AFTER` says.
ARCHIVE_REFRESH_MODIFIED = True
#: Ask an article URL whose latest capture answered 404 or 410 again only once that
#: capture is this old (a duration as for `ARCHIVE_REFRESH_AFTER`; empty or `0`: ask
#: every run).
ARCHIVE_RECHECK_GONE_AFTER = "1d"
#: Stop walking a chain of listing pages after this many in a row brought no new
#: article (at least 1).
ARCHIVE_STOP_AFTER_SEEN = 3
#: An unchanged payload of a URL already archived (a listing page, a stylesheet, an
#: image, robots.txt: everything but the articles, which `ARCHIVE_REFRESH_AFTER`
#: handles) is written as a `revisit` record that refers to the stored payload, not
#: stored again. See [scheduled-crawls.md](scheduled-crawls.md).
ARCHIVE_DEDUPE = True
#: Listing (non-article) pages requested per site in one crawl, pages judged to be
#: listings included (0: no cap).
ARCHIVE_MAX_LISTING_PAGES = 5000
#: Requests to one host in one crawl (0: no cap); listing pages (they have
#: `ARCHIVE_MAX_LISTING_PAGES`), robots.txt and retries are not counted. Past it,
#: requests to that host are dropped, counted (`archive/host_cap_dropped`) and logged
#: once; the crawl finishes with what it has (exit 0), and the next run goes on
#: (`crawler/politeness/hostcap.py`).
ARCHIVE_MAX_PAGES_PER_HOST = 200_000
#: Longest `Retry-After` (seconds) honoured on a 429 or 503 answer (Scrapy ignores the
#: header): the retry waits that long. A longer one gives up on the URL, without
#: retries.
ARCHIVE_RETRY_AFTER_MAX = 120
#: Live progress line: `auto` (when stderr is a terminal), `on` or `off`.
ARCHIVE_PROGRESS = "auto"
#: Serve Prometheus metrics of the crawl on `http://127.0.0.1:PORT/metrics` while it
#: runs (pages, articles and errors per kind and per site, queue and write backlog,
#: extraction latency: [metrics.md](metrics.md)); 0 or empty: off. Also the environment
#: variable `ARCHIVE_METRICS_PORT`, which `news-archive replay` reads too. A port in use
#: costs the crawl its metrics (a warning), not the crawl.
ARCHIVE_METRICS_PORT = os.environ.get("ARCHIVE_METRICS_PORT", "")

# -- ARCHIVE_BROWSER_*: pages rendered in headless Chromium --------------------------------
#: Render article pages in headless Chromium (Debian's `chromium`, driven by Playwright)
#: and archive every request they make: `off`, `auto` (only pages whose static HTML looks
#: like a JavaScript shell: an empty app root, a `noscript` asking for JavaScript, next to
#: no text; or whose URL a site's `browser_pattern` names) or `always` (every article;
#: listings as with `auto`). A sites file's `browser:` sets it per site. Chromium starts
#: when a page first needs it. See [browser.md](browser.md).
ARCHIVE_BROWSER = "off"
#: Pages rendered at once (1 or 2): each tab costs Chromium 100-300 MB.
ARCHIVE_BROWSER_TABS = 1
#: Seconds a page may take in the browser in all (its requests, which wait for the
#: site's delay like any other, its scripts, the screenshot); past it the page fails,
#: is tried once more, then is archived as fetched and extracted from its static HTML.
ARCHIVE_BROWSER_PAGE_TIMEOUT = 30
#: Restart the browser after this many pages (0: never), which bounds what leaks.
ARCHIVE_BROWSER_RESTART_PAGES = 100
#: MiB of memory Chromium's processes use together (their proportional set sizes) past
#: which the browser is restarted after the page (0: no cap).
ARCHIVE_BROWSER_MAX_MEMORY_MB = 1024
#: Archive a full-page screenshot of each rendered page (`urn:screenshot:URL`, PNG).
ARCHIVE_BROWSER_SCREENSHOT = True
#: Screens (900 px each) a rendered page is scrolled down once loaded, so that what it
#: loads only when scrolled into view (lazy images, a feed's next items) is requested and
#: archived too: a screen at a time, its new requests settled after each (at most 2 s),
#: until the bottom, this many screens, or two thirds of `ARCHIVE_BROWSER_PAGE_TIMEOUT`;
#: then back to the top for the screenshot. `9` goes as far as the screenshot (8,000 px);
#: `0` or `off`: no scrolling.
ARCHIVE_BROWSER_SCROLL = 9
#: MiB of the static resources (scripts, stylesheets, images, fonts) rendered pages
#: fetched that are kept in memory for the next pages, instead of fetching them again.
ARCHIVE_BROWSER_CACHE_MB = 32
#: The Chromium executable, a path or a name on PATH; empty: `chromium` on PATH.
ARCHIVE_BROWSER_EXECUTABLE = ""
#: The browser's User-Agent; empty: Chrome's (its major version) followed by
#: `USER_AGENT`. Written into the warcinfo record (`http-header-user-agent-browser`).
ARCHIVE_BROWSER_USER_AGENT = ""

# -- ARCHIVE_REDIS_*: several workers on one frontier (scrapy-redis) ----------------------
#: A `redis://` URL switches the crawl to the shared Redis scheduler and duplicate
#: filter (empty: one process, no Redis). Also the environment variable
#: `ARCHIVE_REDIS_URL`. See "Several machines" in [scheduled-crawls.md](scheduled-crawls.md).
ARCHIVE_REDIS_URL = os.environ.get("ARCHIVE_REDIS_URL", "")
#: The name the workers of one run share (empty: the current UTC hour, `YYYYMMDDHH`).
#: Also the environment variable `ARCHIVE_REDIS_RUN`.
ARCHIVE_REDIS_RUN = os.environ.get("ARCHIVE_REDIS_RUN", "")
#: A Redis worker exits once the shared queue has stayed empty this many seconds.
ARCHIVE_REDIS_IDLE_CLOSE = 10
#: This worker's name: its index is `ARCHIVE_DIR/workers/NAME/` (the WARC files stay in
#: `ARCHIVE_DIR`). Empty: `HOST-PID` with `ARCHIVE_REDIS_URL` set, else the main index.
ARCHIVE_WORKER = ""
