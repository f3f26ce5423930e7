"""The extraction pool (the crawl's front): it recycles its workers without losing or
failing a page; a page that hangs or kills its worker fails alone; its workers never
outlive the crawl."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import crawler.archiving.extraction as extraction
from archive.extract import worker as extractworker
from crawler.archiving.extraction import ExtractionPool
from tests.crawling import REPO, alive, wait_until

PAGE = (
    b"<html><head><title>Canal Repairs</title></head><body><article><h1>Canal Repairs</h1>"
    b"<p>Engineers began repairing the main irrigation canal on Tuesday, officials said, and "
    b"expect the work on the eastern section to take about three weeks.</p>"
    b"<p>Farmers downstream asked for a temporary pump so that their fields can be watered "
    b"while the repairs go on.</p><a href='/english/2'>next</a></article></body></html>"
)


def test_recycling_keeps_every_page() -> None:
    """Workers replaced every 3 pages each: every page extracted, none failed, and the
    pages really ran in more than one generation of workers."""
    pool = ExtractionPool(workers=1, timeout=60, recycle_after=3)

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
    assert pool.recycles == 3  # after pages 3, 6 and 9


def run_script(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """*code* in a fresh interpreter (its own forkserver) with the extraction faults of
    archive.faults switched on: a URL ending in /hang-page hangs, /crash-page kills."""
    script = tmp_path / "pool.py"
    body = "".join(f"    {line}\n" for line in code.splitlines())
    script.write_text(
        "import asyncio, json, os, signal, sys, time\n"
        "from crawler.archiving.extraction import ExtractionPool\n"
        f"PAGE = {PAGE!r}\n"
        "def main():\n"
        f"{body}"
        "if __name__ == '__main__':  # the workers import this module too\n"
        "    main()\n"
    )
    env = {**os.environ, "ARCHIVE_EXTRACT_FAULTS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.slow
def test_workers_start_at_once_and_exit_with_a_killed_crawler(tmp_path: Path) -> None:
    """start() brings the workers up before any page; a crawl killed with SIGKILL (no
    cleanup runs) leaves neither its workers nor their forkserver behind."""
    proc = run_script(
        tmp_path,
        "pool = ExtractionPool(workers=2)\n"
        "pool.start()\n"
        "deadline = time.monotonic() + 60\n"
        "while len(pool._executor._processes) < 2 and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "time.sleep(0.5)\n"
        "print(json.dumps(list(pool._executor._processes)), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    workers = json.loads(proc.stdout)
    assert len(workers) == 2
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 10), "workers orphaned"


@pytest.mark.slow
def test_a_page_past_its_time_or_killing_its_worker_fails_alone(tmp_path: Path) -> None:
    """A page that hangs is cut at ARCHIVE_EXTRACT_TIMEOUT, one that kills its worker
    (twice: it is tried once more) fails; both are reported as failures, the workers are
    replaced, and the pages in flight with them and after them are extracted."""
    proc = run_script(
        tmp_path,
        "pool = ExtractionPool(workers=2, timeout=3)\n"
        "urls = ['1', 'hang-page', '2', 'crash-page', '3', '4']\n"
        "async def crawl():\n"
        "    results = await asyncio.gather(*(\n"
        "        pool.extract(PAGE, 'http://news.test/english/' + u, 'text/html') for u in urls))\n"
        "    results.append(await pool.extract(PAGE, 'http://news.test/english/5', 'text/html'))\n"
        "    return results\n"
        "results = asyncio.run(crawl())\n"
        "pool.close()\n"
        "print(json.dumps({'restarts': pool.restarts, 'results': [\n"
        "    [r.article['title'] if r.article else None, r.error] for r in results]}))\n",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    results = dict(zip(["1", "hang", "2", "crash", "3", "4", "5"], out["results"], strict=True))
    assert results.pop("hang") == [None, "timeout after 3 s"]
    assert results.pop("crash") == [None, "extraction worker crashed"]
    assert all(title == "Canal Repairs" for title, _ in results.values()), results
    assert out["restarts"] >= 2


def test_fallback_crawler_watch_counts_a_zombie_as_gone() -> None:
    """Without pidfd, a worker asks whether the crawl process is alive; a crawl that
    exited but was not reaped (a zombie) must count as gone, or the workers stay."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        assert wait_until(lambda: not alive(child.pid), 30)  # exited, not reaped: a zombie
        assert Path(f"/proc/{child.pid}").exists()
        assert extractworker.alive(child.pid) is False
    finally:
        child.wait()
    assert extractworker.alive(child.pid) is False
    assert extractworker.alive(os.getpid()) is True
