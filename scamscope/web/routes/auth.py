"""Health check, home page, login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from scamscope.web.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    authenticate,
    end_session,
    new_token,
    same_token,
    start_session,
)
from scamscope.web.db import ping
from scamscope.web.deps import DB, CsrfForm, MaybeLogin, read_form
from scamscope.web.render import render

router = APIRouter()


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


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    next_path = safe_next(str(form.get("next") or "/"))
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD)):
        return _login_page(request, next_path, "The login form expired. Please try again.", 403)
    name, password = str(form.get("username") or "")[:200], str(form.get("password") or "")
    factory = request.app.state.db
    settings = request.app.state.settings
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    wait = throttle.wait_s(address, name)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return _login_page(request, next_path, f"Too many failed logins. Try again in {minutes} minute(s).", 429)

    old_token = request.cookies.get(SESSION_COOKIE)

    def check() -> str | None:
        with factory() as db, db.begin():
            user = authenticate(db, name, password) if name and password and len(password) <= 1024 else None
            if user is None:
                return None
            end_session(db, old_token)  # a new login never reuses an earlier session
            return start_session(db, user, settings.session_hours)

    token = await run_in_threadpool(check)  # Argon2 takes tens of milliseconds: off the event loop
    if token is None:
        throttle.failed(address, name)
        return _login_page(request, next_path, "Wrong user name or password.", 401)
    throttle.succeeded(address, name)
    resp = RedirectResponse(next_path if next_path != "/" else "/scans/new", status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies, max_age=int(settings.session_hours * 3600))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, form: CsrfForm, db: DB) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp
