"""Serve one anysite fixture site for manual runs: python -m tests.anysite KIND [--port P]."""

from __future__ import annotations

import argparse
import time

from tests.fixture_site.server import FixtureServer

from . import KINDS, build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    site = build_site(args.kind, args.articles, args.seed)
    with FixtureServer(site, port=args.port) as server:  # type: ignore[arg-type]
        base = server.base_url
        print(f"{args.kind} site {site.site_name!r} at {base}/", flush=True)
        print(
            f"{len(site.articles(base))} articles, {len(site.non_articles(base))} non-articles, "
            f"disallowed {', '.join(site.disallowed)}",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
