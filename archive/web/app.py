"""The web application (Flask): home, search, article reader, capture history, and the
framed replay of an archived page served by pywb on its own origin.

Every page is rendered server-side by Jinja2 with autoescaping (the archive's content
is untrusted), runs no script, and carries the headers of :mod:`archive.web.security`.
The application only reads the index (``mode=ro``) and never fetches anything.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from archive.access import connect_readonly, index_error
from archive.extract.textdiff import text_changes
from archive.index.search import MARK_END, MARK_START, QuerySyntaxError, SearchFilters
from archive.index.sqlite import IndexUnavailable
from archive.index.stats import archive_stats
from archive.layout import ArchiveLayout
from archive.store.s3 import StoreError
from archive.warc.reader import WarcReadError
from archive.warc.stored import read_at
from archive.web import data, metrics
from archive.web.chart import day_chart
from archive.web.security import app_headers, query_problem, request_hostname, url_host
from archive.web.wayback import replay_url

MAX_TEXT_PARAM = 2000  # characters of a search query or a tag
MAX_URL_PARAM = 8000
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
LATEST = 12


@dataclass(frozen=True)
class WebConfig:
    layout: ArchiveLayout
    bind_host: str  # where the application listens (decides which Host headers it answers)
    replay_port: int  # pywb's port, on the same host names as the application
    timeout: float = 5.0  # seconds to wait for a locked index
    # Prometheus metrics on 127.0.0.1 (archive/web/metrics.py); 0: none
    metrics_port: int = field(default_factory=metrics.port_from_env)


class ServiceUnavailable(HTTPException):
    code = 503
    description = "The archive's index cannot be read right now."


def create_app(config: WebConfig) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["WEB"] = config
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["marked"] = _marked
    stylesheet = files("archive.web").joinpath("static", "app.css").read_bytes()
    if config.metrics_port:
        metrics.instrument(app, config.metrics_port)

    @app.before_request
    def _check_request() -> None:
        hostname = request_hostname(request.headers.get("Host"), config.bind_host)
        if hostname is None:
            abort(400, "This server answers only to its own address (Host header refused).")
        g.replay_origin = f"http://{url_host(hostname)}:{config.replay_port}"
        problem = query_problem(request.query_string)
        if problem is not None:
            abort(400, problem)

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in app_headers(g.get("replay_origin")).items():
            response.headers[name] = value
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template(
            "error.html", code=code, name=exc.name, message=exc.description
        ), code

    @app.errorhandler(IndexUnavailable)
    def _index_unavailable(exc: IndexUnavailable) -> tuple[str, int]:
        return _http_error(ServiceUnavailable(str(exc)))

    @app.errorhandler(sqlite3.Error)
    def _sqlite_error(exc: sqlite3.Error) -> tuple[str, int]:
        return _http_error(ServiceUnavailable(str(index_error(exc, config.layout.index_path))))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error on %s", request.path)
        return _http_error(InternalServerError())

    @app.get("/static/app.css")
    def stylesheet_route() -> Response:
        return Response(stylesheet, content_type="text/css; charset=utf-8")

    @app.get("/")
    def home() -> str:
        db = _db()
        stats = archive_stats(config.layout, db)
        return render_template(
            "home.html",
            stats=stats,
            chart=day_chart(stats.articles_per_day),
            latest=data.latest_articles(db, LATEST),
            tags=data.tags(db, 40),
        )

    @app.get("/search")
    def search() -> tuple[str, int]:
        query = _text("q")
        filters = SearchFilters(
            since=_date("since"),
            until=_date("until"),
            tags=tuple(_texts("tag")),
            limit=_limit(),
        )
        db = _db()
        error = note = None
        results: list[data.Listed] = []
        if query.strip():
            try:
                results, note = data.search(db, query, filters)
            except QuerySyntaxError as exc:
                error = str(exc)
        elif filters.since or filters.until or filters.tags:
            results = data.filtered_articles(db, filters)
        page = render_template(
            "search.html",
            query=query,
            filters=filters,
            results=results,
            error=error,
            note=note,
            tags=data.tags(db),
            searched=bool(query.strip() or filters.since or filters.until or filters.tags),
        )
        return page, 200 if error is None else 400

    @app.get("/article/<int:article_id>")
    def article(article_id: int) -> str:
        found = _article_or_404(_db(), article_id)
        return render_template(
            "article.html",
            article=found,
            paragraphs=[p for p in found["text"].split("\n") if p.strip()],
            original=_web_url(found["url"]),
        )

    @app.get("/article/<int:article_id>/screenshot.png")
    def screenshot(article_id: int) -> Response:
        """The page of the article as the browser showed it when it was archived."""
        db = _db()
        found = _article_or_404(db, article_id)
        capture = found["capture"]
        shot = data.screenshot_of(db, found["url"], capture["timestamp"] if capture else "")
        if shot is None:
            abort(404, "This page was not rendered in a browser: it has no screenshot.")
        layout: ArchiveLayout = current_app.config["WEB"].layout
        try:
            # a WARC file in object storage only: the record by one ranged GET
            record = read_at(
                layout, shot["warc_filename"], shot["warc_offset"], shot["warc_length"]
            )
        except (OSError, WarcReadError, StoreError):
            abort(404, "The screenshot's WARC file cannot be read.")
        if not record.payload.startswith(b"\x89PNG"):
            abort(404, "The screenshot record holds no PNG image.")
        return Response(record.payload, mimetype="image/png")

    @app.get("/article/<int:article_id>/changes")
    def changes(article_id: int) -> str:
        db = _db()
        found = _article_or_404(db, article_id)
        before = data.previous_version(db, found)
        if before is None:
            abort(404, "This is the first version of this article: nothing came before it.")
        return render_template(
            "changes.html",
            article=found,
            before=before,
            paragraphs=text_changes(before["text"], found["text"]),
        )

    @app.get("/history")
    def history() -> str:
        url = _url_param()
        captures = data.captures_of(_db(), url)
        if not captures:
            abort(404, "The archive holds no capture of this URL.")
        return render_template("history.html", url=url, captures=captures, original=_web_url(url))

    @app.get("/view")
    def view() -> str:
        url = _url_param()
        ts = request.args.get("ts", "")
        if not (ts.isascii() and ts.isdigit() and 1 <= len(ts) <= 14) and ts != "":
            abort(400, "ts must be a 14-digit timestamp or a prefix of one.")
        capture = data.capture_at(_db(), url, ts)
        if capture is None:
            abort(404, "The archive holds no such capture of this URL.")
        return render_template(
            "view.html",
            url=url,
            capture=capture,
            frame_src=replay_url(g.replay_origin, capture["timestamp"], url, frame=True),
            full=replay_url(g.replay_origin, capture["timestamp"], url),
            original=_web_url(url),
        )

    return app


# -- request helpers ---------------------------------------------------------------------
def _db() -> sqlite3.Connection:
    if "db" not in g:
        config: WebConfig = current_app.config["WEB"]
        g.db = connect_readonly(config.layout.index_path, config.timeout)
    db: sqlite3.Connection = g.db
    return db


def _article_or_404(db: sqlite3.Connection, article_id: int) -> dict[str, Any]:
    found = data.article(db, article_id)
    if found is None:
        abort(404, "There is no such article in the archive.")
    return found


def _text(name: str) -> str:
    value = request.args.get(name, "")
    if len(value) > MAX_TEXT_PARAM:
        raise BadRequest(f"{name} is too long (at most {MAX_TEXT_PARAM} characters).")
    return value


def _texts(name: str) -> list[str]:
    values = [v.strip() for v in request.args.getlist(name) if v.strip()]
    if len(values) > 20 or any(len(v) > MAX_TEXT_PARAM for v in values):
        raise BadRequest(f"too many or too long {name} values.")
    return values


def _date(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date, YYYY-MM-DD.") from None


def _limit() -> int:
    value = request.args.get("limit", "").strip()
    if not value:
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or not (
        1 <= int(value) <= MAX_LIMIT
    ):
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


def _url_param() -> str:
    url = request.args.get("url", "")
    if not url or len(url) > MAX_URL_PARAM:
        raise BadRequest("url is required (an archived URL).")
    return url


# -- template helpers --------------------------------------------------------------------
def _when(value: Any) -> str:
    """A 14-digit timestamp or an ISO date-time, readable."""
    text = str(value or "")
    if len(text) == 14 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:]} UTC"
    return text.replace("T", " ")


def _marked(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet as (text, is_match) parts, for the template to escape."""
    parts = snippet.replace(MARK_END, MARK_START).split(MARK_START)
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def _web_url(url: str) -> str | None:
    """*url* if it is an http(s) URL a link may point to, else ``None`` (shown as text)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None
