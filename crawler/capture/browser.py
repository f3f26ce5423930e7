"""Headless Chromium for the crawl: launched when a page first needs it, bounded, and
never trusted with the network.

Debian's ``chromium`` (found on PATH, or ``ARCHIVE_BROWSER_EXECUTABLE``) is driven by
Playwright's async API on the crawl's own asyncio loop; Playwright's browser download
is never used. Every request a page makes goes to the *route* handler the caller gives
(:mod:`crawler.capture.rendering` hands it to Scrapy's downloader); Chromium is also
started with a host resolver that resolves nothing and a proxy that does not exist, so a
request that escaped interception (a redirect Chromium follows by itself) fails instead
of reaching a server. Service workers are blocked, WebSockets refused.

Bounds: ``tabs`` pages at once (one browser context each, closed after the page); a
page gets ``page_timeout`` seconds in all (load, settle, scroll, DOM, text, screenshot); the
browser is restarted after ``max_pages`` pages, when its processes' memory (RSS, summed)
passes ``max_memory_mb``, and after a crash or a page it could not close. A failure is a
:class:`RenderFailed` of that page alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--metrics-recording-only",
    # a page's scripts get at most 512 MB of JavaScript heap (the whole browser has
    # ARCHIVE_BROWSER_MAX_MEMORY_MB, checked after each page)
    "--js-flags=--max-old-space-size=512",
    # what interception misses must fail: no name resolves, every connection goes to a
    # proxy that is not there (port 9, discard, on loopback)
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
VIEWPORT = {"width": 1280, "height": 900}
#: the longest a page is waited for once loaded, for its scripts' requests to end
SETTLE_SECONDS = 5.0
#: seconds a browser context gets to close, the browser to launch or close
CLOSE_SECONDS = 10.0
LAUNCH_SECONDS = 60.0
_TEXT_JS = "() => document.body ? document.body.innerText : ''"
_HEIGHT_JS = (
    "() => Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,"
    " document.body ? document.body.scrollHeight : 0)"
)
#: pixels of a page's screenshot, from its top: the rest of a longer page is left out
SCREENSHOT_HEIGHT = 8000
#: screens scrolled by default: as far down as the screenshot goes
SCROLL_SCREENS = -(-SCREENSHOT_HEIGHT // VIEWPORT["height"])
#: after a scroll step, the page's new requests are waited for: at least QUIET seconds
#: without a request starting, none of the step's in flight, at most STEP seconds
SCROLL_QUIET_SECONDS = 0.25
SCROLL_STEP_SECONDS = 2.0
#: the scroll ends by this share of the page's time limit, the rest left to the DOM, the
#: text and the screenshot
SCROLL_DEADLINE_SHARE = 2 / 3
# one screen down at once (not smoothly, whatever the page's CSS): where it was, where it is
_SCROLL_JS = """() => {
  const before = window.scrollY;
  window.scrollBy({top: window.innerHeight, left: 0, behavior: "instant"});
  return [before, window.scrollY];
}"""
_TOP_JS = '() => window.scrollTo({top: 0, left: 0, behavior: "instant"})'

Route = Callable[[Any], Awaitable[None]]


class RenderFailed(Exception):
    """A page the browser could not render (a crash, a hang past the time limit, an
    error of the page or of Chromium); the message is one line."""


class BrowserUnavailable(RenderFailed):
    """No browser to render with (no chromium on PATH, Playwright missing, launch failed)."""


@dataclass(frozen=True)
class Rendered:
    """A page after its scripts ran."""

    url: str  # where the browser ended (a script may change it)
    html: str  # the DOM serialised
    text: str  # what the page shows as text (innerText)
    screenshot: bytes | None  # full page, PNG
    seconds: float
    scrolled: int = 0  # screens scrolled down
    scroll_end: str = ""  # why the scroll stopped: bottom, screens, time, failed: ...


def find_chromium(configured: str = "") -> str | None:
    """The Chromium executable: *configured* (a path or a name on PATH), else Debian's
    ``chromium`` (or ``chromium-browser``) on PATH."""
    for name in (configured,) if configured else ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_version(executable: str) -> str:
    """``156.0.8078.114`` from ``chromium --version``, or ``""``. Blocking (60 ms): call it
    off the event loop."""
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    found = re.search(r"(\d+\.\d+\.\d+\.\d+)", out)
    return found.group(1) if found else ""


def browser_user_agent(version: str, crawler_agent: str) -> str:
    """Chrome's own User-Agent (reduced, as Chrome sends it: the major version only)
    followed by the crawler's, which names the project and its operator's contact."""
    major = version.split(".", 1)[0] if version else "0"
    chrome = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )
    return f"{chrome} {crawler_agent}".strip()


def _process_table() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, resident bytes), from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    table: dict[int, tuple[int, str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            rss = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table[int(entry.name)] = (ppid, comm, rss)
    return table


def _browser_tree(root: int | None = None) -> dict[int, tuple[str, int]]:
    """pid -> (command name, resident bytes) of this process's (*root*'s) descendants
    named chrom* or node."""
    root = os.getpid() if root is None else root
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, tuple[str, int]] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        _, comm, rss = table[pid]
        if comm.startswith(("chrom", "node")):
            found[pid] = (comm, rss)
        todo.extend(children.get(pid, []))
    return found


def browser_processes(root: int | None = None) -> dict[int, int]:
    """pid -> resident bytes of the Chromium processes (and Playwright's driver) started
    by this process (*root*): its descendants named chrom* or node."""
    return {pid: rss for pid, (_, rss) in _browser_tree(root).items()}


def browser_memory() -> int:
    """Bytes of memory this process's Chromium processes use, summed: their proportional
    set sizes (a page shared by n processes counts 1/n in each), else their RSS."""
    return sum(
        _pss(pid, rss)
        for pid, (comm, rss) in _browser_tree().items()
        if not comm.startswith("node")  # Playwright's driver is not the browser
    )


def _pss(pid: int, rss: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss


def kill_browser_processes() -> int:
    """SIGKILL every Chromium process (and Playwright driver) this process started: the
    last resort at exit, when closing them the polite way could not be awaited."""
    killed = 0
    for pid in browser_processes():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


class Chromium:
    """One headless Chromium, launched on first use, at most *tabs* pages at once."""

    def __init__(
        self,
        executable: str,
        *,
        user_agent: str,
        tabs: int = 1,
        page_timeout: float = 30.0,
        max_pages: int = 100,
        max_memory_mb: float = 1024,
        screenshot: bool = True,
        scroll_screens: int = SCROLL_SCREENS,
        count: Callable[[str], None] = lambda key: None,
    ) -> None:
        self.executable = executable
        self.user_agent = user_agent
        self.tabs = max(1, tabs)
        self.page_timeout = page_timeout
        self.max_pages = max_pages
        self.max_memory = int(max_memory_mb * 2**20)
        self.screenshot = screenshot
        self.scroll_screens = max(0, scroll_screens)
        self.count = count
        self.launches = 0
        self._playwright: Any = None
        self._browser: Any = None
        self._active = 0
        self._pages = 0  # pages since the last launch
        self._restart_due: str | None = None
        self._closed = False
        self._cond = asyncio.Condition()

    @property
    def running(self) -> bool:
        return self._browser is not None

    async def render(self, url: str, route: Route) -> Rendered:
        """*url* loaded in a fresh context whose every request goes to *route*; raises
        RenderFailed."""
        await self._acquire()
        context: Any = None
        broken = False
        started = time.monotonic()
        try:
            from playwright.async_api import Error as PlaywrightError

            try:
                context = await asyncio.wait_for(
                    self._browser.new_context(
                        user_agent=self.user_agent,
                        viewport=VIEWPORT,
                        service_workers="block",
                        accept_downloads=False,
                    ),
                    CLOSE_SECONDS,
                )
                await context.route("**/*", route)
                await context.route_web_socket("**/*", _refuse_websocket)
                page = await context.new_page()
                return await asyncio.wait_for(self._load(page, url, started), self.page_timeout)
            except TimeoutError:
                raise RenderFailed(
                    f"not rendered within ARCHIVE_BROWSER_PAGE_TIMEOUT ({self.page_timeout:g} s)"
                ) from None
            except PlaywrightError as exc:
                broken = not self._connected()
                raise RenderFailed(_one_line(exc)) from None
        finally:
            if context is not None:
                try:
                    await asyncio.wait_for(context.close(), CLOSE_SECONDS)
                except Exception:  # a hung renderer, a dead browser: start afresh
                    broken = True
            await self._release(broken)

    async def _load(self, page: Any, url: str, started: float) -> Rendered:
        from playwright.async_api import Error as PlaywrightError

        await page.goto(url, wait_until="load", timeout=0)  # bounded by page_timeout
        settle = min(SETTLE_SECONDS, max(0.5, self.page_timeout / 3))
        with contextlib.suppress(PlaywrightError):  # still busy: take what is there
            await page.wait_for_load_state("networkidle", timeout=settle * 1000)
        scrolled, scroll_end = 0, ""
        if self.scroll_screens:
            deadline = started + self.page_timeout * SCROLL_DEADLINE_SHARE
            try:
                scrolled, scroll_end = await self._scroll(page, deadline)
            except PlaywrightError as exc:  # a script navigated away: take what is there
                scroll_end = f"failed: {_one_line(exc)}"[:200]
        html = await page.content()
        text = await page.evaluate(_TEXT_JS)
        shot = None
        if self.screenshot:
            # the whole page, down to SCREENSHOT_HEIGHT: Chromium paints a page of 30,000
            # pixels into buffers of gigabytes
            height = await page.evaluate(_HEIGHT_JS)
            clip = {"x": 0, "y": 0, "width": VIEWPORT["width"]}
            clip["height"] = max(1, min(int(height or 0), SCREENSHOT_HEIGHT))
            shot = await page.screenshot(full_page=True, clip=clip, type="png", timeout=0)
        return Rendered(
            page.url,
            html,
            str(text or ""),
            shot,
            time.monotonic() - started,
            scrolled,
            scroll_end,
        )

    async def _scroll(self, page: Any, deadline: float) -> tuple[int, str]:
        """Scroll *page* down a screen at a time, its new requests (lazy images, a feed's
        next items) settled after each step, until a step no longer moves it (the bottom,
        and nothing more came), ``scroll_screens`` screens, or *deadline*; then back to
        the top. The screens scrolled, and why it stopped."""
        # watched from here: a step waits only for requests started after it, so those
        # of the load need no callback (nor any page's, when scrolling is off)
        traffic = _Traffic(page)
        steps, end = 0, "screens"
        while steps < self.scroll_screens:
            if time.monotonic() >= deadline:
                end = "time"
                break
            step = time.monotonic()  # before the scroll: what it starts counts
            before, after = await page.evaluate(_SCROLL_JS)
            if after <= before:
                end = "bottom"
                break
            steps += 1
            await traffic.settle(step, min(deadline, step + SCROLL_STEP_SECONDS))
        if steps:
            await page.evaluate(_TOP_JS)
        return steps, end

    def _connected(self) -> bool:
        return self._browser is not None and bool(self._browser.is_connected())

    async def _acquire(self) -> None:
        async with self._cond:
            while self._active >= self.tabs or (self._restart_due and self._active):
                await self._cond.wait()
            if self._closed:
                raise BrowserUnavailable("the browser is closed (the crawl is ending)")
            if self._browser is not None and (self._restart_due or not self._connected()):
                why = self._restart_due or "it disconnected"
                logger.info("restarting the browser (%s)", why)
                self.count("archive/browser/restarts")
                await self._shutdown()
            self._restart_due = None
            if self._browser is None:
                await self._launch()
            self._active += 1

    async def _release(self, broken: bool) -> None:
        self._pages += 1
        due = None
        if broken or not self._connected():
            due = "a page crashed or hung it"
        elif self.max_pages and self._pages >= self.max_pages:
            due = f"{self._pages} pages, ARCHIVE_BROWSER_RESTART_PAGES"
        elif self.max_memory:
            used = await asyncio.to_thread(browser_memory)
            if used > self.max_memory:
                due = f"{used / 2**20:.0f} MB, over ARCHIVE_BROWSER_MAX_MEMORY_MB"
        async with self._cond:
            self._active -= 1
            if due and not self._restart_due:
                self._restart_due = due
            self._cond.notify_all()

    async def _launch(self) -> None:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:
            raise BrowserUnavailable(f"playwright is not installed: {exc}") from None
        started = time.monotonic()
        try:
            if self._playwright is None:
                self._playwright = await asyncio.wait_for(
                    async_playwright().start(), LAUNCH_SECONDS
                )
            self._browser = await asyncio.wait_for(
                self._playwright.chromium.launch(
                    executable_path=self.executable,
                    args=list(CHROMIUM_ARGS),
                    headless=True,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                    timeout=LAUNCH_SECONDS * 1000,
                ),
                LAUNCH_SECONDS,
            )
        except Exception as exc:
            await self._shutdown(driver=True)
            raise BrowserUnavailable(f"cannot start {self.executable}: {_one_line(exc)}") from None
        self._pages = 0
        self.launches += 1
        self.count("archive/browser/launches")
        logger.info(
            "browser started: %s %s (%.1f s)",
            self.executable,
            self._browser.version,
            time.monotonic() - started,
        )

    async def _shutdown(self, driver: bool = False) -> None:
        """Close the browser (and with *driver* Playwright's driver); what does not close
        in time is killed."""
        browser, self._browser = self._browser, None
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), CLOSE_SECONDS)
            except Exception as exc:
                logger.warning("the browser did not close (%s): killed", _one_line(exc))
                driver = True
        if driver and self._playwright is not None:
            playwright, self._playwright = self._playwright, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), CLOSE_SECONDS)
            await asyncio.to_thread(kill_browser_processes)

    async def close(self) -> None:
        """Close the browser and Playwright's driver, waiting for no page."""
        async with self._cond:
            self._closed = True
            await self._shutdown(driver=True)
            self._cond.notify_all()


class _Traffic:
    """The requests of a page in flight (when each started), and when the last started."""

    def __init__(self, page: Any) -> None:
        self.pending: dict[Any, float] = {}
        self.last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Any) -> None:
        self.last = self.pending[request] = time.monotonic()

    def _ended(self, request: Any) -> None:
        self.pending.pop(request, None)

    async def settle(self, start: float, until: float) -> None:
        """Wait until SCROLL_QUIET_SECONDS pass without a request starting and none that
        started since *start* is in flight (a script that reacts to the scroll gets that
        long to ask; a request that never ends, a long poll, holds up one step only), at
        most *until*."""
        while (now := time.monotonic()) < until:
            busy = any(began >= start for began in self.pending.values())
            if not busy and now - max(self.last, start) >= SCROLL_QUIET_SECONDS:
                return
            await asyncio.sleep(min(0.05, until - now))


async def _refuse_websocket(ws: Any) -> None:
    """A page's WebSocket is not connected anywhere: closed at once."""
    with contextlib.suppress(Exception):
        await ws.close(code=1008, reason="not archived")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
