"""Request dependencies: database session, login, CSRF-checked forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from scamscope.web.auth import CSRF_FIELD, SESSION_COOKIE, Login, find_session, same_token
from scamscope.web.errors import CsrfFailed, LoginRequired

MAX_FORM_FIELDS = 80
MAX_FIELD_BYTES = 256 * 1024  # a text field (notes); files are limited by the body limit


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.db() as db:
        yield db


def current_login(request: Request, db: Annotated[Session, Depends(get_db)]) -> Login | None:
    login = find_session(db, request.cookies.get(SESSION_COOKIE))
    request.state.login = login
    return login


def require_login(login: Annotated[Login | None, Depends(current_login)]) -> Login:
    if login is None:
        raise LoginRequired()
    return login


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=3, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)


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
CsrfForm = Annotated[FormData, Depends(csrf_form)]
