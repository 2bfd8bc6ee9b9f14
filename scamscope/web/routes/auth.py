"""Health check, home page, login and logout."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from scamscope.web import audit
from scamscope.web.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    MAX_PASSWORD,
    SESSION_COOKIE,
    StoredPassword,
    end_session,
    find_session,
    new_token,
    same_token,
    start_session,
    stored_password,
    user_for_login,
    verify_password,
)
from scamscope.web.db import ping
from scamscope.web.deps import DB, CsrfForm, MaybeLogin, read_form
from scamscope.web.i18n import gettext as _
from scamscope.web.i18n import ngettext
from scamscope.web.login_throttle import DEVICE_COOKIE, LoginThrottle, PasswordChecks
from scamscope.web.render import render

router = APIRouter()
log = logging.getLogger("scamscope.web.auth")
DEVICE_COOKIE_DAYS = 90  # a browser that logged in keeps its own login back-off this long


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//' or '\\' tricks)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\\"):
        return "/"
    return target


@router.get("/healthz")
def healthz(request: Request) -> Response:
    try:
        ping(request.app.state.engine)
    except Exception as exc:
        return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/")
def home(request: Request, login: MaybeLogin) -> Response:
    return render(request, "home.html")


def _login_page(request: Request, next_path: str, error: str = "", status_code: int = 200) -> Response:
    token = new_token()
    resp = render(request, "login.html", {"login_csrf": token, "next": next_path, "error": error}, status_code)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.settings.secure_cookies, path="/login")
    return resp


@router.get("/login")
def login_form(request: Request, login: MaybeLogin, next: str = "/") -> Response:
    if login is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


def _too_many(request: Request, next_path: str, wait_s: float) -> Response:
    wait = max(1, round(wait_s))
    if wait < 90:
        message = ngettext("Too many failed logins. Try again in %(num)d second.", "Too many failed logins. Try again in %(num)d seconds.", wait) % {"num": wait}
    else:
        minutes = round(wait / 60)
        message = ngettext("Too many failed logins. Try again in %(num)d minute.", "Too many failed logins. Try again in %(num)d minutes.", minutes) % {"num": minutes}
    resp = _login_page(request, next_path, message, 429)
    resp.headers["Retry-After"] = str(wait)
    return resp


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """Check a password without holding a database connection: read the hash in one short session,
    verify it (bounded Argon2 checks, the attempt reserved first), start the login in another."""
    form = await read_form(request)
    next_path = safe_next(str(form.get("next") or "/"))
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD)):
        return _login_page(request, next_path, _("The login form expired. Please try again."), 403)
    name, password = str(form.get("username") or "")[:200], str(form.get("password") or "")
    if not name or not password or len(password) > MAX_PASSWORD:
        return _login_page(request, next_path, _("Wrong user name or password."), 401)
    factory = request.app.state.db
    settings = request.app.state.settings
    throttle: LoginThrottle = request.app.state.login_throttle
    checks: PasswordChecks = request.app.state.password_checks
    address = request.client.host if request.client else ""  # as uvicorn resolved it (--forwarded-allow-ips)

    device = request.cookies.get(DEVICE_COOKIE)
    wait = throttle.wait_s(address, name, device)
    if wait > 0:  # refused without checking the password; pages rendered off the event loop under a flood
        return await run_in_threadpool(_too_many, request, next_path, wait)
    if not checks.try_acquire():
        log.warning("login attempt for %r from %s refused: all %d password checks busy", name[:80], address, checks.limit)
        resp = await run_in_threadpool(_login_page, request, next_path, _("The desk is busy checking other logins. Please try again in a few seconds."), 503)
        resp.headers["Retry-After"] = "2"
        return resp
    try:
        reservation = throttle.reserve(address, name, device)  # atomic: concurrent attempts cannot all pass
        if reservation.wait_s == 0:

            def look_up() -> StoredPassword:
                with factory() as db:
                    return stored_password(db, name)

            stored = await run_in_threadpool(look_up)
            ok = await run_in_threadpool(verify_password, stored, password)  # Argon2: off the event loop, no session open
    finally:
        checks.release()
    if reservation.wait_s > 0:
        return await run_in_threadpool(_too_many, request, next_path, reservation.wait_s)

    old_token = request.cookies.get(SESSION_COOKIE)

    def finish() -> str | None:
        with factory() as db, db.begin():
            user = user_for_login(db, stored, password) if ok else None
            if user is None:
                audit.record_as(db, stored.user_id, name[:80], "login_failed", "user", stored.user_id, f"from {address}")
                return None
            end_session(db, old_token)  # a new login never reuses an earlier session
            token = start_session(db, user, settings.session_hours)
            audit.record_as(db, user.id, user.name, "login", "user", user.id, f"from {address}")
            return token

    token = await run_in_threadpool(finish)
    if token is None:
        throttle.failed(reservation)
        return _login_page(request, next_path, _("Wrong user name or password."), 401)
    throttle.succeeded(reservation)
    resp = RedirectResponse(next_path if next_path != "/" else "/scans/new", status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies, max_age=int(settings.session_hours * 3600))
    resp.set_cookie(DEVICE_COOKIE, throttle.device_cookie(name), httponly=True, samesite="strict", secure=settings.secure_cookies, path="/login", max_age=DEVICE_COOKIE_DAYS * 86400)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, form: CsrfForm, db: DB) -> Response:
    login = find_session(db, request.cookies.get(SESSION_COOKIE))
    if login is not None:
        audit.record(db, login, "logout", "user", login.user_id)
    end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp
