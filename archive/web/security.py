"""The web application's defences: which Host headers it answers, which query strings
it accepts, and the headers every response carries.

Archived pages are untrusted: pywb replays them on another origin (another port), and
the application's own pages forbid scripts, framing by anyone, and frames from anywhere
but the replay origin."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote_to_bytes, urlsplit

MAX_QUERY_BYTES = 8192
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_HOSTNAME = re.compile(r"[a-z0-9.\-:]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    ip = _ip(host)
    return host.lower() == "localhost" if ip is None else ip.is_loopback


def is_wildcard(host: str) -> bool:
    ip = _ip(host)
    return host == "" or (ip is not None and ip.is_unspecified)


def url_host(host: str) -> str:
    """*host* as it goes into a URL (IPv6 addresses in brackets)."""
    ip = _ip(host)
    return f"[{ip}]" if ip is not None and ip.version == 6 else host


def request_hostname(host_header: str | None, bind_host: str) -> str | None:
    """The host name a request addressed, or ``None`` when it is not one this server
    answers to. A server bound to a loopback address answers only to loopback names,
    so a web page cannot reach it through a host name of its own pointing at 127.0.0.1
    (DNS rebinding)."""
    try:
        hostname = urlsplit("//" + (host_header or "")).hostname
    except ValueError:
        return None
    if not hostname or not _HOSTNAME.fullmatch(hostname):
        return None
    if is_loopback(bind_host) and not is_loopback(hostname):
        return None
    return hostname


def query_problem(raw: bytes) -> str | None:
    """Why a raw query string is refused (too long, not UTF-8 once percent-decoded,
    control characters), or ``None``."""
    if len(raw) > MAX_QUERY_BYTES:
        return "the query string is too long"
    for pair in raw.split(b"&"):
        for piece in pair.split(b"=", 1):
            try:
                text = unquote_to_bytes(piece.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return "the query string is not UTF-8"
            if _CONTROL.search(text):
                return "the query string holds control characters"
    return None


def app_headers(replay_origin: str | None) -> dict[str, str]:
    """Headers of every response of the application. Its pages run no script at all;
    only the replay origin may be framed in them, and nobody may frame them."""
    frame_src = replay_origin or "'none'"
    csp = (
        "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; "
        f"img-src 'self'; frame-src {frame_src}; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


def replay_csp(bind_host: str, app_port: int) -> str:
    """The Content-Security-Policy pywb puts on replayed pages: they load only from the
    replay origin (pywb rewrites their links there; anything else is blocked: no request
    leaves the machine), and, on a loopback server, only the application and pywb's own
    frame may embed them."""
    csp = (
        "default-src 'unsafe-eval' 'unsafe-inline' 'self' data: blob:; "
        "form-action 'self'; object-src 'none'"
    )
    ip = _ip(bind_host)
    if is_loopback(bind_host) and (ip is None or ip.version == 4):
        # (browsers accept no IPv6 address in a CSP source: a server on ::1 goes without)
        names = dict.fromkeys([bind_host.lower(), "127.0.0.1", "localhost"])
        csp += "; frame-ancestors 'self' " + " ".join(f"http://{h}:{app_port}" for h in names)
    return csp
