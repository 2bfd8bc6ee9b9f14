"""Indicators: phone numbers (E.164) and registrable domains seen in scans."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from scamscope.signals.brands import registrable_domain
from scamscope.web.db import utcnow
from scamscope.web.models import Indicator, Scan, Sighting

_lock = threading.Lock()  # two scan workers must not both insert the same new indicator


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def domains_of(scan: Scan, result: dict[str, Any]) -> list[str]:
    """Registrable domains of the page: the URL scanned (or given for an upload), where it ended
    up, and every hop of its redirect chain."""
    urls = [scan.target, result.get("url") or ""]
    live = result.get("live") or {}
    urls.append(live.get("final_url") or "")
    urls += [hop.get("url", "") for hop in live.get("redirects") or [] if isinstance(hop, dict)]
    out: list[str] = []
    for u in urls:
        host = _host(u) if u else ""
        dom = registrable_domain(host) if host else ""
        if dom and dom not in out:
            out.append(dom[:255])
    return out


def phones_of(result: dict[str, Any]) -> dict[str, tuple[set[str], str | None]]:
    """E.164 number -> (flags, region) for every parsed number in the result."""
    out: dict[str, tuple[set[str], str | None]] = {}
    for p in result.get("phones") or []:
        e164 = p.get("e164")
        if not e164:
            continue
        flags, region = out.setdefault(e164, (set(), p.get("region")))
        flags.update(p.get("flags") or [])
    return out


def _upsert(db: Session, scan: Scan, kind: str, value: str, flags: Iterable[str] = (), region: str | None = None) -> None:
    now = utcnow()
    ind = db.scalar(select(Indicator).where(Indicator.kind == kind, Indicator.value == value))
    if ind is None:
        ind = Indicator(kind=kind, value=value, first_seen=now, last_seen=now, count=0, flags=[], region=region)
        db.add(ind)
        db.flush()
    merged = sorted(set(ind.flags or []) | set(flags))
    if merged != list(ind.flags or []):
        ind.flags = merged
    if region and not ind.region:
        ind.region = region
    if db.scalar(select(Sighting.id).where(Sighting.indicator_id == ind.id, Sighting.scan_id == scan.id)) is None:
        db.add(Sighting(indicator_id=ind.id, scan_id=scan.id, seen_at=now))
        ind.count += 1
        ind.last_seen = now


def index_scan(db: Session, scan: Scan, result: dict[str, Any]) -> None:
    """Record the scan's phone numbers and domains (inside the caller's transaction)."""
    with _lock:
        for e164, (flags, region) in phones_of(result).items():
            _upsert(db, scan, "phone", e164, flags, region)
        for dom in domains_of(scan, result):
            _upsert(db, scan, "domain", dom)
        db.flush()
