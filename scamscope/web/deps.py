"""Request dependencies: database session, login, CSRF-checked forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from scamscope.web.auth import CSRF_FIELD, SESSION_COOKIE, Login, find_session, same_token
from scamscope.web.errors import CsrfFailed, LoginRequired, UserError
from scamscope.web.i18n import gettext as _

MAX_FORM_FIELDS = 80
MAX_FIELD_BYTES = 256 * 1024  # a text field (notes); files are limited by the body limit
MAX_ID = 2**31 - 1  # row ids are 32-bit INTEGER on PostgreSQL; larger ids exist nowhere
Row = TypeVar("Row")


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session. Opened and closed on the event loop, not in a worker thread: a
    request waiting for a free thread must not hold a pooled connection (under a burst of
    requests, that starved the pool until requests failed)."""
    with request.app.state.db() as db:
        yield db


def current_login(request: Request, db: Annotated[Session, Depends(get_db)]) -> Login | None:
    login = find_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()  # give the connection back until the route itself needs one (it runs in another thread)
    request.state.login = login
    return login


def require_login(login: Annotated[Login | None, Depends(current_login)]) -> Login:
    if login is None:
        raise LoginRequired()
    return login


def require_admin(login: Annotated[Login, Depends(require_login)]) -> Login:
    if not login.is_admin:
        raise UserError(_("Only an administrator may do this."), 403)
    return login


async def read_form(request: Request) -> FormData:
    """The request's form, NUL characters removed from every text field (PostgreSQL refuses them in text)."""
    form = await request.form(max_files=3, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)
    return FormData([(k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v) for k, v in form.multi_items()])


def parse_id(raw: object) -> int | None:
    """A row id from a URL, query or form: an int from 1 to MAX_ID, else None (callers answer 404)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip() if raw is not None else ""
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            return None
        value = int(text)
    return value if 1 <= value <= MAX_ID else None


def get_row(db: Session, model: type[Row], raw_id: object) -> Row | None:
    """The row of ``model`` with this id, or None when there is none or the id is out of range."""
    row_id = parse_id(raw_id)
    return None if row_id is None else db.get(model, row_id)


async def csrf_form(request: Request, login: Annotated[Login, Depends(require_login)]) -> FormData:
    """The POSTed form, after checking its CSRF token against the login's."""
    form = await read_form(request)
    if not same_token(login.csrf_token, form.get(CSRF_FIELD)):
        raise CsrfFailed()
    return form


# route parameter types
DB = Annotated[Session, Depends(get_db)]
MaybeLogin = Annotated[Login | None, Depends(current_login)]
Staff = Annotated[Login, Depends(require_login)]
Admin = Annotated[Login, Depends(require_admin)]
CsrfForm = Annotated[FormData, Depends(csrf_form)]
