"""The crawl process around Scrapy: a quiet start, stop signals, the progress line, the
summary and exit status, and the per-request costs trimmed from Scrapy's stats and logs."""
