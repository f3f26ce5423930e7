"""A signed WACZ opened in ReplayWeb.page (issue 23): its embed (``ui.js``) and service
worker (``sw.js``, which bundles wabac.js) from the npm package ``replaywebpage``
(``make replaywebpage``, run by ``make test``, fetches it into ``.node/``), served from
127.0.0.1 with the package beside them, in headless Chromium. Every request that is not
for that server is refused.

What ReplayWeb.page 2.5.3 does with a signature (read in its ``sw.js``, then seen here):
``loadDigestData`` imports an anonymous ``signedData.publicKey`` as SPKI with
``{name: "ECDSA", namedCurve: "P-384"}`` and checks ``signature`` (r||s) with ``{name:
"ECDSA", hash: "SHA-256"}`` over the UTF-8 of ``hash`` in WebCrypto; the verdict goes to
the collection's IndexedDB (store ``verification``, row ``signature``: ``matched``). The
embed's receipt (``embed="replay-with-info"``) shows the signer ("Observer Public Key")
and "Validation: N hashes verified, M invalid", but that count is no verdict: it counts the
``signature`` row as verified whether it matched or not (a tampered signature shows the
same receipt), and the files' hashes are not recomputed unless the service worker was
registered with ``useHashCheck=1`` (their rows stay unmatched: "1 invalid" for this
package as for one py-wacz writes). So the tests read the stored verdict. A P-256 key
fails the import: no signer is shown at all (why keygen makes P-384 keys). A package
signed by a domain is checked with its ``domainCert``'s first certificate's key, and shown
as "Observed By" that certificate's common name (its chain and the timestamp are not
checked there).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from archive.integrity import wacz_sign
from archive.layout import ArchiveLayout
from archive.recorder import ArchiveRecorder
from tests.cli_support import cli_process, exchange, utc
from tests.crawling import REPO
from tests.replay_support import CHROMIUM_ARGS as BROWSER_ARGS
from tests.replay_support import needs_chromium
from tests.test_wacz_sign import DOMAIN, DomainCa, FakeTsa, flip, resign_data, resigned

RWP = REPO / ".node" / "replaywebpage"
RWP_VERSION = "2.5.3"

needs_replaywebpage = pytest.mark.skipif(
    not (RWP / "sw.js").is_file() and not os.environ.get("CI"),
    reason="ReplayWeb.page is not installed (make replaywebpage fetches it; CI requires it)",
)

pytestmark = [pytest.mark.slow, needs_chromium, needs_replaywebpage]

CHROMIUM_ARGS = [
    *BROWSER_ARGS,
    # a second wall behind the refusing proxy (Refuser): no name resolves but 127.0.0.1
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# what Chromium itself asks for (refused all the same), not the pages
# Chromium's own requests (sign-in, its component updater), not the page's
CHROMIUM_OWN = {"CONNECT accounts.google.com:443", "CONNECT update.googleapis.com:443"}
REPLAY_INDEX = (
    b'<!doctype html><html><head><script src="./ui.js"></script></head>'
    b"<body><replay-app-main></replay-app-main></body></html>"
)
ARTICLE_URL = "http://news.test/2024/05/01/helmand-canal"
ARTICLE_TEXT = "The Helmand canal carried water to four districts for the first time in a decade."
PAGE = (
    "<!doctype html><html><head><title>Helmand canal</title>"
    '<link rel="stylesheet" href="/site.css"></head>'
    "<body><h1>Helmand canal reopens</h1><p>{text}</p></body></html>"
)
EMBED = """<!doctype html>
<html><head><meta charset="utf-8"><script src="/ui.js"></script></head>
<body style="margin:0">
<replay-web-page source="/{name}.wacz" url="{url}" replaybase="/replay/"
  embed="replay-with-info" style="display:block;height:700px"></replay-web-page>
