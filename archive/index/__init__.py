"""The index of an archive: SQLite rows derived from the WARC records, the CDXJ, search, merging."""
