"""Every private name of Scrapy (and Twisted) that crawler/compat.py reaches, still there with
the shape relied on. Each test fails naming the Scrapy version and what changed: read
the accessor's docstring in crawler/compat.py, then Scrapy's changelog, before raising
Scrapy's pin. Plus the one private name of the standard library archive/ relies on."""

from __future__ import annotations

import inspect
import io
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
import scrapy
import twisted
from scrapy import Request
from scrapy.commands import BaseRunSpiderCommand
from scrapy.core.downloader.handlers import http11
from scrapy.core.engine import ExecutionEngine
from scrapy.exceptions import DownloadTimeoutError

from crawler import compat

VERSIONS = f"Scrapy {scrapy.__version__} (Twisted {twisted.__version__})"


def changed(what: str) -> str:
    return f"{VERSIONS} changed {what}: see crawler/compat.py"


def parameters(function: Any) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


def test_scrapy_agent() -> None:
    assert issubclass(compat.ScrapyAgent, http11._ScrapyAgent)
    agent = http11._ScrapyAgent
    assert parameters(agent._cb_latency) == ["result", "request", "start_time"], changed(
        "_ScrapyAgent._cb_latency(result, request, start_time)"
    )
    assert parameters(agent._cb_timeout) == ["result", "request", "url", "timeout"], changed(
        "_ScrapyAgent._cb_timeout(result, request, url, timeout)"
    )
    wanted = {
        "contextFactory",
        "bindAddress",
        "pool",
        "maxsize",
        "warnsize",
        "fail_on_dataloss",
        "crawler",
        "tls_verbose_logging",
    }
    assert wanted <= set(parameters(agent.__init__)), changed("_ScrapyAgent's arguments")
    assert "self._txresponse" in inspect.getsource(agent.__init__), changed(
        "_ScrapyAgent._txresponse (the Twisted response, once the headers came)"
    )
    assert isinstance(
        inspect.getattr_static(agent, "_headers_from_twisted_response"), staticmethod
    ), changed("_ScrapyAgent._headers_from_twisted_response (a static method)")


def test_agent_hooks() -> None:
    """The hooks run where Scrapy's private steps run: the status line, the timeout."""
    seen: list[tuple[str, object]] = []

    class Agent(compat.ScrapyAgent):
        def headers_came(self, txresponse: Any, request: Request) -> None:
            seen.append(("headers", txresponse.phrase))

        def timed_out(self, error: DownloadTimeoutError, url: str) -> None:
            seen.append(("timeout", url))

    class TxResponse:
        phrase = b"Not Here"

    class Expired:
        def active(self) -> bool:
            return False

    agent = Agent.__new__(Agent)  # the steps need none of what __init__ sets but these
    agent._txresponse = None
    agent._timeout_cl = Expired()  # type: ignore[assignment]
    request = Request("http://example.com/")
    txresponse = TxResponse()
    assert agent._cb_latency(txresponse, request, 0.0) is txresponse
    assert "download_latency" in request.meta, changed("_ScrapyAgent._cb_latency")
    with pytest.raises(DownloadTimeoutError):
        agent._cb_timeout(None, request, request.url, 1.0)
    assert seen == [("headers", b"Not Here"), ("timeout", request.url)], changed(
        "the steps _cb_latency and _cb_timeout of _ScrapyAgent"
    )
    assert agent.txresponse() is None


def test_handler_connections() -> None:
    # built in __init__, which needs a running Twisted reactor: read from its source
    source = inspect.getsource(http11.HTTP11DownloadHandler.__init__)
    assert "self._pool: HTTPConnectionPool = HTTPConnectionPool(" in source, changed(
        "HTTP11DownloadHandler._pool (a Twisted HTTPConnectionPool)"
    )
    assert "self._contextFactory: IPolicyForHTTPS" in source, changed(
        "HTTP11DownloadHandler._contextFactory (a Twisted IPolicyForHTTPS)"
    )
    assert "self._pool" in inspect.getsource(http11.HTTP11DownloadHandler.close), changed(
        "HTTP11DownloadHandler.close no longer closes _pool"
    )

    class Handler:
        _pool = "pool"
        _contextFactory = "context factory"

    assert compat.handler_connections(Handler()) == ("pool", "context factory")  # type: ignore[arg-type]


