"""Users, passwords (argon2id), login (with lockout) and login sessions.

Roles: ``admin`` (管理员: everything a reviewer does, on every report, and the 审计日志),
``reviewer`` (财政复核人员: uploads, triages, exports), ``viewer`` (只读: views and exports) and
``unit`` (单位填报人: fills and submits its own unit's 自评 on the web, :mod:`jixiao.web.unit`; sees
nothing of the review). Reviewers and viewers see only the regions and units given to them
(:mod:`.access`); a unit user has units only, at least one, and never a region.
A session is a random token in an HttpOnly cookie; the store keeps only its sha256, the user,
the expiry and the session's CSRF token.

Passwords: at least 8 characters, not one of the common passwords in ``common_passwords.txt``, not
the username, not one character repeated. Login: every failure is in the audit log
(``login_failed``); after :data:`MAX_FAILURES` failures for one username within
:data:`LOCK_MINUTES` minutes (since its last successful login) that username is refused, right
password or not, until the window has passed (``login_locked``, audited too).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from .access import KINDS, Scope, scope_of
from .db import Store
from .models import AuditEntry, AuthSession, User, UserScope, aware, clean_text

ROLES = {"admin": "管理员", "reviewer": "复核人员", "viewer": "只读", "unit": "单位填报人"}
UNIT_ROLE = "unit"  # 单位填报人
SESSION_HOURS = 12
MIN_PASSWORD = 8
MAX_FAILURES = 5  # failed logins for one username …
LOCK_MINUTES = 15  # … within this many minutes lock it for the rest of the window
LOGIN_IP_FAILURES = 20  # failed logins from one client address (any usernames) …
LOGIN_IP_MINUTES = 15  # … within this many minutes refuse every further attempt from it
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist (equal timing); made on first use,
    not at import (an argon2 hash costs ~0.1 s, which every ``jixiao review --db`` would pay)."""
    return _hasher.hash("jixiao-timing-equaliser")



class UserError(ValueError):
    """A user cannot be created or changed (the message says why, in Chinese)."""


