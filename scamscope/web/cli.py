"""``scamscope serve`` and ``scamscope user``: the desk web app's commands (registered in :mod:`scamscope.cli`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from scamscope.web.config import DEFAULT_DB_FILE, MAX_QUEUED_SCANS, SCANS_PER_MINUTE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DB_HELP = f"Database: a SQLite file path (default {DEFAULT_DB_FILE} in the working directory) or a URL such as postgresql+psycopg://user:pw@host/db."

user_app = typer.Typer(help="Manage the desk web app's accounts (staff and admins).", no_args_is_help=True)


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


def _proxy_list(value: str) -> list[str]:
    """``--forwarded-allow-ips``: IP addresses or networks (``*``: any peer, only behind a proxy that is
    the sole way in); exits with a one-line error on anything else."""
    import ipaddress

    entries = [x.strip() for x in value.split(",") if x.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise _fail(f"--forwarded-allow-ips: {entry!r} is not an IP address or network") from None
    return entries


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Scans run at the same time in the background.")] = 2,
    budget: Annotated[float, typer.Option("--budget", min=2.0, max=300.0, help="URL scans: seconds a page may take in the browser.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="URL scans of loopback/private addresses (local test servers only).")] = False,
    tz: Annotated[str, typer.Option("--tz", help="Time zone for dates shown and months counted.")] = "Asia/Tokyo",
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (when served behind HTTPS).")] = False,
    forwarded_allow_ips: Annotated[
        str, typer.Option("--forwarded-allow-ips", help="Comma-separated addresses/networks of reverse proxies whose X-Forwarded-For/-Proto are believed (default: none; the client address is the peer's).")
    ] = "",
    max_queued: Annotated[int, typer.Option("--max-queued", min=1, max=100000, help="Scans waiting or running at most; further submissions get 503 with Retry-After.")] = MAX_QUEUED_SCANS,
    scans_per_minute: Annotated[int, typer.Option("--scans-per-minute", min=1, max=100000, help="Scan submissions per user per minute; more get 429 with Retry-After.")] = SCANS_PER_MINUTE,
    retain_days: Annotated[
        int | None, typer.Option("--retain-days", min=1, max=36500, help="Delete scans and closed cases older than this many days, at start and every hour (see 'scamscope purge').")
    ] = None,
    broker: Annotated[
        str | None, typer.Option("--broker", help="Run the desk's scans on the workers behind this broker (redis://HOST:6379/0; see 'scamscope worker') instead of in this process.")
    ] = None,
) -> None:
    """Run the consultation desk web app: scans, advice wizard, cases, indicators, trends.

    Staff log in with accounts made by 'scamscope user add'; the database is created or migrated at start.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    import uvicorn

    from scamscope.web.app import configure_logging, create_app
    from scamscope.web.config import Settings, db_url
    from scamscope.web.db import DatabaseError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"unknown time zone {tz!r}") from None
    proxies = _proxy_list(forwarded_allow_ips)
    if broker is not None:
        from scamscope.distributed.producer import broker_problem

        problem = broker_problem(broker)
        if problem is not None:
            raise _fail(problem)
    settings = Settings(db_url=db_url(db), scan_workers=workers, live_budget_s=budget, allow_private_urls=allow_private, timezone=tz, secure_cookies=secure_cookies)
    settings.max_queued_scans, settings.scans_per_minute, settings.retain_days = max_queued, scans_per_minute, retain_days
    settings.broker_url = broker
    configure_logging()
    try:
        app = create_app(settings)
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"scamscope desk on http://{host}:{port}/ (database {app.state.engine.url.render_as_string(hide_password=True)})", err=True)
    if proxies:
        typer.echo(f"forwarded headers believed from: {', '.join(proxies)}", err=True)
    # forwarded headers only from the listed proxies: uvicorn's own default trusts 127.0.0.1 (or
    # $FORWARDED_ALLOW_IPS), which would let anything on the machine pick its address
    # httptools (llhttp) parses requests, not h11: mitmproxy 11 (the live capture's egress guard, the
    # last release for Python 3.11) pins h11 0.14, whose chunked-body parsing allows request smuggling
    # (CVE-2025-43859)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None, http="httptools")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")] = False,
    role: Annotated[str | None, typer.Option("--role", help="admin or staff (default: admin for the desk's first account, when it has no active admin; staff otherwise).")] = None,
) -> None:
    """Create an account (asks for the password twice). Passwords: 12+ characters, not a common one."""
    from scamscope.web.auth import UserError, add_user, check_password, check_role, check_user_name
    from scamscope.web.db import transaction

    try:
        check_user_name(name)
        if role is not None:
            check_role(role)
        password = check_password(_read_password(password_stdin))
    except UserError as exc:
        raise _fail(str(exc)) from None
    _engine, factory = _open_db(db)
    try:
        with transaction(factory) as session:
            user = add_user(session, name, password, role)
            _audit(session, user.id, f"added {name} as {user.role}")
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"user {name} added ({user.role})")


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
            user = set_password(session, name, password)
            _audit(session, user.id, f"password of {name} changed")
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"password of {name} changed")