</body></html>
"""


# -- the packages --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``signed`` (keygen, wacz --sign), ``tampered`` (its signature with one bit flipped),
    ``p256`` (signed as keygen did before it made P-384 keys), ``domain`` (signed by a
    self-made CA's certificate for archive.test, timestamped by the fake TSA), with the
    signed one's digest and public key."""
    base = tmp_path_factory.mktemp("rwp")
    root = base / "archive"
    recorder = ArchiveRecorder(ArchiveLayout(root), prefix="rwp", fsync=False)
    recorder.start()
    try:
        body = PAGE.format(text=ARTICLE_TEXT).encode()
        recorder.record_exchange(exchange(ARTICLE_URL, body, date=utc(2024, 5, 1, 6))).result()
        recorder.record_exchange(
            exchange(
                "http://news.test/site.css",
                b"h1 { color: #205020 }",
                date=utc(2024, 5, 1, 6, 0, 1),
                content_type="text/css",
            )
        ).result()
    finally:
        recorder.close()
    keys = base / "keys"
    keys.mkdir()
    made = cli_process("--archive-dir", root, "keygen", keys / "signing.pem")
    assert made.code == 0, made.err
    signed = base / "signed.wacz"
    result = cli_process("--archive-dir", root, "wacz", signed, "--sign", keys / "signing.pem")
    assert result.code == 0, result.err
    assert cli_process("verify", "--wacz", signed).code == 0

    def tamper(data: dict[str, Any]) -> None:
        raw = base64.b64decode(data["signature"])
        data["signature"] = base64.b64encode(flip(raw, 10)).decode()

    tampered = resign_data(signed, base / "tampered.wacz", tamper)
    refused = cli_process("verify", "--wacz", tampered)
    assert refused.code == 1 and refused.out == (
        "verify: datapackage-digest.json: the signature does not match its publicKey\n"
    )

    older = ec.generate_private_key(ec.SECP256R1())

    old = resigned(signed, base / "p256.wacz", older, software="news-web-archiver", version="0")
    assert cli_process("verify", "--wacz", old).code == 0  # valid, for us

    ca = DomainCa()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wacz_sign, "urlopen", FakeTsa())
        domain_key = wacz_sign.load_private_key(ca.bundle(keys / "domain.pem"))
        domain = resigned(
            signed,
            base / "domain.wacz",
            domain_key,
            software="news-web-archiver",
            version="0",
            timestamp_url="http://tsa.test/",
        )
    checked = cli_process(
        "verify", "--wacz", domain, "--domain-roots", ca.root_pem(keys / "ca.pem")
    )
    assert checked.code == 0, checked

    return {
        "files": {"signed": signed, "tampered": tampered, "p256": old, "domain": domain},
        "digest": json.loads(read_entry(signed, "datapackage-digest.json")),
        "public_key": made.out.strip(),
    }


