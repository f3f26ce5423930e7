"""Object storage: the closed WARC files of an archive copied to an S3-compatible store
(``s3.py``; docs/storage.md). Imports only ``layout`` of the archive."""
