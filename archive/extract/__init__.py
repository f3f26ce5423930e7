"""Article text from archived pages: decoding, extraction, cleaning, links, the worker
pool, re-extraction."""
