"""The composition root: builds the FastAPI app from the routers, the store and the static files."""

from __future__ import annotations

import contextlib
import functools
import gzip
import logging
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ConfigError
from ..exercises import all_exercises, use_folder
from ..llm import use_cache_folder as use_llm_cache
from ..monitor_log import LogTail
from ..store import Store
from . import pool as training_pool
from .guard import LOOPBACK_NAMES, Guard
from .jobs import JobRunner
from .problems import INVALID, NOT_FOUND, without_body_errors_on_reads
from .routes import activations, classroom, demos, exercises, jobs, llm, options, papers, playground, watch
from .sessions import SessionManager
from .settings import LabSettings, llm_cache_location, store_location

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 6 * 1024 * 1024  # the CSV limit plus room for the form encoding
WS_MAX_BYTES = 512 * 1024  # a playground message is at most 100,000 characters (up to 4 bytes each in UTF-8)


class BodyLimit:
    """Refuse a request body over the limit: at once when Content-Length declares it, else as soon as the bytes
    received pass it (a chunked body declares no length, so the count is the only check that holds).

    Plain ASGI, so there is no per-request task; the refusal is an HTTPException raised from receive(), which the
    route's body reader passes on and FastAPI answers with 413 before anything more is read.
    """

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    def message(self, size: int | None) -> str:
        if size is None:
            return f"request body went past the limit of {self.limit:,} bytes while it arrived; send less"
        return f"request body is {size:,} bytes; the limit is {self.limit:,}"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                response = JSONResponse({"detail": self.message(int(value))}, status_code=413)
                return await response(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, self.message(None))
            return message

        return await self.app(scope, counted_receive, send)


def warm_checkers() -> None:
    """Grade a placeholder answer to every exercise once, before the lab takes its first request.

    A checker's first use in a process pays for work done once (the functions behind the expected values load or
    compile their kernels, modules are imported on first use): measured at 1.5 s for the first sigmoid check,
    while the first checks of a class that had just joined waited behind it (bench/classroom.py, its first
    second). "0" and "1" reach the number parts' expected values and their known slips."""
    for exercise in all_exercises():
        for answer in ("0", "1"):
            try:
                exercise.check([answer] * len(exercise.parts))
            except Exception:  # noqa: BLE001  (a teacher's faulty exercise answers its learners in its own words)
                logging.getLogger(__name__).warning("warming exercise %s failed", exercise.key, exc_info=True)


async def prime_routes(app) -> None:
    """Send the app one request that matches no route (a missing static file), so that FastAPI builds each
    router's table of routes now: it builds them on first use, which made the lab's first check take 150 ms
    more than the next ones (measured in-process), on top of a class's first-second rush."""
    path = "/static/.prime-routes"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0)}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    await app(scope, receive, send)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    # at start-up nothing else is being served, so the event loop may spend this time
    warm_checkers()
    await prime_routes(app)
    yield


