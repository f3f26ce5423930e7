"""WARC files: records built as bytes, written, read back, scanned member by member."""
