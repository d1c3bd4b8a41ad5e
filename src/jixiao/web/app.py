"""The reviewer workspace: ``create_app(store)`` → a FastAPI app with server-rendered pages (Chinese)
and the same operations as JSON under ``/api/`` (OpenAPI at ``/api/openapi.json``).

Run it with ``jixiao serve`` (127.0.0.1:8000, SQLite store ``jixiao-data/jixiao.db`` unless
``--db`` / ``JIXIAO_DB`` names another)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Settings
from ..store import Store
from .auth import LoginRequired, UnitOnly, foreign_origin
from .intake import Limits
from .worker import Worker

UPLOAD_PATHS = ("/upload", "/api/uploads")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
# Swagger UI sets style attributes from its script: /api/docs alone allows inline styles (not scripts)
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# what the framework itself answers (no route, wrong method), in Chinese
STATUS_TEXT = {400: "请求无法解析", 401: "需要登录", 403: "没有权限", 404: "页面不存在", 405: "不支持该请求方法",
               411: "请求须带 Content-Length", 413: "请求过大", 422: "请求参数有误", 429: "请求过于频繁，请稍后再试",
               500: "服务器内部错误"}
log = logging.getLogger("jixiao.web")


def secure(request: Request, response: Response) -> Response:
    """Add the security headers every response carries (errors too): CSP without inline script,
    no framing, nosniff, same-origin referrers; and Cache-Control: no-store on everything but the
    static files (pages, API answers and exports hold report data)."""
    csp = DOCS_CSP if request.url.path == "/api/docs" else CSP
    response.headers.setdefault("Content-Security-Policy", csp)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _length_refused(request: Request, limit: int, too_large: str) -> Response | None:
    """411 for an upload without Content-Length, 413 (``too_large``) for one over ``limit`` bytes
    (with 1 MB for the form's own fields), else None."""
    length = request.headers.get("content-length")
    if length is None:
        return _error(request, 411, "上传须带 Content-Length")
    if not length.isdigit() or int(length) > limit + (1 << 20):
        return _error(request, 413, too_large)
    return None


def _workbook_upload(path: str) -> bool:
    """A unit's 填报工作簿 upload (/unit/upload, /unit/drafts/{id}/upload)."""
    return path.startswith("/unit/") and path.endswith("/upload")


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
                  docs_url=None, redoc_url=None,
                  description="预算绩效自评报告复核：上传、组合总览、单位复核、问题复核结论、导出。")
    app.state.store = store
    app.state.settings = settings
    app.state.limits = limits
    app.state.secure_cookies = secure_cookies
    app.state.worker = Worker(store, settings) if worker else None

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if request.method in STATE_CHANGING and foreign_origin(request):
            return secure(request, _error(request, 403, "来源校验失败：请从本系统的页面提交"))
        refused = None
        if request.method == "POST" and request.url.path in UPLOAD_PATHS:
            refused = _length_refused(request, limits.max_total_bytes,
                                      f"上传过大：一次最多 {limits.max_total_bytes // (1 << 20)} MB")
        elif request.method == "POST" and _workbook_upload(request.url.path):
            from .unit import MAX_WORKBOOK

            refused = _length_refused(request, MAX_WORKBOOK, f"工作簿过大：最多 {MAX_WORKBOOK // (1 << 20)} MB")
        if refused is not None:
            return secure(request, refused)
        return secure(request, await call_next(request))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "需要登录"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(UnitOnly)
    async def unit_only(request: Request, exc: UnitOnly):
        if request.method == "GET" and request.url.path == "/":
            return RedirectResponse("/unit", status_code=303)
        return _error(request, 403, "单位填报人只能使用“在线填报”：复核工作区不对单位开放")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = str(exc.detail)
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):  # the framework's own English
            message = STATUS_TEXT.get(exc.status_code, f"请求未能完成（{exc.status_code}）")
        return _error(request, exc.status_code, message, exc.headers)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        """A bug: logged with its traceback on the server; the user gets a Chinese page (or JSON
        under /api/) with no internals, carrying the security headers (this answer is made outside
        the middleware)."""
        log.error("处理 %s %s 时出错", request.method, request.url.path, exc_info=exc)
        return secure(request, _error(request, 500, "服务器内部错误：操作未能完成，已记入服务器日志。请稍后重试或联系管理员。"))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        return _error(request, 422, "请求参数有误")

    from .api import router as api_router
    from .pages import router as page_router
    from .unit import router as unit_router

    app.include_router(api_router)
    app.include_router(page_router)
    app.include_router(unit_router)
    app.mount("/static", StaticFiles(directory=str(resources.files("jixiao.web") / "static")), name="static")
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")

    async def api_docs(request: Request) -> HTMLResponse:
        """Swagger UI from the swagger-ui-bundle-v2 package (works offline: no CDN), started by
        /static/api-docs.js (no inline script)."""
        return HTMLResponse(DOCS_PAGE)

    app.add_route("/api/docs", api_docs, include_in_schema=False)  # a page, as FastAPI's own docs route is

    return app


def swagger_ui_dir() -> str:
    """The folder of Swagger UI's files inside the swagger-ui-bundle package."""
    from swagger_ui_bundle import swagger_ui_path

    return str(swagger_ui_path)


DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>jixiao API 文档</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<script src="/api/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="/static/api-docs.js" defer></script>
</head><body><div id="swagger-ui" data-openapi="/api/openapi.json"></div></body></html>
"""


def _plain(errors) -> list:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in errors]


def _error(request: Request, status: int, message: str, headers=None) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    from .pages import render_error

    return render_error(request, status, message)
