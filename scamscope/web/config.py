"""Settings of the desk web app (``scamscope serve``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_FILE = "scamscope-desk.sqlite3"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_QUEUED_SCANS = 50  # scans queued or running; beyond: 503 (two workers get through ~10 URL scans a minute)
SCANS_PER_MINUTE = 20  # per user; beyond: 429
PURGE_INTERVAL_S = 3600.0  # with --retain-days: purge at start, then this often


def db_url(value: str | None = None) -> str:
    """An SQLAlchemy URL from ``--db``: a URL (``postgresql+psycopg://...``) as is, else a SQLite file path."""
    value = value or DEFAULT_DB_FILE
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


@dataclass
class Settings:
    db_url: str = field(default_factory=db_url)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    scan_workers: int = 2  # background threads running scans
    allow_private_urls: bool = False  # URL scans of loopback/private hosts (local test servers only)
    live_budget_s: float = 15.0  # per URL scan, as `scamscope scan --budget`
    ocr: str = "auto"  # as `scamscope scan --ocr`
    session_hours: float = 12.0  # a login lasts this long
    secure_cookies: bool = False  # set behind HTTPS
    password_checks: int = 2  # Argon2 verifications (64 MiB each) at once; more login attempts get "busy"
    timezone: str = "Asia/Tokyo"  # dates shown and months counted in this zone
    max_queued_scans: int = MAX_QUEUED_SCANS  # submissions beyond get 503 + Retry-After
    scans_per_minute: int = SCANS_PER_MINUTE  # per user, moving window; beyond get 429 + Retry-After
    retain_days: int | None = None  # None: keep everything; else purge older scans and closed cases
    broker_url: str | None = None  # run scans on the workers behind this broker (scamscope worker); None: in-process
    purge_interval_s: float = PURGE_INTERVAL_S
