"""The home page's chart of articles per day, as the geometry of an SVG bar chart
(the template draws it: no script, nothing loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 366  # an archive spanning years shows its last year
WIDTH = 720
HEIGHT = 160
LABEL_SPACE = 18  # below the bars, for the first and last date


@dataclass(frozen=True)
class Bar:
    day: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayChart:
    bars: list[Bar]
    first: str
    last: str
    peak: int
    total: int
    cut: bool  # True when older days were left out
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - LABEL_SPACE


def day_chart(per_day: list[tuple[str, int]]) -> DayChart | None:
    """Bars for every day from the first to the last dated article (days without an
    article included, at zero); ``None`` when no article has a usable date."""
    counts: dict[date, int] = {}
    for day, n in per_day:
        try:
            when = date.fromisoformat(day)
        except ValueError:  # "unknown", or a date the article got wrong
            continue
        counts[when] = counts.get(when, 0) + n
    if not counts:
        return None
    last = max(counts)
    first = max(min(counts), last - timedelta(days=MAX_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    peak = max(counts.get(d, 0) for d in days)
    plot = HEIGHT - LABEL_SPACE - 4
    step = WIDTH / len(days)
    gap = min(2.0, step / 4)
    bars = []
    for i, d in enumerate(days):
        n = counts.get(d, 0)
        h = plot * n / peak if peak else 0
        bars.append(
            Bar(
                d.isoformat(),
                n,
                round(i * step + gap / 2, 2),
                round(plot + 4 - h, 2),
                round(step - gap, 2),
                round(h, 2),
            )
        )
    return DayChart(
        bars,
        first.isoformat(),
        last.isoformat(),
        peak,
        sum(b.count for b in bars),
        cut=min(counts) < first,
    )
