"""A sitemap's ``<lastmod>``: when the site says an article last changed.

An incremental crawl fetches an archived article again when its sitemap entry says it
changed after the archive last looked at it (ARCHIVE_REFRESH_MODIFIED): a correction,
an update, a new headline. Some sites write nonsense there, so a value counts only if

- it parses as a W3C date (``2021-08-14``) or date and time (``2021-08-14T09:30:00Z``,
  an offset, fractions; none means UTC);
- it is not in the future (beyond a few minutes of clock skew);
- its sitemap does not give (nearly) all its URLs the same value: a sitemap stamped
  with its own build time would otherwise send the whole site back to be fetched.

A date without a time says only the day: it counts as a change after a capture made
on an earlier day, never after one made on the same day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CLOCK_SKEW = timedelta(minutes=5)
# a sitemap of at least this many entries that share one value this often is stamped
SAME_VALUE_ENTRIES = 20
SAME_VALUE_SHARE = 0.9


@dataclass(frozen=True)
class LastMod:
    at: datetime  # aware, UTC
    date_only: bool

    def after(self, warc_date: str) -> bool:
        """Did the page change after the capture of this WARC-Date?"""
        try:
            seen = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
        except ValueError:
            return False
        if self.date_only:
            return self.at.date() > seen.astimezone(UTC).date()
        return self.at > seen


def parse_lastmod(value: str | None, now: datetime | None = None) -> LastMod | None:
    """The ``<lastmod>`` *value*, or None if it does not count (see above)."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    date_only = "T" not in text and " " not in text
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    at = at.astimezone(UTC)
    if at > (now or datetime.now(UTC)) + CLOCK_SKEW:
        return None
    return LastMod(at, date_only)


def stamped(values: Iterable[str | None]) -> bool:
    """True for a sitemap whose entries (nearly) all share one ``<lastmod>``: its
    values say when the file was built, not when each page changed."""
    counts = Counter(v.strip() for v in values if v and v.strip())
    total = sum(counts.values())
    if total < SAME_VALUE_ENTRIES:
        return False
    return counts.most_common(1)[0][1] >= SAME_VALUE_SHARE * total
