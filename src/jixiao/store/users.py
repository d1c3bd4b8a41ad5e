"""Users, passwords (argon2id) and login sessions.

Roles: ``reviewer`` (财政复核人员: uploads, triages, exports) and ``viewer`` (只读: views and exports).
A session is a random token in an HttpOnly cookie; the store keeps only its sha256, the user,
the expiry and the session's CSRF token.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from .db import Store
from .models import AuditEntry, AuthSession, User, aware, clean_text

ROLES = {"reviewer": "复核人员", "viewer": "只读"}
SESSION_HOURS = 12
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist (equal timing); made on first use,
    not at import (an argon2 hash costs ~0.1 s, which every ``jixiao review --db`` would pay)."""
    return _hasher.hash("jixiao-timing-equaliser")



class UserError(ValueError):
    """A user cannot be created or changed (the message says why, in Chinese)."""


def create_user(store: Store, username: str, password: str, role: str = "reviewer",
                display_name: str | None = None) -> int:
    """Create a user; returns its id. Raises UserError for an unknown role, a short password
    (< 8 characters), or a username already taken."""
    username = username.strip()
    if clean_text(username) != username:
        raise UserError("用户名不能含控制字符")
    if role not in ROLES:
        raise UserError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if not username or len(username) > 64:
        raise UserError("用户名不能为空，且不超过 64 个字符")
    _check_password(password)
    with store.session() as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise UserError(f"用户名已存在：{username}")
        user = User(username=username, password_hash=_hasher.hash(password), role=role,
                    display_name=display_name or username)
        s.add(user)
        s.flush()
        s.add(AuditEntry(user_id=user.id, action="user_created", target=f"user:{user.id}",
                         detail=json.dumps({"username": username, "role": role}, ensure_ascii=False)))
        return user.id


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise UserError("密码至少 8 个字符")
    if "\x00" in password:
        raise UserError("密码不能含控制字符")


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
    unknown user or a short password (< 8 characters)."""
    _check_password(password)
    _change(store, username, "password_reset", lambda u: setattr(u, "password_hash", _hasher.hash(password)))


def set_active(store: Store, username: str, active: bool) -> None:
    """Enable or disable (停用) a user. A disabled user cannot log in, its sessions and API tokens
    end at once, and its decisions stay in the record. Raises UserError for an unknown user."""
    _change(store, username, "user_enabled" if active else "user_disabled", lambda u: setattr(u, "active", active))


def set_role(store: Store, username: str, role: str) -> None:
    """Change a user's role (reviewer / viewer); the user logs in again. Raises UserError for an
    unknown user or role."""
    if role not in ROLES:
        raise UserError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
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
