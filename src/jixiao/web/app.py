"""The reviewer workspace: ``create_app(store)`` → a FastAPI app with server-rendered pages (Chinese)
and the same operations as JSON under ``/api/`` (OpenAPI at ``/api/openapi.json``).

Run it with ``jixiao serve`` (127.0.0.1:8000, SQLite store ``jixiao-data/jixiao.db`` unless
``--db`` / ``JIXIAO_DB`` names another)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from ..config import Settings
from ..store import Store
from .auth import LoginRequired
from .intake import Limits
from .worker import Worker

UPLOAD_PATHS = ("/upload", "/api/uploads")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def create_app(store: Store, settings: Settings | None = None, *, limits: Limits | None = None,
               secure_cookies: bool = True, worker: bool = True) -> FastAPI:
    """The app over ``store``. ``worker`` starts the background batch thread (tests that only
    read may turn it off); ``secure_cookies`` marks the session cookie Secure (browsers accept
    that on https and on http://127.0.0.1 / localhost)."""
    settings = settings or Settings()
    limits = limits or Limits()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.worker is not None:
            app.state.worker.start()
        yield
        if app.state.worker is not None:
            app.state.worker.stop()

    app = FastAPI(title="jixiao 绩效自评复核", version="1", lifespan=lifespan, openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None,
                  description="预算绩效自评报告复核：上传、组合总览、单位复核、问题复核结论、导出。")
    app.state.store = store
    app.state.settings = settings
    app.state.limits = limits
    app.state.secure_cookies = secure_cookies
    app.state.worker = Worker(store, settings) if worker else None

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if request.method == "POST" and request.url.path in UPLOAD_PATHS:
            length = request.headers.get("content-length")
            if length is None:
                return _error(request, 411, "上传须带 Content-Length")
            if not length.isdigit() or int(length) > limits.max_total_bytes + (1 << 20):
                return _error(request, 413, f"上传过大：一次最多 {limits.max_total_bytes // (1 << 20)} MB")
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/api/") or "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "需要登录"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return _error(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        return _error(request, 422, "请求参数有误")

    from .api import router as api_router
    from .pages import router as page_router

    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=str(resources.files("jixiao.web") / "static")), name="static")
    return app


def _plain(errors) -> list:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in errors]


def _error(request: Request, status: int, message: str, headers=None):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    from .pages import render_error

    return render_error(request, status, message)