class LoginRefused(Exception):
    """A login was refused; ``str(exc)`` says why (in Chinese), ``locked`` whether by lockout."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


def create_user(store: Store, username: str, password: str, role: str = "reviewer",
                display_name: str | None = None, *, regions: Iterable[str] = (), units: Iterable[str] = ()) -> int:
    """Create a user with the regions (地区) and units (单位名称) it may see; returns its id.
    Raises UserError for an unknown role, a weak password (:func:`check_password`), or a
    username already taken."""
    username = username.strip()
    if clean_text(username) != username:
        raise UserError("用户名不能含控制字符")
    if role not in ROLES:
        raise UserError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if not username or len(username) > 64:
        raise UserError("用户名不能为空，且不超过 64 个字符")
    check_password(password, username)
    scopes = _scopes(regions, units)
    if role == UNIT_ROLE:
        _unit_scopes(scopes)
    with store.session() as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise UserError(f"用户名已存在：{username}")
        user = User(username=username, password_hash=_hasher.hash(password), role=role,
                    display_name=display_name or username)
        s.add(user)
        s.flush()
        s.add_all(UserScope(user_id=user.id, kind=k, value=v) for k, v in scopes)
        detail = {"username": username, "role": role, **_scope_detail(scopes)}
        s.add(AuditEntry(user_id=user.id, action="user_created", target=f"user:{user.id}",
                         detail=json.dumps(detail, ensure_ascii=False)))
        return user.id


def _scopes(regions: Iterable[str], units: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for kind, values in (("region", regions), ("unit", units)):
        for v in values:
            text = clean_text(v, 255)
            if not text:
                raise UserError(f"{KINDS[kind]}不能为空")
            if (kind, text) not in out:
                out.append((kind, text))
    return out


def _unit_scopes(scopes: list[tuple[str, str]]) -> None:
    """A unit user (单位填报人) fills for its units: at least one, and no region."""
    if any(k == "region" for k, _ in scopes):
        raise UserError("单位填报人只能分配单位（--unit），不能分配地区（--region）")
    if not any(k == "unit" for k, _ in scopes):
        raise UserError("单位填报人须用 --unit 指明所填报的单位（可多个）")


def _scope_detail(scopes: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {f"{kind}s": vals for kind in KINDS if (vals := [v for k, v in scopes if k == kind])}


def set_scope(store: Store, username: str, regions: Iterable[str] = (), units: Iterable[str] = (),
              *, remove: bool = False) -> Scope:
    """Give the user these regions and units (``remove``: take them away); returns the new scope.
    Audited (``scope_granted`` / ``scope_revoked``). Raises UserError for an unknown user or an
    empty name."""
    scopes = _scopes(regions, units)
    if not scopes:
        raise UserError("请用 --region 或 --unit 指明地区或单位")
    with store.session() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise UserError(f"没有这个用户：{username}")
        have = {(r.kind, r.value): r for r in s.scalars(select(UserScope).where(UserScope.user_id == user.id))}
        if user.role == UNIT_ROLE and not remove and any(k == "region" for k, _ in scopes):
            raise UserError("单位填报人只能分配单位（--unit），不能分配地区（--region）")
        for key in scopes:
            if remove and key in have:
                s.delete(have[key])
            elif not remove and key not in have:
                s.add(UserScope(user_id=user.id, kind=key[0], value=key[1]))
        s.add(AuditEntry(user_id=user.id, action="scope_revoked" if remove else "scope_granted",
                         target=f"user:{user.id}",
                         detail=json.dumps({"username": user.username, **_scope_detail(scopes)}, ensure_ascii=False)))
        s.flush()
        return scope_of(s, user)


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = (resources.files("jixiao.store") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(ln.strip().lower() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def check_password(password: str, username: str | None = None) -> None:
    """Raise UserError unless ``password`` is acceptable: at least :data:`MIN_PASSWORD`
    characters, no NUL, not a common password (``common_passwords.txt``, without case), not one
    character repeated, not the username."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 个字符")
    if "\x00" in password:
        raise UserError("密码不能含控制字符")
    low = password.strip().lower()
    if low in _common_passwords() or len(set(low)) == 1:
        raise UserError("密码过于常见，容易被猜中：请换一个")
    if username and low == username.strip().lower():
        raise UserError("密码不能与用户名相同")


def _change(store: Store, username: str, action: str, change, detail: dict | None = None) -> None:
    """Apply ``change(user)`` to the named user, end all of the user's sessions (a changed password,
    role or status takes effect at once), and log ``action``. Raises UserError for an unknown name."""
    with store.session() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise UserError(f"没有这个用户：{username}")
        change(user)
        s.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        s.add(AuditEntry(user_id=user.id, action=action, target=f"user:{user.id}",
                         detail=json.dumps({"username": user.username, **(detail or {})}, ensure_ascii=False)))


def set_password(store: Store, username: str, password: str) -> None:
    """Reset a user's password (argon2id) and end the user's sessions. Raises UserError for an
    unknown user or a weak password (:func:`check_password`)."""
    check_password(password, username)
    _change(store, username, "password_reset", lambda u: setattr(u, "password_hash", _hasher.hash(password)))


def set_active(store: Store, username: str, active: bool) -> None:
    """Enable or disable (停用) a user. A disabled user cannot log in, its sessions and API tokens
    end at once, and its decisions stay in the record. Raises UserError for an unknown user."""
    _change(store, username, "user_enabled" if active else "user_disabled", lambda u: setattr(u, "active", active))


