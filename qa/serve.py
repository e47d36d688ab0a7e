"""`qa serve`: the HTTP JSON API. Thin, like cli.py: parse the request, call the library, serialize the record.

Endpoints (the OpenAPI description is served at /openapi.json, written out in ``qa.openapi``):

* ``POST /ask`` ``{"question", "top_k"?, "id"?, "filters"?}`` -> the record of ``qa ask --format json``
* ``POST /ask/batch`` ``{"questions": [str | {"id", "question"}], "top_k"?, "filters"?}`` -> a list of records
* ``GET /articles`` (``?since&until&section&source&author&offset&limit``) and ``GET /articles/{source}``
* ``GET /health``: the version answering, its counts and model; 503 while the index loads

The model and index are loaded once, in a thread, after the server starts listening (requests meanwhile get 503).
A rebuild by another process is followed through ``qa.live.LiveAnswerer``. Questions arriving together are answered
together: requests wait up to ``batch_wait`` seconds (or ``batch_size`` questions) in a queue and go through the
encoder as one ``ask_many`` call in a worker thread, so concurrent clients share forward passes.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from qa import stores
from qa.errors import ConfigError, QAError
from qa.filters import DateError, Filters
from qa.settings import Settings

MAX_BODY = 1 << 20  # bytes of a request body
MAX_BATCH = 1_000  # questions in one /ask/batch
MAX_QUESTION = 2_000  # characters of one question
MAX_TOP_K = 100
MASKS_KEPT = 256  # filter masks cached per index version


class BadRequest(Exception):
    """The request body cannot be answered as sent (400)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Anything but loopback needs a token: the API would otherwise answer anyone who can reach the port."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"--host {host} is reachable from other machines; give --token TOKEN (or QA_TOKEN) too")


# -- JSON ---------------------------------------------------------------------------------------------------------
def _json(data: Any, status: int = 200) -> Response:
    from qa.batch import to_json

    return Response(to_json(data), status_code=status, media_type="application/json")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = _json({"error": message}, status)
    response.headers.update(headers or {})
    return response


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BadRequest(f"the body is larger than {MAX_BODY} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _question(value: object, where: str) -> str:
    from qa.batch import repair

    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where} must be a non-empty string")
    if len(value) > MAX_QUESTION:
        raise BadRequest(f"{where} is longer than {MAX_QUESTION} characters")
    return repair(value)