def read_entry(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


# -- the server ----------------------------------------------------------------------------
class Files(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, tuple[Path | bytes, str]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.log: list[str] = []

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Files

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(head=False)

    def _answer(self, *, head: bool) -> None:
        path = urlsplit(self.path).path
        self.server.log.append(f"{self.command} {self.path} {self.headers.get('Range', '')}")
        if path not in self.server.files:
            self.send_error(404)
            return
        source, content_type = self.server.files[path]
        data = source.read_bytes() if isinstance(source, Path) else source
        status, start, end = 200, 0, len(data)
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if wanted and (wanted.group(1) or wanted.group(2)):  # the service worker reads ranges
            if not wanted.group(1):  # the last N bytes
                start = max(0, len(data) - int(wanted.group(2)))
            else:
                start = int(wanted.group(1))
                end = min(len(data), int(wanted.group(2)) + 1 if wanted.group(2) else len(data))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        if not head:
            self.wfile.write(data[start:end])


@pytest.fixture(scope="module")
def server(packages: dict[str, Any]) -> Iterator[Files]:
    assert (RWP / "sw.js").is_file() and (RWP / "ui.js").is_file(), (
        f"ReplayWeb.page is missing from {RWP}: run `make replaywebpage`"
    )
    version = json.loads((RWP / "package.json").read_text())["version"]
    assert version == RWP_VERSION, f"{RWP} holds ReplayWeb.page {version}, not {RWP_VERSION}"
    js = "application/javascript"
    files: dict[str, tuple[Path | bytes, str]] = {
        "/ui.js": (RWP / "ui.js", js),
        "/replay/ui.js": (RWP / "ui.js", js),
        "/replay/sw.js": (RWP / "sw.js", js),
        # the app's page, which the service worker serves once it controls /replay/; a
        # frame loaded before it took control (a race, under load) gets it from here
        "/replay/": (REPLAY_INDEX, "text/html; charset=utf-8"),
    }
    for name, path in packages["files"].items():
        files[f"/{name}.wacz"] = (path, "application/wacz")
        page = EMBED.format(name=name, url=ARTICLE_URL).encode()
        files[f"/{name}.html"] = (page, "text/html; charset=utf-8")
    running = Files(files)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


class Refuser(ThreadingHTTPServer):
    """The browser's proxy: Chromium sends every request that is not for a loopback address
    here (that of the page, its frames and the service worker alike), which records it and
    refuses it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refuse)
        self.refused: list[str] = []


class _Refuse(BaseHTTPRequestHandler):
    server: Refuser

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def refuse(self) -> None:
        self.server.refused.append(f"{self.command} {self.path}")
        self.send_error(403, "no network in tests")
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_OPTIONS = do_CONNECT = refuse  # noqa: N815


@pytest.fixture(scope="module")
def refuser() -> Iterator[Refuser]:
    running = Refuser()
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(autouse=True)
def no_request_leaves(refuser: Refuser) -> Iterator[None]:
    """The browser asked for nothing but 127.0.0.1 (ReplayWeb.page included)."""
    refuser.refused.clear()
    yield
    assert [r for r in refuser.refused if r not in CHROMIUM_OWN] == []


@pytest.fixture(scope="module")
def browser(refuser: Refuser) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable is not None, "chromium is required (apt-get install chromium)"
    proxy = f"--proxy-server=http://127.0.0.1:{refuser.server_address[1]}"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, proxy]
        )
        yield launched
        launched.close()


# -- in the browser --------------------------------------------------------------------------
READ_VERIFICATION = """async () => {
  const open = (name) => new Promise((ok, fail) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const rows = [];
  for (const {name} of await indexedDB.databases()) {
    if (!name.startsWith("db:")) continue;
    const db = await open(name);
    if (db.objectStoreNames.contains("verification")) {
      rows.push(...await new Promise((ok, fail) => {
        const r = db.transaction("verification").objectStore("verification").getAll();
        r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
      }));
    }
    db.close();
  }
  return rows;
}"""


def open_in_replaywebpage(browser: Any, server: Files, name: str) -> dict[str, Any]:
    """Open ``/{name}.html`` in a new browser context; wait for the article's text in the
    replayed page; return that text, the receipt's text and the verification rows
    ReplayWeb.page stored."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(f"{server.origin}/{name}.html")
        app = page.frame_locator("replay-web-page iframe")
        replayed = app.frame_locator("wr-coll-replay iframe")
        try:
            replayed.locator("body").get_by_text(ARTICLE_TEXT).wait_for(timeout=60_000)
        except Exception as exc:  # noqa: BLE001 (say what the browser saw)
            raise AssertionError((str(exc)[:300], console[-20:], server.log[-20:])) from None
        text = replayed.locator("body").inner_text()
        rows: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = app.locator("body").evaluate(READ_VERIFICATION)
            if any(row["id"] == "datapackageHash" for row in rows):
                break
            time.sleep(0.25)
        app.locator("rwp-embed-receipt button.embed-info").click()
        receipt = app.locator("rwp-embed-receipt .embed-info-drop").inner_text(timeout=10_000)
        return {"text": text, "receipt": receipt, "rows": rows}
    finally:
        context.close()


def rows_by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def test_a_signed_package_replays_and_its_signature_verifies(
    browser: Any, server: Files, packages: dict[str, Any]
) -> None:
    shown = open_in_replaywebpage(browser, server, "signed")
    assert ARTICLE_TEXT in shown["text"]
    rows = rows_by_id(shown["rows"])
    assert rows["signature"]["matched"] is True
    assert rows["publicKey"]["expected"] == packages["public_key"]
    assert rows["datapackageHash"]["expected"] == packages["digest"]["hash"]
    assert "Observer Public Key:" in shown["receipt"]
    assert packages["public_key"] in shown["receipt"]
    assert packages["digest"]["hash"] in shown["receipt"]


def test_a_tampered_signature_is_not_verified(
    browser: Any, server: Files, packages: dict[str, Any]
) -> None:
    shown = open_in_replaywebpage(browser, server, "tampered")
    assert ARTICLE_TEXT in shown["text"]  # replayed all the same
    rows = rows_by_id(shown["rows"])
    assert rows["signature"]["matched"] is False
    # what 2.5.3's receipt shows regardless (docs/command-line.md warns of it)
    assert "Observer Public Key:" in shown["receipt"]


def test_a_p256_signature_is_not_understood(
    browser: Any, server: Files, packages: dict[str, Any]
) -> None:
    shown = open_in_replaywebpage(browser, server, "p256")
    assert ARTICLE_TEXT in shown["text"]
    rows = rows_by_id(shown["rows"])
    assert "signature" not in rows
    assert "Observer Public Key" not in shown["receipt"]


def test_a_package_signed_by_a_domain_shows_the_domain(
    browser: Any, server: Files, packages: dict[str, Any]
) -> None:
    shown = open_in_replaywebpage(browser, server, "domain")
    assert ARTICLE_TEXT in shown["text"]
    rows = rows_by_id(shown["rows"])
    assert rows["signature"]["matched"] is True
    assert rows["domain"]["expected"] == DOMAIN and rows["domain"]["matched"] == DOMAIN
    assert "certFingerprint" in rows
    assert "Observed By:" in shown["receipt"] and DOMAIN in shown["receipt"]
    assert "Observer Public Key" not in shown["receipt"]
