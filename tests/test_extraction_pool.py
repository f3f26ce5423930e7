"""The extraction pool recycles its workers without losing or failing a page, and
never runs two pools at once."""

from __future__ import annotations

import asyncio

import pytest

import crawler.extraction as extraction
from crawler.extraction import ExtractionPool

PAGE = (
    b"<html><head><title>Canal Repairs</title></head><body><article><h1>Canal Repairs</h1>"
    b"<p>Engineers began repairing the main irrigation canal on Tuesday, officials said, and "
    b"expect the work on the eastern section to take about three weeks.</p>"
    b"<p>Farmers downstream asked for a temporary pump so that their fields can be watered "
    b"while the repairs go on.</p><a href='/english/2'>next</a></article></body></html>"
)


def test_recycling_keeps_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "TASKS_PER_WORKER", 3)
    pool = ExtractionPool(workers=1, timeout=60)
    executors: list[object] = []  # kept alive, so that no two share an id()
    original = pool._pool

    async def tracking() -> object:
        executor = await original()
        if all(executor is not seen for seen in executors):
            executors.append(executor)
        return executor

    monkeypatch.setattr(pool, "_pool", tracking)

    async def crawl() -> list[extraction.ExtractionResult]:
        return await asyncio.gather(
            *(
                pool.extract(PAGE, f"http://news.test/english/{i}", "text/html", links=True)
                for i in range(10)
            )
        )

    try:
        results = asyncio.run(crawl())
    finally:
        pool.close()
    assert all(r.article is not None for r in results), [r.error for r in results]
    assert all(r.links is not None and "/english/2" in r.links.links for r in results)
    assert pool.restarts == 0
    assert len(executors) >= 2  # recycled (waiters of a drain all go to the next pool)
