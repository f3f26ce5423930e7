"""What the crawl may ask of a host, and when: robots.txt, Retry-After, the per-host cap,
the duplicate filter that knows what is archived already."""
