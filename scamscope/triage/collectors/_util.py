"""Small helpers shared by the software, execution and browser collectors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scamscope.triage.matching import Match
from scamscope.triage.types import Collected, Event, Problem, Ref, Software

_USERS_DIR = re.compile(r"^(?:[a-z]:|\\volume\{[^}]*\})?[\\/]+(?:users|documents and settings)[\\/]+([^\\/]+)[\\/]", re.I)


def display_path(path: Any) -> str:
    """``sysvol/Users/a/x`` or ``c:/Users/a/x`` (dissect paths) -> ``C:/Users/a/x`` for reports."""
    s = str(path).replace("\\", "/")
    low = s.lower()
    for prefix in ("sysvol/", "/sysvol/", "c:/", "/c:/"):
        if low.startswith(prefix):
            return "C:/" + s[len(prefix) :]
    return s


def user_of_path(path: str | None) -> str | None:
    """The profile name in ``C:\\Users\\<name>\\...``, if the path is under a profile folder."""
    if not path:
        return None
    m = _USERS_DIR.match(path)
    if not m or m.group(1).lower() in ("public", "default", "all users", "default user"):
        return None
    return m.group(1)


def aware(ts: Any) -> datetime | None:
    """A timezone-aware UTC datetime, or None for missing / zero / unparseable values."""
    if not isinstance(ts, datetime):
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    if ts.year < 1980:  # FILETIME 0 / 1601 and WebKit 0 mean "not set"
        return None
    return ts.astimezone(UTC)


def text(value: Any, limit: int = 2000) -> str | None:
    """A registry / event value as a trimmed string (None when empty)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-16-le", "replace") if len(value) % 2 == 0 else value.decode("latin-1")
    s = str(value).replace("\x00", "").strip()
    return s[:limit] or None


def apply_match(sw: Software, match: Match | None) -> Software:
    if match is not None:
        sw.match, sw.category = match.key, match.category
    return sw


def software_event(sw: Software, ts: datetime, kind: str, desc: str, message: str, **fields: Any) -> Event:
    """The timeline event of a :class:`Software` record; tagged with its match (``remote_tool`` / ``fake_security``)."""
    data: dict[str, Any] = {"evidence": sw.evidence, "name": sw.name}
    for key in ("version", "publisher", "path"):
        if getattr(sw, key):
            data[key] = getattr(sw, key)
    data.update({k: v for k, v in fields.items() if v not in (None, "", [])})
    tags: list[str] = []
    if sw.category:
        tags.append(sw.category)
        data["match"] = sw.match
    return Event(
        ts=ts,
        kind=kind,
        message=message,
        timestamp_desc=desc,
        ref=Ref(sw.ref.source, sw.ref.path, sw.ref.line),
        tool=sw.match,
        user=sw.user,
        fields=data,
        tags=tags,
    )


def child(path: Any, *names: str) -> Any:
    """``path/names...`` matched case-insensitively; None when absent."""
    for name in names:
        try:
            if not path.is_dir():
                return None
            direct = path.joinpath(name)
            if direct.exists():
                path = direct
                continue
            path = next((p for p in path.iterdir() if p.name.lower() == name.lower()), None)
        except Exception:
            return None
        if path is None:
            return None
    return path


def guarded(out: Collected, source: str, part: Callable[..., None], *args: Any) -> None:
    """Run one part of a collector; an unexpected error becomes a problem and the other parts still run."""
    try:
        part(*args)
    except (Exception, RecursionError) as exc:
        from scamscope.triage.remote.common import reason

        out.problems.append(Problem(source, f"stopped by an unexpected error: {reason(exc)}", severity="error"))
