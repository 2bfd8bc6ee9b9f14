"""Where exports, campaigns and report drafts read scans from: a JSON Lines file (``scamscope scan
--json``) or the desk's database (a SQLAlchemy URL). Both become :class:`ScanRecord`.

A JSON Lines record has no time of its own unless it carries ``scanned_at`` (ISO 8601); then the
file's modification time stands in, and the record says so (``time_source``). Lines that are not
JSON objects are counted in :attr:`Loaded.problems`, never fatal. The desk's database is opened
read-only in spirit: only SELECTs are run, and no migration.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

VERDICT_RANK = {"benign": 0, "suspicious": 1, "scam": 2}
MAX_LINE = 64 * 1024 * 1024


class SourceError(Exception):
    """The source cannot be read at all (one line)."""


@dataclass
class ScanRecord:
    """One scan, whichever source it came from."""

    id: str  # "jsonl:FILE:LINE" or "desk:SCAN_ID"
    input: str
    url: str | None  # where the page was (final URL for live scans, else the URL given)
    verdict: str | None
    score: float | None
    scanned_at: datetime  # UTC, naive
    time_source: str  # "record", "file mtime" or "desk"
    phones: list[dict[str, Any]] = field(default_factory=list)
    brands: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # every URL the scan went through: given, redirects, final
    downloads: list[dict[str, Any]] = field(default_factory=list)  # {"url", "name", "sha256", ...}
    screenshot_sha256: list[str] = field(default_factory=list)
    fingerprints: dict[str, Any] = field(default_factory=dict)  # kit fingerprints, when the scan has them
    cases: list[int] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # the result as stored

    def at_least(self, verdict: str) -> bool:
        return VERDICT_RANK.get(self.verdict or "", -1) >= VERDICT_RANK[verdict]

    @property
    def hosts(self) -> list[str]:
        out: list[str] = []
        for u in self.urls:
            try:
                host = (urlsplit(u).hostname or "").lower().rstrip(".")
            except ValueError:
                continue
            if host and host not in out:
                out.append(host)
        return out


@dataclass
class Loaded:
    records: list[ScanRecord]
    problems: list[str] = field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _urls(result: dict[str, Any], given: str | None) -> list[str]:
    live = _dict(result.get("live"))
    urls = [given or "", str(result.get("url") or "")]
    urls += [str(h.get("url", "")) if isinstance(h, dict) else str(h) for h in live.get("redirects") or []]
    urls.append(str(live.get("final_url") or ""))
    return [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))]


def record_from_result(rid: str, result: dict[str, Any], scanned_at: datetime, time_source: str, *, target: str | None = None, screenshots: list[str] | None = None, cases: list[int] | None = None) -> ScanRecord:
    """A :class:`ScanRecord` from a ``ScanResult.to_dict()`` (as ``scan --json`` prints it)."""
    live = _dict(result.get("live"))
    urls = _urls(result, target)
    shots = list(screenshots or [])
    for sha in _dict(live.get("screenshot_sha256")).values():
        if isinstance(sha, str) and sha not in shots:
            shots.append(sha)
    return ScanRecord(
        id=rid,
        input=str(result.get("input") or target or ""),
        url=str(live.get("final_url") or result.get("url") or target or "") or None,
        verdict=result.get("verdict") if result.get("verdict") in VERDICT_RANK else None,
        score=result.get("score") if isinstance(result.get("score"), (int, float)) else None,
        scanned_at=scanned_at,
        time_source=time_source,
        phones=[p for p in result.get("phones") or [] if isinstance(p, dict)],
        brands=[b for b in result.get("brands") or [] if isinstance(b, dict)],
        evidence=[e for e in result.get("evidence") or [] if isinstance(e, dict)],
        urls=urls,
        downloads=[d for d in live.get("downloads") or [] if isinstance(d, dict)],
        screenshot_sha256=shots,
        fingerprints=_dict(result.get("fingerprints")),
        cases=list(cases or []),
        raw=result,
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def load_jsonl(path: str | os.PathLike[str]) -> Loaded:
    p = Path(path)
    try:
        mtime = datetime.fromtimestamp(p.stat().st_mtime, UTC).replace(tzinfo=None)
        fh = p.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    out = Loaded([])
    with fh:
        for n, raw in enumerate(fh, 1):
            if len(raw) > MAX_LINE:
                out.problems.append(f"{path}:{n}: line too long, skipped")
                continue
            line = raw.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                out.problems.append(f"{path}:{n}: not JSON, skipped")
                continue
            if not isinstance(obj, dict):
                out.problems.append(f"{path}:{n}: not a JSON object, skipped")
                continue
            when = _parse_time(obj.get("scanned_at"))
            out.records.append(record_from_result(f"jsonl:{p.name}:{n}", obj, when or mtime, "record" if when else "file mtime"))
    return out


def records_from_session(db: Any) -> list[ScanRecord]:
    """Every finished scan of the desk, from an open SQLAlchemy session (the desk's own, or one of
    :func:`load_desk`)."""
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from scamscope.web.models import CaseScan, Scan

    cases: dict[int, list[int]] = {}
    for scan_id, case_id in db.execute(select(CaseScan.scan_id, CaseScan.case_id)):
        cases.setdefault(scan_id, []).append(case_id)
    out: list[ScanRecord] = []
    query = select(Scan).where(Scan.status == "done").options(undefer(Scan.result), undefer(Scan.screenshot)).order_by(Scan.id)
    for scan in db.scalars(query):
        result = scan.result if isinstance(scan.result, dict) else {}
        shots = [hashlib.sha256(scan.screenshot).hexdigest()] if scan.screenshot else []
        out.append(record_from_result(f"desk:{scan.id}", result, scan.finished_at or scan.created_at, "desk", target=scan.target or None, screenshots=shots, cases=sorted(cases.get(scan.id, []))))
    return out


def load_desk(url: str) -> Loaded:
    """Every finished scan in the desk's database."""
    from sqlalchemy.exc import SQLAlchemyError

    from scamscope.web.db import DatabaseError, make_engine, session_factory

    try:
        engine = make_engine(url)
    except DatabaseError as exc:
        raise SourceError(str(exc)) from None
    try:
        with session_factory(engine)() as db:
            return Loaded(records_from_session(db))
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot read the desk database: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        engine.dispose()


def is_database_url(source: str) -> bool:
    return "://" in source and source.split("://", 1)[0].split("+", 1)[0] in ("sqlite", "postgresql", "postgres")


def load(source: str) -> Loaded:
    """Scans from ``source``: a database URL (the desk's) or a JSON Lines file."""
    return load_desk(source) if is_database_url(source) else load_jsonl(source)


def select_records(records: list[ScanRecord], *, since: datetime | None = None, min_verdict: str = "scam") -> Iterator[ScanRecord]:
    """Records at or above ``min_verdict`` (``scam`` or ``suspicious``), scanned at or after ``since``."""
    for r in records:
        if r.at_least(min_verdict) and (since is None or r.scanned_at >= since):
            yield r
