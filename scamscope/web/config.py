"""Settings of the desk web app (``scamscope serve``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_FILE = "scamscope-desk.sqlite3"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


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
    timezone: str = "Asia/Tokyo"  # dates shown and months counted in this zone
