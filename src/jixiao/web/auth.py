"""Who is asking: the session cookie (pages) or a bearer token (API clients), and CSRF.

- The session cookie ``jixiao_session`` is HttpOnly, SameSite=Strict, Secure (unless the app was
  started with ``secure_cookies=False``), and holds a random token whose sha256 is in the store.
- Every state-changing request made with the cookie must carry the session's CSRF token: the
  ``csrf_token`` form field, or the ``X-CSRF-Token`` header from scripts. The login form, before
  any session, uses a double-submit cookie (``jixiao_login_csrf``).
- API clients may log in at ``POST /api/login`` and send ``Authorization: Bearer <token>``; a
  bearer token is never sent by the browser on its own, so those requests need no CSRF token.

Roles. The reviewers' workspace (组合总览, reports, decisions, uploads, exports, audit) is
:func:`require_user`: a unit user (单位填报人) asking for any of it gets 403 (its landing page
``/`` sends it to its own 在线填报, ``/unit``). The unit's pages are :func:`require_unit`: no other
role may open, edit or submit a unit's draft. Logging out and ``/api/me`` are :func:`require_login`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request

from ..store.access import Scope, scope_of
from ..store.decisions import DECIDERS
from ..store.models import User
from ..store.users import UNIT_ROLE, session_user

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


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


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
