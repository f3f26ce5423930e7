"""The archive behind a crawl: the extension that opens, locks, recovers and summarises it,
the article item and its pipeline into the index, the extraction pool fitted to Scrapy."""
