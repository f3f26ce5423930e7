"""See it all work without touching a real site: serve the fixture news site on
127.0.0.1, crawl it into a fresh ``demo-archive/`` and show what came out."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixture_site import FixtureServer, NewsSite, default_articles  # noqa: E402


def main() -> int:
    archive = REPO / "demo-archive"
    shutil.rmtree(archive, ignore_errors=True)
    with FixtureServer(NewsSite(default_articles())) as server:
        print(f"fixture news site at {server.base_url}/english")
        cmd = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "ansarpress",
            "-a",
            f"base_url={server.base_url}",
            "-s",
            f"ARCHIVE_DIR={archive}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "LOG_LEVEL=WARNING",
            "-O",
            str(archive / "articles.jsonl"),
        ]
        print("$ " + " ".join(cmd[2:]))
        status = subprocess.run(cmd, cwd=REPO).returncode
    if status != 0:
        print(f"the crawl failed with exit status {status}", file=sys.stderr)
        return status
    db = sqlite3.connect(archive / "index.sqlite3")
    captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    articles = db.execute("SELECT title, published FROM articles ORDER BY published").fetchall()
    print(f"\n{captures} HTTP exchanges and {len(articles)} articles archived:")
    for title, published in articles:
        print(f"  {published[:10]}  {title}")
    print("\nwhere to look:")
    for path in sorted(archive.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            print(f"  {path.relative_to(REPO)}  ({path.stat().st_size:,} bytes)")
    first = json.loads((archive / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    print(f"\nfirst article, as exported: {first['url']}\n{first['text'][:300]}...")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