def test_body_so_far() -> None:
    source = inspect.getsource(http11._ResponseReader)
    for name in ("self._bodybuf: BytesIO", "self._ip_address", "self._bodybuf.write(data)"):
        assert name in source, changed(f"_ResponseReader ({name})")
    # Twisted's response keeps the protocol it delivers the body to in _bodyProtocol
    from twisted.web import _newclient

    assert "self._bodyProtocol = protocol" in inspect.getsource(_newclient.Response), changed(
        "twisted.web._newclient.Response._bodyProtocol"
    )

    class Reader:
        _bodybuf = io.BytesIO(b"so far")
        _ip_address = "127.0.0.1"

    class TxResponse:
        _bodyProtocol = Reader()

    assert compat.body_so_far(TxResponse()) == (b"so far", "127.0.0.1")
    assert compat.body_so_far(object()) is None


def test_poll_soon() -> None:
    assert "self._slot: _Slot | None" in inspect.getsource(ExecutionEngine.__init__), changed(
        "ExecutionEngine._slot"
    )
    from scrapy.core.engine import _Slot

    assert "nextcall" in parameters(_Slot.__init__), changed("ExecutionEngine._slot.nextcall")

    class NextCall:
        delays: list[float] = []

        def schedule(self, delay: float) -> None:
            self.delays.append(delay)

    class Slot:
        nextcall = NextCall()

    class Engine:
        _slot = Slot()

    compat.poll_soon(Engine(), 0.5)  # type: ignore[arg-type]
    assert NextCall.delays == [0.5]
    compat.poll_soon(None, 0.5)  # no engine yet: nothing


def test_new_crawler() -> None:
    assert parameters(BaseRunSpiderCommand._create_crawler) == ["spidercls"], changed(
        "BaseRunSpiderCommand._create_crawler(spidercls)"
    )


def test_leave_out_extensions() -> None:
    """Scrapy's EXTENSIONS_BASE still names the classes crawler/run/overhead.py leaves
    out, and one set to None there is left out unimported (a class of EXTENSIONS set to
    None is imported all the same: the reason for the change)."""
    from scrapy.settings import Settings, default_settings

    from crawler.run.overhead import IDLE_EXTENSIONS

    for path in IDLE_EXTENSIONS.values():
        assert default_settings.EXTENSIONS_BASE.get(path) == 0, changed(
            f"EXTENSIONS_BASE: no {path}"
        )
    absent = "tests.no_such_module.Extension"
    settings = Settings({"EXTENSIONS_BASE": {**default_settings.EXTENSIONS_BASE, absent: 0}})
    with pytest.raises(ModuleNotFoundError):  # named in EXTENSIONS: imported, even if None
        Settings({"EXTENSIONS": {absent: None}}).get_component_priority_dict_with_base("EXTENSIONS")
    compat.leave_out_extensions(settings, [absent, "tests.not_in_the_base.Extension"])
    assert settings.getdict("EXTENSIONS_BASE")[absent] is None
    assert "tests.not_in_the_base.Extension" not in settings.getdict("EXTENSIONS_BASE")
    enabled = settings.get_component_priority_dict_with_base("EXTENSIONS")
    assert absent not in enabled, changed("EXTENSIONS_BASE: a class set to None")
    assert dict(enabled) == default_settings.EXTENSIONS_BASE


def test_process_pool_processes() -> None:
    """archive/extract/pool.py kills the workers of a pool it gives up on through the
    executor's ``_processes`` (a dict of pid to process, kept after shutdown): a private
    name of the standard library, not Scrapy's, so it stays in archive/."""
    executor = ProcessPoolExecutor(max_workers=1)
    try:
        executor.submit(int, "1").result(timeout=60)
        processes = executor._processes
        assert isinstance(processes, dict) and processes, (
            "concurrent.futures.ProcessPoolExecutor._processes changed: see _terminate in "
            "archive/extract/pool.py"
        )
        assert all(hasattr(p, "kill") and hasattr(p, "is_alive") for p in processes.values())
    finally:
        executor.shutdown()