class ServerTiming:
    """Every HTTP answer says how long the lab spent on it: `Server-Timing: app;dur=MS`, from the request reaching
    the app to the answer's first byte. bench/classroom.py reads it to tell the lab's own time from the network's
    and its load generator's; a browser's developer tools show it beside each request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()

        async def timed(message):
            if message["type"] == "http.response.start":
                took = f"app;dur={1000 * (time.perf_counter() - start):.1f}".encode()
                message = {**message, "headers": [*message.get("headers", ()), (b"server-timing", took)]}
            await send(message)

        return await self.app(scope, receive, timed)


PLOTLY_JS = STATIC / "vendor" / "plotly-basic.min.js"  # see static/vendor/README.md for why a partial bundle


@functools.cache
def gzipped(path: Path) -> bytes:
    """A static file compressed once, at the best level, instead of on every request by the middleware."""
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def create_app(settings: LabSettings | None = None, *, db_path: str | Path | None = None,
               max_sessions: int | None = None, host: str | None = None, port: int | None = None,
               allow_hosts: tuple[str, ...] | None = None, idle_seconds: float | None = None,
               job_runner: JobRunner | None = None, watch_log: str | Path | None = None) -> FastAPI:
    """The lab, configured by ``settings`` (web/settings.py: the one place its configuration is read); the keyword
    arguments are shorthands that replace single fields (tests, actlab watch). Requests must name the lab by a
    loopback name, its host or one of its allowed hosts (with its port when given; any port when None, as for an
    app served in-process): see guard.py. The settings stay on app.state.settings; web.settings.limits(app) gives
    the playground's size limits."""
    settings = (settings or LabSettings()).but(db=db_path, max_sessions=max_sessions, host=host, port=port,
                                               allow_hosts=allow_hosts, idle_seconds=idle_seconds,
                                               watch_log=watch_log)
    # docs_url and redoc_url off: FastAPI's pages load Swagger UI and ReDoc from a CDN (blank offline, and a request
    # outside the lab); /docs is a page of the lab's own that reads /openapi.json
    app = FastAPI(title="actlab", description="The activation-functions lab: registry, demonstrations, "
                                              "exercises and the live playground.", version="0.1.0",
                  docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    training_pool.configure(settings.training, settings.training_processes)  # where playground runs train
    use_folder(settings.exercises_dir)  # the teacher's exercises, served after the built-in ones (None: none)
    use_llm_cache(llm_cache_location(settings.llm_cache))  # where the lesson's real model keeps its weights
    app.state.store = Store(store_location(settings.db))
    limits = {"max_sessions": settings.max_sessions, "idle_seconds": settings.idle_seconds}
    app.state.sessions = SessionManager(**{k: v for k, v in limits.items() if v})
    classroom.install(app)  # class mode when the store holds a class: its routes, its gate (routes/classroom.py)
    app.state.jobs = job_runner or JobRunner(jobs.KINDS)
    app.state.watch = LogTail(settings.watch_log) if settings.watch_log is not None else None

    # compress what is big (the demonstrations; Plotly.js comes compressed once); small JSON goes as it is
    app.add_middleware(GZipMiddleware, minimum_size=32 * 1024, compresslevel=4)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(Guard, hosts=(*LOOPBACK_NAMES, settings.host, *settings.allow_hosts),
                       port=settings.port)
    app.add_middleware(ServerTiming)  # added last: runs first, so its time includes every other layer

    @app.exception_handler(ConfigError)
    async def config_error(request: Request, exc: ConfigError):
        return JSONResponse({"detail": str(exc), "field": exc.field}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":  # FastAPI's words: say more
            detail = "body: not readable; send UTF-8 JSON (or, for an upload, a multipart form with a file field)"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts, fields = [], []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            message = err.get("msg", "invalid")
            if err.get("type") == "json_invalid":  # its loc is a character position, not a field
                where, message = "body", f"not valid JSON (from character {where or 0}); send one JSON object"
            fields.append(where or "request")
            parts.append(f"{where or 'request'}: {message}")
        return JSONResponse({"detail": "; ".join(parts), "field": fields[0] if fields else None}, status_code=422)

    # every route answers errors as a Problem (problems.py); the routers that look names up also answer 404
    for router, errors in ((activations.router, NOT_FOUND), (demos.router, NOT_FOUND), (exercises.router, NOT_FOUND),
                           (playground.router, {}), (jobs.router, {}), (watch.router, {}), (llm.router, {}),
                           (papers.router, {}), (options.router, {})):
        app.include_router(router, prefix="/api", responses={**INVALID, **errors})
    app.include_router(playground.ws_router)
    without_body_errors_on_reads(app)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def root():
        return RedirectResponse("/lesson")

    @app.api_route("/lesson", methods=["GET", "HEAD"], include_in_schema=False)
    def lesson():
        return FileResponse(STATIC / "lesson.html")

    @app.api_route("/playground", methods=["GET", "HEAD"], include_in_schema=False)
    def playground_page():
        return FileResponse(STATIC / "playground.html")

    @app.api_route("/watch", methods=["GET", "HEAD"], include_in_schema=False)
    def watch_page():
        return FileResponse(STATIC / "watch.html")

    @app.api_route("/papers", methods=["GET", "HEAD"], include_in_schema=False)
    def papers_page():
        return FileResponse(STATIC / "papers.html")

    @app.api_route("/teacher", methods=["GET", "HEAD"], include_in_schema=False)
    def teacher_page():
        return FileResponse(STATIC / "teacher.html")

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def api_docs():
        return FileResponse(STATIC / "api.html")

    @app.get("/redoc", include_in_schema=False)
    def redoc():
        return RedirectResponse("/docs")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/vendor/plotly-basic.min.js", include_in_schema=False)
    def plotly(request: Request):
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(gzipped(PLOTLY_JS), media_type="text/javascript",
                            headers={**headers, "Content-Encoding": "gzip"})
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def server_config(app: FastAPI, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning"):
    """How the lab is served, the same for `actlab lab`, the tests and the benchmarks.

    WebSocket compression (permessage-deflate, which browsers ask for) is off: the playground streams about
    60 frames a second to a browser on the same machine, where compressing each one only takes time from the
    event loop, which also trains the playground's networks.
    """
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level, ws_per_message_deflate=False,
                          ws_max_size=WS_MAX_BYTES)
