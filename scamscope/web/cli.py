"""``scamscope serve`` and ``scamscope user``: the desk web app's commands (registered in :mod:`scamscope.cli`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from scamscope.web.config import DEFAULT_DB_FILE

DB_HELP = f"Database: a SQLite file path (default {DEFAULT_DB_FILE} in the working directory) or a URL such as postgresql+psycopg://user:pw@host/db."

user_app = typer.Typer(help="Manage the desk web app's staff accounts.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _open_db(db: str | None):  # type: ignore[no-untyped-def]
    """Engine and session factory of a migrated database; exits with a one-line error when it cannot."""
    from scamscope.web.config import db_url
    from scamscope.web.db import DatabaseError, make_engine, migrate, session_factory

    try:
        engine = make_engine(db_url(db))
        migrate(engine)
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    return engine, session_factory(engine)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise _fail("no password on standard input")
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Scans run at the same time in the background.")] = 2,
    budget: Annotated[float, typer.Option("--budget", min=2.0, max=300.0, help="URL scans: seconds a page may take in the browser.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="URL scans of loopback/private addresses (local test servers only).")] = False,
    tz: Annotated[str, typer.Option("--tz", help="Time zone for dates shown and months counted.")] = "Asia/Tokyo",
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (when served behind HTTPS).")] = False,
) -> None:
    """Run the consultation desk web app: scans, advice wizard, cases, indicators, trends.

    Staff log in with accounts made by 'scamscope user add'; the database is created or migrated at start.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    import uvicorn

    from scamscope.web.app import create_app
    from scamscope.web.config import Settings, db_url
    from scamscope.web.db import DatabaseError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"unknown time zone {tz!r}") from None
    settings = Settings(db_url=db_url(db), scan_workers=workers, live_budget_s=budget, allow_private_urls=allow_private, timezone=tz, secure_cookies=secure_cookies)
    try:
        app = create_app(settings)
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"scamscope desk on http://{host}:{port}/ (database {app.state.engine.url.render_as_string(hide_password=True)})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")] = False,
) -> None:
    """Create a staff account (asks for the password twice)."""
    from scamscope.web.auth import UserError, add_user, check_password, check_user_name
    from scamscope.web.db import transaction

    try:
        check_user_name(name)
        password = check_password(_read_password(password_stdin))
    except UserError as exc:
        raise _fail(str(exc)) from None
    _engine, factory = _open_db(db)
    try:
        with transaction(factory) as session:
            add_user(session, name, password)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"user {name} added")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")] = False,
) -> None:
    """Set a new password (logs the user out everywhere)."""
    from scamscope.web.auth import UserError, check_password, set_password
    from scamscope.web.db import transaction

    try:
        password = check_password(_read_password(password_stdin))
    except UserError as exc:
        raise _fail(str(exc)) from None
    _engine, factory = _open_db(db)
    try:
        with transaction(factory) as session:
            set_password(session, name, password)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"password of {name} changed")


@user_app.command("list")
def user_list(db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None) -> None:
    """List the staff accounts."""
    from sqlalchemy import select

    from scamscope.web.models import User

    _engine, factory = _open_db(db)
    with factory() as session:
        for user in session.scalars(select(User).order_by(User.name)):
            typer.echo(f"{user.name}\t{'active' if user.active else 'disabled'}\t{user.created_at:%Y-%m-%d}")
