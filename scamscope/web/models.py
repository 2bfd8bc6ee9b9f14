"""SQLAlchemy models of the desk web app.

Personal data of callers (name, contact) lives in :class:`Case` only. Scans hold what was scanned
(a URL, or uploaded bytes with their hash) but never a file name, which could name the caller.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from scamscope.web.db import utcnow

CHANNELS = ("phone", "visit", "email", "web")
CATEGORIES = ("fake_warning", "called", "remote_access", "paid")  # how far the caller got
STATUSES = ("open", "closed")
SCAN_KINDS = ("url", "html", "screenshot")
SCAN_STATES = ("queued", "running", "done", "error")
VERDICTS = ("scam", "suspicious", "benign")
INDICATOR_KINDS = ("phone", "domain")
ROLES = ("staff", "admin")  # admins also manage users, delete data, export and read the audit log


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: disabled, cannot log in
    role: Mapped[str] = mapped_column(String(16), default="staff", server_default="staff")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuthSession(Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Scan(Base):
    __tablename__ = "scans"
    __table_args__ = {"sqlite_autoincrement": True}  # ids of deleted rows are never reused (audit log)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # url | html | screenshot
    target: Mapped[str] = mapped_column(String(2048), default="")  # the URL scanned, or where an upload came from
    sha256: Mapped[str] = mapped_column(String(64), default="")  # of the uploaded bytes
    size: Mapped[int] = mapped_column(Integer, default=0)
    input_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))  # uploads: rescanned after a restart
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON, nullable=True))  # ScanResult.to_dict()
    ocr_text: Mapped[str | None] = deferred(mapped_column(Text, nullable=True))
    screenshot: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))  # live: the "after" shot
    screenshot_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # runs started (a resumed scan gives up after a few)

    cases: Mapped[list[Case]] = relationship(secondary="case_scans", back_populates="scans", order_by="Case.id")


class Indicator(Base):
    """A phone number (E.164) or registrable domain seen in scans."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_indicator_kind_value"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255), index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=0)  # scans it was seen in
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # phone flags seen (union)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)

    sightings: Mapped[list[Sighting]] = relationship(back_populates="indicator", cascade="all, delete-orphan")


class Sighting(Base):
    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("indicator_id", "scan_id", name="uq_sighting"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    indicator: Mapped[Indicator] = relationship(back_populates="sightings")
    scan: Mapped[Scan] = relationship()


class CaseScan(Base):
    __tablename__ = "case_scans"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True)


class Case(Base):
    """One consultation. The only table holding personal data (caller name and contact)."""

    __tablename__ = "cases"
    __table_args__ = {"sqlite_autoincrement": True}  # ids of deleted rows are never reused (audit log)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_on: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    caller_contact: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    scans: Mapped[list[Scan]] = relationship(secondary="case_scans", back_populates="cases", order_by="Scan.id")
    advice: Mapped[list[CaseAdvice]] = relationship(back_populates="case", cascade="all, delete-orphan", order_by="CaseAdvice.id")


class CaseAdvice(Base):
    """Advice given in a consultation: the answers and the checklist as it was shown."""

    __tablename__ = "case_advice"
    __table_args__ = {"sqlite_autoincrement": True}  # ids of deleted rows are never reused (audit log)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lang: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    advice: Mapped[dict[str, Any]] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="advice")


class AuditEntry(Base):
    """Who viewed, changed, exported or deleted what: append-only (database triggers refuse UPDATE
    and DELETE). The user's name is copied so that the trail survives a renamed or removed account."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # no FK: entries outlive users
    user_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(32))  # view | create | update | export | delete | purge | login | ...
    object_kind: Mapped[str] = mapped_column(String(32), default="")  # case | scan | indicators | user | audit
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")  # never personal data of callers