def _top_k(data: dict[str, Any], default: int) -> int:
    value = data.get("top_k", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP_K:
        raise BadRequest(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
    return value


def _filters(value: object) -> Filters:
    if value is None:
        return Filters()
    if not isinstance(value, dict):
        raise BadRequest("filters must be an object with since, until, section, source or author")
    names = ("since", "until", "section", "source", "author")
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise BadRequest(f"unknown filter {', '.join(unknown)}; use {', '.join(names)}")
    if not all(v is None or isinstance(v, str) for v in value.values()):
        raise BadRequest("each filter must be a string")
    try:
        return Filters.parse(*(value.get(n) for n in names))
    except DateError as exc:
        raise BadRequest(str(exc).replace("--", "")) from None


# -- batching questions through the encoder --------------------------------------------------------------------
@dataclass
class _Job:
    questions: list[str]
    ids: list[str]
    top_k: int
    filters: Filters
    future: asyncio.Future[list[dict[str, Any]]] = field(repr=False)


class Batcher:
    """Collects the questions of concurrent requests and answers them with one ``ask_many`` per top_k and filter."""

    def __init__(self, service: Service, wait: float, size: int) -> None:
        self.service = service
        self.wait = wait
        self.size = size
        self.queue: asyncio.Queue[_Job] = asyncio.Queue()
        self.batches = 0

    async def ask(self, questions: list[str], ids: list[str], top_k: int, filters: Filters) -> list[dict[str, Any]]:
        future: asyncio.Future[list[dict[str, Any]]] = asyncio.get_running_loop().create_future()
        await self.queue.put(_Job(questions, ids, top_k, filters, future))
        return await future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self.queue.get()]
            count = len(jobs[0].questions)
            deadline = loop.time() + self.wait
            while count < self.size:
                try:
                    job = await asyncio.wait_for(self.queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                jobs.append(job)
                count += len(job.questions)
            try:
                answers = await run_in_threadpool(self.service.answer, jobs)
            except BaseException as exc:  # handed to every waiting request, never lost
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                if not isinstance(exc, Exception):
                    raise
                continue
            self.batches += 1
            for job, records in zip(jobs, answers, strict=True):
                if not job.future.done():
                    job.future.set_result(records)


# -- the service: the index and model, loaded once -------------------------------------------------------------
class Service:
    """What the routes share: the live answerer (None while loading), or why it could not be loaded."""

    def __init__(self, settings: Settings, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.say = say
        self.live: Any = None  # qa.live.LiveAnswerer once loaded
        self.error: str | None = None

    def load(self) -> None:
        from qa.live import LiveAnswerer
        from qa.session import ready_answerer

        try:
            answerer, _ = ready_answerer(self.settings, self.say)
        except QAError as exc:
            self.error = str(exc)
            self.say(f"error: {exc}")
            return
        self.live = LiveAnswerer(stores.of(self.settings), answerer, self.say)
        self.say(f"ready: answering from {self.live.version_name}")

    def ready(self) -> Any:
        if self.live is None:
            raise HTTPException(503, f"the index could not be loaded: {self.error}" if self.error else "loading")
        self.live.fresh()
        return self.live

    def answer(self, jobs: list[_Job]) -> list[list[dict[str, Any]]]:
        """Every job's records; jobs with the same top_k and filters go through one ``ask_many``."""
        out: list[list[dict[str, Any]]] = [[] for _ in jobs]
        groups: dict[tuple[int, Filters], list[int]] = {}
        for i, job in enumerate(jobs):
            groups.setdefault((job.top_k, job.filters), []).append(i)
        with self.live.using() as held:
            for (top_k, filters), members in groups.items():
                questions = [q for i in members for q in jobs[i].questions]
                ids = [q for i in members for q in jobs[i].ids]
                results = held.answerer.ask_many(questions, top_k, ids, "fused", self._mask(held, filters))
                at = 0
                for i in members:
                    n = len(jobs[i].questions)
                    out[i] = [r.to_record() for r in results[at : at + n]]
                    at += n
        return out

    @staticmethod
    def _mask(held: Any, filters: Filters) -> Any:
        if not filters:
            return None
        mask = held.masks.get(filters)
        if mask is None:
            if len(held.masks) >= MASKS_KEPT:
                held.masks.clear()
            mask = held.masks[filters] = filters.mask(held.answerer.searcher.version)
        return mask


# -- routes ---------------------------------------------------------------------------------------------------
def _service(request: Request) -> Service:
    return request.app.state.service


async def ask(request: Request) -> Response:
    service = _service(request)
    data = await _body(request)
    question = _question(data.get("question"), "question")
    qid = data.get("id", "1")
    if not isinstance(qid, str | int) or isinstance(qid, bool):
        raise BadRequest("id must be a string or a number")
    top_k, filters = _top_k(data, service.settings.top_k), _filters(data.get("filters"))
    service.ready()
    records = await request.app.state.batcher.ask([question], [str(qid)], top_k, filters)
    return _json(records[0])


async def ask_batch(request: Request) -> Response:
    service = _service(request)
    data = await _body(request)
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        raise BadRequest('"questions" must be a non-empty list of strings or {"id", "question"} objects')
    if len(items) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} questions in one batch")
    questions, ids = [], []
    for n, item in enumerate(items, 1):
        if isinstance(item, dict):
            questions.append(_question(item.get("question"), f"questions[{n - 1}].question"))
            qid = item.get("id", str(n))
            ids.append(str(qid))
        else:
            questions.append(_question(item, f"questions[{n - 1}]"))
            ids.append(str(n))
    top_k, filters = _top_k(data, service.settings.top_k), _filters(data.get("filters"))
    service.ready()
    return _json(await request.app.state.batcher.ask(questions, ids, top_k, filters))


ARTICLE_FIELDS = ("source", "title", "date", "author", "section", "url", "outlet", "passages")


async def articles(request: Request) -> Response:
    live = _service(request).ready()
    params = request.query_params
    filters = _filters({k: v for k, v in params.items() if k not in ("offset", "limit")} or None)
    try:
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 1000))
    except ValueError:
        raise BadRequest("offset and limit must be whole numbers") from None
    if offset < 0 or not 1 <= limit <= 10_000:
        raise BadRequest("offset must be 0 or more and limit from 1 to 10000")

    def read() -> dict[str, Any]:
        where, args = filters.where(meta=True)
        with live.using() as held:
            db = held.answerer.searcher.version.db
            total = db.execute(
                f"SELECT count(*) FROM articles a LEFT JOIN article_meta m ON m.article_id = a.id WHERE {where}", args
            ).fetchone()[0]
            rows = db.execute(
                "SELECT a.source, a.title, a.date, a.author, m.section, m.url, m.outlet, "
                "(SELECT count(*) FROM chunks c WHERE c.article_id = a.id) "
                f"FROM articles a LEFT JOIN article_meta m ON m.article_id = a.id WHERE {where} "
                "ORDER BY a.source LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return {"total": total, "offset": offset, "articles": [dict(zip(ARTICLE_FIELDS, r, strict=True)) for r in rows]}

    return _json(await run_in_threadpool(read))


async def article(request: Request) -> Response:
    live = _service(request).ready()
    source = request.path_params["source"]

    def read() -> dict[str, Any] | None:
        with live.using() as held:
            db = held.answerer.searcher.version.db
            row = db.execute(
                "SELECT a.id, a.source, a.title, a.date, a.author, m.section, m.url, m.outlet, m.pages, a.kind, a.text "
                "FROM articles a LEFT JOIN article_meta m ON m.article_id = a.id WHERE a.source = ?",
                (source,),
            ).fetchone()
            if row is None:
                return None
            spans = db.execute(
                'SELECT start, "end" FROM chunks WHERE article_id = ? ORDER BY ordinal', (row[0],)
            ).fetchall()
        names = ("source", "title", "date", "author", "section", "url", "outlet")
        record = dict(zip(names, row[1:8], strict=True))
        record.update(pages=json.loads(row[8] or "[]"), kind=row[9], passages=[list(s) for s in spans], text=row[10])
        return record

    found = await run_in_threadpool(read)
    if found is None:
        raise HTTPException(404, f"{source} is not in the index; GET /articles lists what is")
    return _json(found)


async def health(request: Request) -> Response:
    service = _service(request)
    if service.live is None:
        status = {"status": "error", "error": service.error} if service.error else {"status": "loading"}
        return _json(status, 503)
    live = service.ready()
    with live.using() as held:
        manifest = held.answerer.searcher.version.manifest
        return _json({
            "status": "ok",
            "version": held.name,
            "articles": manifest.get("articles"),
            "chunks": manifest.get("chunks"),
            "model": manifest.get("model"),
            "built_at": manifest.get("built_at"),
            "swaps": live.swaps,
            "batches": request.app.state.batcher.batches,
        })  # fmt: skip


async def openapi(request: Request) -> Response:
    from qa.openapi import schema

    return _json(schema())


# -- the app ---------------------------------------------------------------------------------------------------
class TokenGate:
    """Every request needs ``Authorization: Bearer TOKEN`` (compared in constant time), else 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = _error(401, "missing or wrong token: send Authorization: Bearer TOKEN",
                                  {"WWW-Authenticate": "Bearer"})  # fmt: skip
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 or request.path_params else f"no such endpoint: {request.url.path}"
    headers = {"Retry-After": "1"} if exc.status_code == 503 else None
    return _error(exc.status_code, str(message), headers)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(400, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, QAError):
        return _error(500, str(exc))
    return _error(500, f"unexpected {type(exc).__name__}: {exc}")


def create_app(
    settings: Settings,
    token: str | None = None,
    batch_wait: float = 0.005,
    batch_size: int = 64,
    say: Callable[[str], None] | None = None,
) -> Starlette:
    """The ASGI app over ``settings.index``; the index loads in a thread once the app starts (see the lifespan)."""
    say = say or (lambda message: print(f"qa serve: {message}", file=sys.stderr, flush=True))
    service = Service(settings, say)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.service = service
        app.state.batcher = batcher = Batcher(service, batch_wait, batch_size)
        task = asyncio.create_task(batcher.run())
        threading.Thread(target=service.load, name="qa-load", daemon=True).start()
        try:
            yield
        finally:
            task.cancel()
            if service.live is not None:
                service.live.close()

    routes = [
        Route("/ask", ask, methods=["POST"]),
        Route("/ask/batch", ask_batch, methods=["POST"]),
        Route("/articles", articles, methods=["GET"]),
        Route("/articles/{source:path}", article, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    handlers = {HTTPException: _http_error, BadRequest: _bad_request, sqlite3.Error: _server_error,
                Exception: _server_error}  # fmt: skip
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)  # type: ignore[arg-type]
    if token:
        app.add_middleware(TokenGate, token=token)
    return app


def run(settings: Settings, host: str, port: int, token: str | None) -> None:
    """Serve until interrupted (uvicorn, one process: the model and index are held once)."""
    import uvicorn

    check_bind(host, token)
    app = create_app(settings, token)
    print(f"qa serve: http://{host}:{port} (loading the index; GET /health says when ready)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
