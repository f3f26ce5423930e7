"""What the crawler reads to find pages, without Scrapy: sites files, sitemaps, feeds,
pagination, URL shapes, what an archive already holds of a site."""