def _audit(session: Session, user_id: int, detail: str) -> None:
    """An audit entry for an account change made on the server's command line."""
    from scamscope.web.audit import record_as

    record_as(session, None, "command line", "user", "user", user_id, detail)


def _change_user(db: str | None, name: str, change: str) -> None:
    """``disable``, ``enable``, ``admin`` or ``staff`` for account ``name``; exits 2 with the reason if refused."""
    from scamscope.web.auth import UserError, find_user, set_active, set_role
    from scamscope.web.db import transaction

    _engine, factory = _open_db(db)
    try:
        with transaction(factory) as session:
            user = find_user(session, name)
            if change in ("disable", "enable"):
                changed = set_active(session, user, change == "enable")
                what = f"{name} {change}d" + (" (logged out everywhere)" if change == "disable" and changed else "")
            else:
                changed = set_role(session, user, change)
                what = f"{name} is {change}"
            if changed:
                _audit(session, user.id, what)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(what if changed else f"{what} already: nothing changed")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="User name.")], db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None) -> None:
    """Disable an account: it cannot log in, and its open logins stop working on their next request."""
    _change_user(db, name, "disable")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="User name.")], db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None) -> None:
    """Enable a disabled account again."""
    _change_user(db, name, "enable")


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help="admin or staff.")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
) -> None:
    """Make an account admin (manages users, deletes data, exports, reads the audit log) or staff."""
    from scamscope.web.auth import UserError, check_role

    try:
        check_role(role)
    except UserError as exc:
        raise _fail(str(exc)) from None
    _change_user(db, name, role)


@user_app.command("list")
def user_list(db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None) -> None:
    """List the accounts: name, role, state (active/disabled), creation date."""
    from sqlalchemy import select

    from scamscope.web.models import User

    _engine, factory = _open_db(db)
    with factory() as session:
        for user in session.scalars(select(User).order_by(User.name)):
            typer.echo(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.created_at:%Y-%m-%d}")


def purge_command(
    retain_days: Annotated[int, typer.Option("--retain-days", min=1, max=36500, help="Keep this many days; delete what is older.")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted.")] = False,
) -> None:
    """Delete the desk's scans and closed cases older than --retain-days (the audit log is kept).

    Scans linked to a case that is kept stay with it; indicators left without any scan are removed,
    the others recounted. Each purge is recorded in the audit log.
    """
    from scamscope.web.retention import purge_detail, run_purge

    engine, factory = _open_db(db)
    try:
        result = run_purge(factory, retain_days, dry_run=dry_run)
    except Exception as exc:  # a database that went away, a lock held too long: one line, no values
        from scamscope.web.db import error_summary

        raise _fail(f"purge failed: {error_summary(exc) or type(exc).__name__}") from None
    finally:
        engine.dispose()
    typer.echo(("dry run, nothing deleted: would be " if dry_run else "") + purge_detail(retain_days, result))
