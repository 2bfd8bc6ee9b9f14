"""Users, logins and CSRF tokens.

Passwords are hashed with Argon2id (``argon2-cffi``). A login is a row in ``auth_sessions``: the
browser's cookie holds a random token and the table only its SHA-256, so a copy of the database
does not let anyone log in. Each login has its own CSRF token, sent back in every POSTed form.
The login form itself (no session yet) uses a double-submit cookie.

Accounts are ``staff`` or ``admin`` (admins also manage users, delete data, export and read the
audit log); a disabled account cannot log in and its logins stop working at once. The throttle of
login attempts is in :mod:`scamscope.web.login_throttle`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scamscope.web.db import utcnow
from scamscope.web.models import ROLES, AuthSession, User

SESSION_COOKIE = "scamscope_session"
LOGIN_CSRF_COOKIE = "scamscope_login_csrf"
CSRF_FIELD = "csrf_token"
USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MIN_STRENGTH = 2  # zxcvbn score 0-4: below 2 is "too guessable" (repeats, keyboard runs, a word and digits)

log = logging.getLogger("scamscope.web.auth")
_hasher = PasswordHasher()
# verified against when the user does not exist, so that both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, lower-cased.

    Provenance: the ``passwords`` frequency list shipped in the ``zxcvbn`` package (PyPI ``zxcvbn``
    4.x, the Python port of Dropbox's zxcvbn, MIT licence). Upstream zxcvbn made it (its data
    scripts, ``count_xato``) from the 10 million passwords Mark Burnett published via xato.net in
    2015, most frequent first.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


class UserError(ValueError):
    """A user name or password was refused; the message is one line for the operator."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_user_name(name: str) -> str:
    if not USER_NAME.match(name):
        raise UserError("user names are 1-80 characters: letters, digits, '.', '_', '@', '-'")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"the role must be one of: {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """At least 12 characters, not a common password, not trivially guessable (zxcvbn)."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password may have at most {MAX_PASSWORD} characters")
    if password.strip().lower() in common_passwords():
        raise UserError("this password is on a list of the most common passwords: choose another")
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]

    if zxcvbn(password[:100])["score"] < MIN_STRENGTH:  # its cost grows with the length: 100 characters say enough
        raise UserError("this password is too easy to guess (repeated or common words, keyboard runs, dates): choose a longer passphrase")
    return password


def find_user(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"no user {name!r}")
    return user


def active_admins(db: Session) -> int:
    """Active admins, their rows locked until the transaction ends (PostgreSQL), so that two admins
    disabling each other at the same moment cannot leave the desk without one."""
    return len(db.scalars(select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()).all())


def add_user(db: Session, name: str, password: str, role: str | None = None) -> User:
    """Create an account. ``role`` None: admin when the desk has no active admin yet (the first
    account), staff otherwise."""
    check_user_name(name)
    check_password(password)
    if role is None:
        role = "staff" if active_admins(db) else "admin"
    check_role(role)
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise UserError(f"user {name!r} exists already (use 'scamscope user passwd {name}' to change the password)")
    user = User(name=name, password_hash=hash_password(password), active=True, role=role)
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, name: str, password: str) -> User:
    check_password(password)
    user = find_user(db, name)
    user.password_hash = hash_password(password)
    end_all_sessions(db, user)  # log out everywhere
    return user


def end_all_sessions(db: Session, user: User) -> None:
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


def _keep_an_admin(db: Session, user: User) -> None:
    """Called after a change that may remove an admin, before the commit: written first, then
    counted, so that two admins removing each other at the same moment cannot both succeed (the
    second one's count waits for, and sees, the first one's change)."""
    db.flush()
    if active_admins(db) == 0:
        raise UserError(f"{user.name} is the last active admin: make another account admin first, so that the desk keeps one")


def set_active(db: Session, user: User, active: bool) -> bool:
    """Disable (logged out everywhere at once) or enable an account; returns whether it changed.
    A refusal (UserError) leaves changes in the session: the caller rolls back."""
    if user.active == active:
        return False
    user.active = active
    if not active:
        end_all_sessions(db, user)
        _keep_an_admin(db, user)
    return True


def set_role(db: Session, user: User, role: str) -> bool:
    """Make an account admin or staff; returns whether it changed. Takes effect on the next request.
    A refusal (UserError) leaves changes in the session: the caller rolls back."""
    check_role(role)
    if user.role == role:
        return False
    user.role = role
    if role != "admin":
        _keep_an_admin(db, user)
    return True


@dataclass(frozen=True)
class StoredPassword:
    """What a login needs from the users table, read in a short session of its own."""

    user_id: int | None  # None: no such (active) account
    password_hash: str


def stored_password(db: Session, name: str) -> StoredPassword:
    row = db.execute(select(User.id, User.password_hash).where(User.name == name, User.active.is_(True))).first()
    if row is None:
        return StoredPassword(None, _DUMMY_HASH)
    return StoredPassword(row.id, row.password_hash)


def verify_password(stored: StoredPassword, password: str) -> bool:
    """Argon2id verification (tens of milliseconds and 64 MiB): call it with no database session
    open, and under :class:`scamscope.web.login_throttle.PasswordChecks`. Logs one line per check."""
    log.info("password check for account id %s", stored.user_id if stored.user_id is not None else "-")
    try:
        _hasher.verify(stored.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored.user_id is not None


def user_for_login(db: Session, stored: StoredPassword, password: str) -> User | None:
    """The account a verified password opens, re-read (it may have been disabled meanwhile);
    the hash is upgraded when Argon2's parameters changed."""
    user = db.get(User, stored.user_id) if stored.user_id is not None else None
    if user is None or not user.active or user.password_hash != stored.password_hash:
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
    role: str = "staff"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


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
    return Login(user_id=row.user_id, user_name=row.user.name, session_id=row.id, csrf_token=row.csrf_token, role=row.user.role)


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def same_token(expected: str | None, given: object) -> bool:
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)
