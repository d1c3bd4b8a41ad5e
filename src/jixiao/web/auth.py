"""Who is asking: the session cookie (pages) or a bearer token (API clients), and CSRF.

- The session cookie ``jixiao_session`` is HttpOnly, SameSite=Strict, Secure (unless the app was
  started with ``secure_cookies=False``), and holds a random token whose sha256 is in the store.
- Every state-changing request made with the cookie must carry the session's CSRF token: the
  ``csrf_token`` form field, or the ``X-CSRF-Token`` header from scripts. The login form, before
  any session, uses a double-submit cookie (``jixiao_login_csrf``).
- API clients may log in at ``POST /api/login`` and send ``Authorization: Bearer <token>``; a
  bearer token is never sent by the browser on its own, so those requests need no CSRF token.
- State-changing requests whose ``Origin`` (else ``Referer``) is another site are refused
  (:func:`foreign_origin`); behind a reverse proxy, ``[web] public_origin`` / ``trusted_proxies``
  in jixiao.toml say which origin is ours (:class:`jixiao.config.Web`).
- Logins (:func:`login`): :func:`jixiao.store.users.login` from the request's client address —
  besides the per-username lockout, :data:`LOGIN_IP_FAILURES` failed attempts from one address
  within :data:`LOGIN_IP_MINUTES` minutes refuse every further attempt from it (429), audited.

Roles. The reviewers' workspace (组合总览, reports, decisions, uploads, exports, audit) is
:func:`require_user`: a unit user (单位填报人) asking for any of it gets 403 (its landing page
``/`` sends it to its own 在线填报, ``/unit``). The unit's pages are :func:`require_unit`: no other
role may open, edit or submit a unit's draft. Logging out and ``/api/me`` are :func:`require_login`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from ..config import Web
from ..store.access import Scope, scope_of
from ..store.decisions import DECIDERS
from ..store.models import User
from ..store.users import LOGIN_IP_FAILURES, LOGIN_IP_MINUTES, UNIT_ROLE, session_user  # noqa: F401  (the limits: doc)
from ..store.users import login as store_login

COOKIE = "jixiao_session"
LOGIN_CSRF = "jixiao_login_csrf"


@dataclass
class Auth:
    user: User
    csrf: str
    token: str
    via: str  # cookie / bearer
    scope: Scope  # the reports the user may see and decide (store.access)

    @property
    def can_review(self) -> bool:
        return self.user.role in DECIDERS

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    @property
    def is_unit(self) -> bool:
        return self.user.role == UNIT_ROLE


class LoginRequired(Exception):
    """No live session: pages redirect to /login, the API answers 401."""


class UnitOnly(Exception):
    """A unit user (单位填报人) asked for the reviewers' workspace: 403, and ``/`` goes to ``/unit``."""


def current(request: Request) -> Auth | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token, via = header[7:].strip(), "bearer"
    else:
        token, via = request.cookies.get(COOKIE, ""), "cookie"
    store = request.app.state.store
    found = session_user(store, token)
    if found is None:
        return None
    with store.session() as s:
        scope = scope_of(s, found[0])
    return Auth(found[0], found[1], token, via, scope)


def require_login(request: Request) -> Auth:
    """Anyone logged in, whatever the role."""
    auth = current(request)
    if auth is None:
        raise LoginRequired()
    return auth


def require_user(request: Request) -> Auth:
    """A user of the reviewers' workspace (admin, reviewer, viewer); a unit user raises UnitOnly."""
    auth = require_login(request)
    if auth.is_unit:
        raise UnitOnly()
    return auth


def require_unit(request: Request) -> Auth:
    """A unit user (单位填报人); 403 for every other role (no reviewer edits a unit's draft)."""
    auth = require_login(request)
    if not auth.is_unit:
        raise HTTPException(403, "在线填报仅供单位填报人使用（需要单位填报人角色）")
    return auth


def require_reviewer(auth: Auth) -> None:
    if not auth.can_review:
        raise HTTPException(403, "只读用户不能执行此操作（需要复核人员角色）")


def require_admin(auth: Auth) -> None:
    if not auth.is_admin:
        raise HTTPException(403, "仅管理员可查看（需要管理员角色）")


def _web(request: Request) -> Web:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "web", None) or Web()


def client_address(request: Request) -> str | None:
    """The client's address: the connection's peer, or — when the peer is a trusted proxy — the
    nearest address in ``X-Forwarded-For`` that is not one (the client's own word otherwise)."""
    peer = request.client.host if request.client else None
    web = _web(request)
    if not web.trusts(peer):
        return peer
    hops = [h.strip() for value in request.headers.getlist("x-forwarded-for") for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        if not web.trusts(hop):
            return hop[:64]
    return peer


def foreign_origin(request: Request) -> bool:
    """Whether a state-changing request comes from another site: its ``Origin`` (else its
    ``Referer``) is not ``[web] public_origin`` when that is set, else names a host other than the
    one asked — ``Host``, or ``X-Forwarded-Host`` on a request from a trusted proxy (a proxy that
    rewrites Host). A request with neither header — a script or an API client, not a browser
    form — passes here (cookie requests still need the CSRF token)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return False
    if origin == "null":
        return True
    sent = urlsplit(origin)
    web = _web(request)
    if web.public_origin:
        return f"{sent.scheme}://{sent.netloc.lower()}" != web.public_origin
    host = request.headers.get("host", "")
    if web.trusts(request.client.host if request.client else None):
        forwarded = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
        host = forwarded or host
    return sent.netloc.lower() != host.lower()


def login(request: Request, username: str, password: str) -> User:
    """:func:`jixiao.store.users.login` from this request's client address (:func:`client_address`):
    the per-address limit, then the username's lockout, both audited; :class:`LoginRefused` with
    ``locked`` is answered 429 by the pages and the API."""
    return store_login(request.app.state.store, username, password, client_address(request))


def check_csrf(request: Request, auth: Auth, form_token: str | None = None) -> None:
    """Raise 403 unless a cookie-authenticated request carries the session's CSRF token."""
    if auth.via == "bearer":
        return
    sent = form_token or request.headers.get("x-csrf-token") or ""
    if not secrets.compare_digest(sent.encode(), auth.csrf.encode()):
        raise HTTPException(403, "CSRF 校验失败：请刷新页面后重试")


def set_session_cookie(response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.app.state.secure_cookies, max_age=12 * 3600)
