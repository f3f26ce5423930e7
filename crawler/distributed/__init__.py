"""Several workers on one frontier (scrapy-redis): the add-on that switches a crawl to Redis,
the worker extension, the shared duplicate filter."""
