"""Which sitemap <lastmod> values say an archived article changed (crawler/spiders/lastmod.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.spiders.lastmod import parse_lastmod, stamped

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEEN = "2026-11-30T10:00:00Z"  # the article's latest capture


def changed(value: str) -> bool | None:
    lastmod = parse_lastmod(value, NOW)
    return None if lastmod is None else lastmod.after(SEEN)


def test_dates_and_times_in_their_w3c_forms() -> None:
    assert changed("2026-11-30T10:00:01Z") is True
    assert changed("2026-11-30T09:59:59Z") is False
    assert changed("2026-11-30T12:00:00+02:00") is False  # 10:00 UTC: not after
    assert changed("2026-11-30T12:00:01+02:00") is True
    assert changed("2026-11-30T10:00:00.5+00:00") is True
    assert changed("2026-11-30T10:30:00") is True  # no offset: UTC
    assert changed("2026-11-30T10:30") is True


def test_a_date_alone_counts_only_after_the_day_of_the_capture() -> None:
    assert changed("2026-11-30") is False  # that day, before or after 10:00: unknown
    assert changed("2026-12-01") is True
    assert changed("2026-11-29") is False


def test_nonsense_and_the_future_do_not_count() -> None:
    for value in ("", "  ", "yesterday", "2026-13-01", "2026-11", "1700000000"):
        assert changed(value) is None, value
    assert changed("2026-12-01T12:04:00Z") is True  # within the clock skew
    assert changed("2026-12-01T12:06:00Z") is None
    assert changed("2027-01-01") is None


def test_a_sitemap_stamped_with_one_value() -> None:
    build = "2026-12-01T11:00:00Z"
    assert stamped([build] * 20)
    assert stamped([build] * 19 + ["2026-11-02"])  # 95 %
    assert not stamped([build] * 17 + ["2026-11-02", "2026-11-03", "2026-11-04"])  # 85 %
    assert not stamped([build] * 19)  # too few to tell
    assert not stamped([f"2026-11-{day:02d}" for day in range(1, 29)])
    assert not stamped([None] * 30)
