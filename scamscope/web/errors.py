"""Error pages: clear messages, never a stack trace."""

from __future__ import annotations

import logging
import secrets
import traceback
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from scamscope.web.db import error_summary
from scamscope.web.i18n import N_, gettext
from scamscope.web.i18n import gettext as _
from scamscope.web.middleware import BodyTooLarge

log = logging.getLogger("scamscope.web")

TITLES = {
    400: N_("Bad request"),
    401: N_("Login required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    413: N_("Upload too large"),
    429: N_("Too many attempts"),
    500: N_("Server error"),
    503: N_("Unavailable"),
}


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


class UserError(Exception):
    """Bad input; ``message`` is shown as is."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.url.path == "/healthz" or "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status_code: int, message: str, title: str | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status_code)
    from scamscope.web.render import render

    return render(request, "error.html", {"status_code": status_code, "title": title or gettext(TITLES.get(status_code, N_("Error"))), "message": message}, status_code)


def login_redirect(request: Request) -> Response:
    if wants_json(request):
        return JSONResponse({"error": _("login required")}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "") if request.method == "GET" else "/"
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


async def crash_page(request: Request, exc: Exception) -> Response:
    """The 500 page of an unexpected error, logged once with a reference (used by
    :class:`~scamscope.web.middleware.ContainErrors`, so the error never reaches uvicorn's own log)."""
    ref = secrets.token_hex(4)
    summary = error_summary(exc)
    if summary is None:
        log.error("unhandled error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
    else:  # never the values of a database error (a caller's name, notes): its kind and where it was raised
        where = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
        log.error("unhandled error %s on %s %s: %s\n%s", ref, request.method, request.url.path, summary, where)
    return error_page(request, 500, _("Something went wrong on the server. The error was logged with reference %(ref)s.") % {"ref": ref})


def install(app: FastAPI, max_upload: int) -> None:
    mb = max_upload / (1024 * 1024)

    async def on_login(request: Request, _exc: Exception) -> Response:
        return login_redirect(request)

    async def on_csrf(request: Request, _exc: Exception) -> Response:
        return error_page(request, 403, _("The form's security token is missing or out of date. Go back, reload the page and send the form again."), _("Form expired"))

    async def on_user_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UserError)
        return error_page(request, exc.status_code, exc.message)

    async def on_too_large(request: Request, _exc: Exception) -> Response:
        return error_page(request, 413, _("The upload is too large: files up to %(mb)s MB can be scanned. Save only the page (HTML) or a screenshot, or crop the image.") % {"mb": f"{mb:g}"})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {404: N_("There is no such page."), 405: N_("This address does not accept that kind of request.")}
        message = gettext(messages[exc.status_code]) if exc.status_code in messages else str(exc.detail)
        return error_page(request, exc.status_code, message)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if exc.errors() and all(tuple(err.get("loc", ()))[:1] == ("path",) for err in exc.errors()):
            return error_page(request, 404, _("There is no such page."))  # /scans/abc: no such object, like /scans/99999999999
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
        return error_page(request, 400, _("Invalid input: %(problems)s") % {"problems": "; ".join(parts)})

    app.add_exception_handler(LoginRequired, on_login)
    app.add_exception_handler(CsrfFailed, on_csrf)
    app.add_exception_handler(UserError, on_user_error)
    app.add_exception_handler(BodyTooLarge, on_too_large)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, crash_page)
