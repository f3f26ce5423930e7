"""The archive checked against its WARC files, and put right: verify, crash repair, reindex."""