def set_role(store: Store, username: str, role: str) -> None:
    """Change a user's role (admin / reviewer / viewer / unit); the user logs in again. Raises
    UserError for an unknown user or role, and for ``unit`` when the user has a region or no unit."""
    if role not in ROLES:
        raise UserError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role == UNIT_ROLE:
        with store.session() as s:
            user = s.scalar(select(User).where(User.username == username.strip()))
            if user is not None:
                _unit_scopes([(k, v) for k, v in s.execute(
                    select(UserScope.kind, UserScope.value).where(UserScope.user_id == user.id))])
    _change(store, username, "role_changed", lambda u: setattr(u, "role", role), {"role": role})


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way)."""
    if "\x00" in username or "\x00" in password:
        return None
    with store.session() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        try:
            if user is None or not user.active:
                _hasher.verify(_dummy_hash(), password + "x")
                return None
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return user


def _login_key(username: str) -> str:
    return "login:" + username.strip()[:58]


def login(store: Store, username: str, password: str, client: str | None = None) -> User:
    """The active user with this name and password. Raises :class:`LoginRefused` for a wrong
    name or password (audited ``login_failed``, with the client address) or while the username is
    locked (``login_locked``): :data:`MAX_FAILURES` failures within :data:`LOCK_MINUTES` minutes,
    counted from the user's last successful login. Before that, while ``client`` (an address) has
    failed :data:`LOGIN_IP_FAILURES` times (``login_failed`` or ``login_locked``, any usernames)
    within :data:`LOGIN_IP_MINUTES` minutes, every attempt from it is refused (``locked``, audited
    ``login_locked`` with the reason)."""
    key = _login_key(username)
    now = datetime.now(UTC)
    if client:
        mark = json.dumps({"client": client}, ensure_ascii=False)[1:-1]  # as _audit writes it
        with store.session() as s:
            failures = s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action.in_(("login_failed", "login_locked")),
                AuditEntry.at > now - timedelta(minutes=LOGIN_IP_MINUTES),
                AuditEntry.detail.contains(mark, autoescape=True)))
        if failures >= LOGIN_IP_FAILURES:
            _audit(store, None, "login_locked", key, {"username": username.strip()[:64], "client": client,
                                                       "reason": f"来源地址 {LOGIN_IP_MINUTES} 分钟内登录失败 {failures} 次"})
            raise LoginRefused(f"该地址登录失败次数过多，已暂时禁止登录：请 {LOGIN_IP_MINUTES} 分钟后再试", locked=True)
    with store.session() as s:
        since = now - timedelta(minutes=LOCK_MINUTES)
        known = s.scalar(select(User).where(User.username == username.strip()))
        if known is not None:
            last = s.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == "login",
                                                                   AuditEntry.target == f"user:{known.id}"))
            if last is not None and aware(last) > since:
                since = aware(last)
        failures = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login_failed", AuditEntry.target == key, AuditEntry.at > since))
        user_id = known.id if known is not None else None
    detail = {"username": username.strip()[:64], "client": client}
    if failures >= MAX_FAILURES:
        _audit(store, user_id, "login_locked", key, detail)
        raise LoginRefused(f"登录失败次数过多，该用户名已暂时锁定：请 {LOCK_MINUTES} 分钟后再试", locked=True)
    user = authenticate(store, username, password)
    if user is None:
        _audit(store, user_id, "login_failed", key, {**detail, "failures": failures + 1})
        raise LoginRefused("用户名或密码错误")
    return user


def _audit(store: Store, user_id: int | None, action: str, target: str, detail: dict) -> None:
    with store.session() as s:
        s.add(AuditEntry(user_id=user_id, action=action, target=target,
                         detail=json.dumps({k: v for k, v in detail.items() if v is not None}, ensure_ascii=False)))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: Store, user_id: int, hours: int = SESSION_HOURS) -> tuple[str, str]:
    """Start a session; returns (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session() as s:
        s.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        s.add(AuthSession(token_hash=_hash_token(token), user_id=user_id, csrf_token=csrf,
                          expires_at=now + timedelta(hours=hours)))
        s.add(AuditEntry(user_id=user_id, action="login", target=f"user:{user_id}"))
    return token, csrf


def session_user(store: Store, token: str | None) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session, else None."""
    if not token:
        return None
    with store.session() as s:
        sess = s.get(AuthSession, _hash_token(token))
        if sess is None or aware(sess.expires_at) < datetime.now(UTC):
            return None
        user = s.get(User, sess.user_id)
        if user is None or not user.active:
            return None
        return user, sess.csrf_token


def close_session(store: Store, token: str | None) -> None:
    if not token:
        return
    with store.session() as s:
        s.execute(delete(AuthSession).where(AuthSession.token_hash == _hash_token(token)))
