"""Users, logins and CSRF tokens.

Passwords are hashed with Argon2id (``argon2-cffi``). A login is a row in ``auth_sessions``: the
browser's cookie holds a random token and the table only its SHA-256, so a copy of the database
does not let anyone log in. Each login has its own CSRF token, sent back in every POSTed form.
The login form itself (no session yet) uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scamscope.web.db import utcnow
from scamscope.web.models import AuthSession, User

SESSION_COOKIE = "scamscope_session"
LOGIN_CSRF_COOKIE = "scamscope_login_csrf"
CSRF_FIELD = "csrf_token"
USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

_hasher = PasswordHasher()
# verified against when the user does not exist, so that both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class UserError(ValueError):
    """A user name or password was refused; the message is one line for the operator."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_user_name(name: str) -> str:
    if not USER_NAME.match(name):
        raise UserError("user names are 1-80 characters: letters, digits, '.', '_', '@', '-'")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password may have at most {MAX_PASSWORD} characters")
    return password


def add_user(db: Session, name: str, password: str) -> User:
    check_user_name(name)
    check_password(password)
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise UserError(f"user {name!r} exists already (use 'scamscope user passwd {name}' to change the password)")
    user = User(name=name, password_hash=hash_password(password), active=True)
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, name: str, password: str) -> User:
    check_password(password)
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"no user {name!r}")
    user.password_hash = hash_password(password)
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))  # log out everywhere
    return user


def authenticate(db: Session, name: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.name == name, User.active.is_(True)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Login:
    user_id: int
    user_name: str
    session_id: int
    csrf_token: str


def start_session(db: Session, user: User, hours: float) -> str:
    """Create a login; returns the cookie value. Expired logins are swept at the same time."""
    now = utcnow()
    db.execute(delete(AuthSession).where(AuthSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    db.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32), created_at=now, expires_at=now + timedelta(hours=hours)))
    return token


def find_session(db: Session, token: str | None) -> Login | None:
    if not token or len(token) > 200:
        return None
    row = db.scalar(select(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return Login(user_id=row.user_id, user_name=row.user.name, session_id=row.id, csrf_token=row.csrf_token)


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def same_token(expected: str | None, given: object) -> bool:
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


class LoginThrottle:
    """Failed logins per (client address, user name) and per client address, in a sliding window.

    Kept in memory: `scamscope serve` is one process. Keyed by address as well as name, so that
    nobody can lock a colleague out from elsewhere by typing wrong passwords for their name.
    """

    def __init__(self, per_user: int = 5, per_address: int = 30, window_s: float = 600.0) -> None:
        self.per_user, self.per_address, self.window_s = per_user, per_address, window_s
        self._fails: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._fails.get(key, []) if now - t < self.window_s]
        if times:
            self._fails[key] = times
        else:
            self._fails.pop(key, None)
        return times

    def wait_s(self, address: str, name: str) -> float:
        """Seconds until this address may try this name again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in (((address, name.lower()), self.per_user), ((address, ""), self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[-limit] + self.window_s - now)
            return max(waits, default=0.0)

    def failed(self, address: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._fails) > 10000:  # bounded memory under a flood of names
                self._fails.clear()
            for key in ((address, name.lower()), (address, "")):
                self._fails.setdefault(key, []).append(now)

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._fails.pop((address, name.lower()), None)
