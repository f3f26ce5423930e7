"""The ``replay`` web application: search, read and browse the archive in a browser,
with pywb replaying the archived pages on another origin (see ``docs/replay.md``).

Flask is imported only here, never by the other commands."""
