"""Serve the default fixture site: python -m tests.fixture_site [--host H] [--port P]."""

from __future__ import annotations

import argparse
import signal
import threading

from . import FixtureServer, NewsSite, default_articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fixture_site", description="Serve the fixture news site."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    with FixtureServer(NewsSite(default_articles()), host=args.host, port=args.port) as server:
        print(f"Fixture site at {server.base_url}/english", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
