"""SIGINT and SIGTERM from the moment the ``crawl`` command starts.

Scrapy installs its handlers (the first signal stops the crawl gracefully, a second one
at once) when the reactor starts, and a graceful stop only closes the spider once the
engine runs: a stop that comes while the spider opens sets the crawl "not crawling", the
engine starts all the same, the reactor stops under it and nothing is closed. Before
the reactor, Python's default raises KeyboardInterrupt somewhere in the start-up (a
traceback) and SIGTERM kills the process outright.

:class:`StopSignals` holds the stop signals from the command's start until the engine
runs, then hands them to Scrapy's handlers: a Ctrl-C at any moment stops the crawl the
same way, the spider closed and the archive with it. A second signal while they are
held is handed over at once (as soon as Scrapy's handlers exist), which stops the crawl
without waiting, as a second Ctrl-C always does; the archive writer then finishes the
record it is writing, drops what waits for it and closes the WARC file and the index
(:func:`archive.recorder.abort_writers`).
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import TYPE_CHECKING, Any

from archive.recorder import abort_writers

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    def __init__(self) -> None:
        self.received: list[int] = []  # every stop signal the crawl was sent
        self._held: list[int] = []  # not handed to Scrapy yet
        self._scrapy: dict[int, Any] = {}  # Scrapy's handlers, once installed
        self._handed_over = False

    @classmethod
    def hold(cls) -> StopSignals:
        """Hold SIGINT and SIGTERM from now on (call from the main thread)."""
        stops = cls()
        for signum in STOP_SIGNALS:
            signal.signal(signum, stops._hold)
        return stops

    def replay(self, crawler: Crawler) -> None:
        """Call before the reactor starts: keep holding once Scrapy has installed its
        handlers, until *crawler*'s engine runs; then hand over what was held."""
        from scrapy import signals
        from twisted.internet import reactor

        def after_scrapy() -> None:
            # added while the startup's first phase runs, this trigger comes right after
            # Scrapy's own "after startup" one, which installs its handlers: no signal
            # reaches those before the engine runs
            reactor.addSystemEventTrigger("after", "startup", self._keep_holding)  # type: ignore[arg-type]

        reactor.addSystemEventTrigger("before", "startup", after_scrapy)  # type: ignore[arg-type]
        crawler.signals.connect(self._engine_started, signal=signals.engine_started)

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        self._held.append(signum)
        if len(self._held) >= 2 and self._scrapy:
            self._handover()

    def _keep_holding(self) -> None:
        if self._handed_over:
            return
        for signum in STOP_SIGNALS:
            handler = signal.getsignal(signum)
            if callable(handler) and handler != self._hold:
                self._scrapy[signum] = handler
                signal.signal(signum, self._hold)
        if len(self._held) >= 2:
            self._handover()

    def _engine_started(self) -> None:
        from twisted.internet import reactor

        reactor.callLater(0, self._handover)  # type: ignore[arg-type]

    def _handover(self) -> None:
        if self._handed_over:
            return
        self._handed_over = True
        for signum in STOP_SIGNALS:
            handler = self._scrapy.get(signum) or signal.getsignal(signum)
            if callable(handler) and handler != self._hold:
                signal.signal(signum, self._recording(handler))
        held, self._held = self._held[:2], []
        for held_signum in held:
            signal.raise_signal(held_signum)

    def after_reactor(self) -> None:
        """Call once the reactor has stopped. What is left is closing (the archive
        writer emptying its queue, at most): after two signals it stops at once, and
        a signal from now on does the same, where Scrapy's handlers would no longer act
        (its last one ignores any further signal)."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._stop_now)
        if len(self.received) >= 2:
            abort_writers()

    def _stop_now(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        abort_writers()

    def _recording(self, handler: Any) -> Any:
        def record(signum: int, frame: FrameType | None) -> Any:
            self.received.append(signum)
            return handler(signum, frame)

        return record


__all__ = ["STOP_SIGNALS", "StopSignals"]
