"""Database engine, sessions and migrations (Alembic, run programmatically)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
# Connections are held only by threads running database work: at most the 40 of the request
# thread pool (anyio's default), the scan workers (16 at most) and the purge, so with 65 a
# checkout never waits for long. PostgreSQL's default max_connections is 100.
POOL: dict[str, Any] = {"pool_size": 5, "max_overflow": 60, "pool_timeout": 30}


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message is one line for the operator."""


def utcnow() -> datetime:
    """Naive UTC: stored the same way in SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the scan workers' writes
    cur.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise DatabaseError(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise DatabaseError("an in-memory SQLite database cannot be shared by the scan workers: give a file path")
        parent = Path(database).parent
        if not parent.is_dir():
            raise DatabaseError(f"folder {parent} does not exist")
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True, **POOL)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **POOL)
    except Exception as exc:  # a driver that is not installed
        raise DatabaseError(f"cannot use {parsed.get_backend_name()}: {exc}") from None


def error_summary(exc: BaseException) -> str | None:
    """One line naming a database error for the log, without the values involved; None for other errors.

    The engine hides bound parameters, but the server's own message can still quote them
    (PostgreSQL: "DETAIL: Failing row contains (...)"), so only the error class, SQLSTATE,
    table, constraint and the SQL text (placeholders, never values) are kept.
    """
    if not isinstance(exc, StatementError):
        return None
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    parts = [f"database error {type(orig).__name__ if orig is not None else type(exc).__name__}"]
    for label, value in (
        ("sqlstate", getattr(orig, "sqlstate", None)),
        ("table", getattr(diag, "table_name", None)),
        ("constraint", getattr(diag, "constraint_name", None)),
        ("column", getattr(diag, "column_name", None)),
    ):
        if value:
            parts.append(f"{label} {value}")
    statement = " ".join(str(exc.statement or "").split())[:300]
    if statement:
        parts.append(f"in: {statement}")
    return "; ".join(parts)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:  # tables are copied and replaced: with foreign keys on, the drop would cascade
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()  # ends SQLAlchemy's autobegun transaction; the pragma needs none open
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise DatabaseError("a migration left rows referring to missing rows (rolled back)")
            finally:
                if sqlite:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()
    except Exception as exc:
        raise DatabaseError(f"cannot open or migrate the database {engine.url.render_as_string(hide_password=True)}: {str(exc).splitlines()[0][:300]}") from None


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT version_num FROM alembic_version"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as db, db.begin():
        yield db
