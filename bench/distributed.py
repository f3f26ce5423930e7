"""Speed-up of 2 Redis workers over 1 (GitHub issue 8). A benchmark, not a test.

    python bench/distributed.py [--pages 1000] [--capture-only]

Serves the benchmark site (bench_site.py), starts a private redis-server on 127.0.0.1,
then crawls the site with one worker, and again (fresh archive, fresh run key) with
two workers started together; prints pages/s of each and the speed-up. On one 2-core
machine a full archive crawl is CPU-bound (extraction fills both cores), so the
speed-up shows what sharing one frontier costs rather than what a second machine
gains; --capture-only measures the I/O-bound capture path.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from crawl_speed import EVAL_DIR, REPO, Site, scrapy_cmd, scrapy_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def crawl(site: Site, workdir: Path, redis: str, workers: int, extra: list[str]) -> float:
    """Pages per second of *workers* processes crawling the site together."""
    archive = workdir / f"archive-{workers}"
    env = scrapy_env()
    env["ARCHIVE_REDIS_URL"] = redis
    env["ARCHIVE_REDIS_RUN"] = f"bench-{uuid.uuid4().hex[:8]}"
    cmd = scrapy_cmd(site, archive, "ARCHIVE_REDIS_IDLE_CLOSE=3", *extra)
    site.stats(reset=True)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    codes = [p.wait() for p in procs]
    # the workers wait ARCHIVE_REDIS_IDLE_CLOSE seconds on an empty queue before they exit
    wall = time.perf_counter() - started - 3
    pages = site.stats()["articles"]
    rate = pages / wall
    print(f"  {workers} worker(s): {pages} pages in {wall:.1f} s = {rate:.1f} pages/s {codes}")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--capture-only", action="store_true")
    args = parser.parse_args(argv)
    extra = ["ARCHIVE_EXTRACT_ENABLED=False"] if args.capture_only else []
    with tempfile.TemporaryDirectory(prefix="distributed-") as tmp:
        workdir = Path(tmp)
        redis, url = start_redis(workdir)
        site = Site(args.pages, EVAL_DIR if EVAL_DIR.is_dir() else None)
        try:
            one = crawl(site, workdir, url, 1, extra)
            two = crawl(site, workdir, url, 2, extra)
        finally:
            site.close()
            redis.terminate()
    print(f"speed-up of 2 workers over 1: {two / one:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
