"""Formatting helpers shared by the findings, the story and the reports: times (UTC and the PC's local
time), durations, ISO strings. No triage logic here, so any module may import it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

UNKNOWN_TIME = "unknown time"


def iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def fmt(ts: datetime | None) -> str:
    """``2024-03-05 14:02:11 UTC`` (the form every finding's text uses)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else UNKNOWN_TIME


def zone_name(tz: tzinfo | None, ts: datetime | None = None) -> str:
    """Short name of ``tz`` at ``ts`` (``JST``, ``PDT``), or its UTC offset when it has no name."""
    if tz is None:
        return ""
    at = (ts or datetime.now(UTC)).astimezone(tz)
    name = at.tzname() or ""
    if not name or name.startswith(("UTC+", "UTC-")) and len(name) > 6:
        off = at.utcoffset()
        if off is None:
            return name
        minutes = int(off.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return name


def local(ts: datetime | None, tz: tzinfo | None) -> str:
    """The local time of ``ts`` in ``tz``: ``23:02:11 JST``, with the date when it is another day than in UTC."""
    if ts is None or tz is None:
        return ""
    u, loc = ts.astimezone(UTC), ts.astimezone(tz)
    shape = "%H:%M:%S" if loc.date() == u.date() else "%Y-%m-%d %H:%M:%S"
    return f"{loc.strftime(shape)} {zone_name(tz, ts)}"


def both(ts: datetime | None, tz: tzinfo | None) -> str:
    """``2024-03-05 14:02:11 UTC (23:02:11 JST)``; UTC only when the zone is unknown (the report says so once)."""
    if ts is None:
        return UNKNOWN_TIME
    loc = local(ts, tz)
    return f"{fmt(ts)} ({loc})" if loc else fmt(ts)


def minutes(seconds: float | None) -> str:
    """A session length: ``12 min``, or ``end not logged``."""
    return "end not logged" if seconds is None else f"{seconds / 60:.0f} min"


# The PC's zone for the texts of findings, story and leak scope (set by the pipeline around their
# making, so that every sentence that states a time states it in UTC and local time).
_ZONE: ContextVar[tzinfo | None] = ContextVar("triage_local_zone", default=None)


@contextmanager
def local_zone(tz: tzinfo | None) -> Iterator[None]:
    token = _ZONE.set(tz)
    try:
        yield
    finally:
        _ZONE.reset(token)


def when(ts: datetime | None) -> str:
    """:func:`both` in the zone set with :func:`local_zone` (UTC only outside it)."""
    return both(ts, _ZONE.get())
