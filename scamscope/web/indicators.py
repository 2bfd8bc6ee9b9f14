"""Indicators: phone numbers (E.164) and registrable domains seen in scans."""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import idna
import tldextract
from sqlalchemy import select
from sqlalchemy.orm import Session

from scamscope.web.db import utcnow
from scamscope.web.models import Indicator, Scan, Sighting

_lock = threading.Lock()  # two scan workers must not both insert the same new indicator
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled public suffix list, offline
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")  # letters, digits, hyphens (A-labels: xn--...)
_SUB_LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
MAX_HOST = 253
MAX_URL = 4096  # longer "URLs" in a result are not looked at


def _ascii(name: str) -> str:
    """A host name (or part of one) in ASCII, each label letters, digits and inner hyphens; "" if it is not one."""
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return ""
    return ascii_name if all(_LABEL.match(label) for label in ascii_name.split(".")) else ""


def indicator_host(host: str) -> str:
    """What a host name becomes as a domain indicator: its registrable domain in ASCII (``xn--``
    for international names), or the canonical form of an IP address; "" for anything else
    (no public suffix, control characters, over-long labels, numbers that only look like IPs).
    Labels below the registrable domain may also hold underscores, as browsers allow."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > MAX_HOST:
        return ""
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        pass
    if any(ch in "@:/\\?#[]%" or not ch.isprintable() or ch.isspace() for ch in host):
        return ""
    ext = _TLD.extract_str(host)
    if not ext.suffix or not ext.domain:
        return ""
    registrable = _ascii(f"{ext.domain}.{ext.suffix}")
    subdomain = ext.subdomain.split(".") if ext.subdomain else []
    if not registrable or not all(_SUB_LABEL.match(label) or _ascii(label) for label in subdomain):
        return ""
    return registrable


def _host(url: str) -> str:
    if not url or len(url) > MAX_URL:
        return ""
    try:
        return urlsplit(url).hostname or ""
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
        dom = indicator_host(_host(u)) if isinstance(u, str) else ""
        if dom and dom not in out:
            out.append(dom)
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
