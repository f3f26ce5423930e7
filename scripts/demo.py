"""See it all work without touching a real site: serve the fixture news site on
127.0.0.1, crawl it into a fresh ``demo-archive/`` (or the directory given as the only
argument) and show what came out, ending with the command that opens it in a browser."""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixture_site import FixtureServer, NewsSite, default_articles  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    archive = Path(args[0]).resolve() if args else REPO / "demo-archive"
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
            print(f"  {_shown(path)}  ({path.stat().st_size:,} bytes)")
    first = json.loads((archive / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    print(f"\nfirst article, as exported: {first['url']}\n{first['text'][:300]}...")
    print(
        f"\nread it in a browser (search, articles, archived pages):\n  {replay_command(archive)}"
    )
    return 0


def replay_command(archive: Path) -> str:
    """The command that opens the replay app on *archive*, as typed from the project root."""
    script = Path(sys.executable).with_name("news-archive")
    program = (
        [_shown(script)] if script.exists() else [_shown(Path(sys.executable)), "-m", "archive"]
    )
    return shlex.join([*program, "--archive-dir", _shown(archive), "replay"])


def _shown(path: Path) -> str:
    """*path* relative to the project root when it lies inside it."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
