"""A stand-in for the crawl process's CPU use, to run next to another benchmark.

Burns CPU in bursts of SPIN milliseconds with NAP milliseconds of sleep between them,
walking an 8 MiB buffer (a working set of its own), until killed. ``crawl_speed.py
--load SPIN,NAP`` runs it next to every configuration: extraction alone (c) next to a
load the size of the crawl process's (about 11 ms of CPU per 37 ms page, i.e.
``--load 0.3,0.8``) shows what sharing two cores with any busy process costs the
workers, whatever that process does.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    spin, nap = (float(v) / 1000 for v in argv[1].split(","))
    buffer = bytearray(8 << 20)
    position = 0
    while True:
        started = time.perf_counter()
        while time.perf_counter() - started < spin:
            buffer[position] = (buffer[position] + 1) & 255
            position = (position + 4099) % len(buffer)
        time.sleep(nap)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
