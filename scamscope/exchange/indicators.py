"""Indicators from scans: what a scam page showed (URLs, host names, phone numbers, IP addresses,
downloads), aggregated over every scan that showed it. Pure: no I/O, no output format.

What is never an indicator, whichever page showed it:

* anything seen on a page the scanner judged ``benign`` in the same source (real support numbers,
  vendors' domains), looked at over the whole source, whatever ``since`` says;
* a brand's own domain or anything under it (``www.microsoft.com``: scam pages redirect there);
* a hosting platform or public suffix as a whole (``core.windows.net``, ``github.io``): the
  site on it (``kit12.web.core.windows.net``) is exported, its platform is not
  (:func:`scamscope.guard.blocklist.never_blocked` decides);
* loopback, private, link-local and other non-public IP addresses;
* URLs that are not http(s).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from scamscope.exchange.sources import ScanRecord, select_records

IndicatorType = Literal["url", "domain", "ip", "phone", "file"]
TYPE_ORDER: dict[str, int] = {"url": 0, "domain": 1, "ip": 2, "phone": 3, "file": 4}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_E164 = re.compile(r"^\+[1-9][0-9]{4,15}$")


@dataclass
class Indicator:
    """One value, and every selected scan that showed it."""

    type: IndicatorType
    value: str  # URL, host name, IP address, E.164 number, or SHA-256 of a download
    first_seen: datetime  # UTC, naive
    last_seen: datetime
    scan_ids: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # distinct, sorted (most severe first)
    flags: list[str] = field(default_factory=list)  # phone numbers: the scanner's flags
    explanation: str = ""  # phone numbers: the scanner's explanation
    region: str = ""  # phone numbers
    number_type: str = ""  # phone numbers
    names: list[str] = field(default_factory=list)  # downloads: file names seen
    cases: list[int] = field(default_factory=list)  # desk case ids of the scans
    families: list[str] = field(default_factory=list)  # kit families, where the scans know them
    brands: list[str] = field(default_factory=list)  # impersonated brands
    via: list[str] = field(default_factory=list)  # URLs it was seen with (hosts, IPs, downloads)

    @property
    def count(self) -> int:
        return len(self.scan_ids)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.value)

    @property
    def sort_key(self) -> tuple[int, str]:
        return (TYPE_ORDER[self.type], self.value)


@dataclass
class Extraction:
    indicators: list[Indicator]
    scans: list[ScanRecord]  # the selected scans (at or above the verdict, since the date)
    withheld: dict[str, int] = field(default_factory=dict)  # reason -> how many values were left out

    @property
    def first_seen(self) -> datetime | None:
        return min((r.scanned_at for r in self.scans), default=None)

    @property
    def last_seen(self) -> datetime | None:
        return max((r.scanned_at for r in self.scans), default=None)

    @property
    def families(self) -> list[str]:
        return sorted({f for i in self.indicators for f in i.families})

    @property
    def cases(self) -> list[int]:
        return sorted({c for r in self.scans for c in r.cases})


# --- what may be exported -----------------------------------------------------------------------


def _official(host: str) -> bool:
    from scamscope.signals.brands import BRANDS

    return any(host == d or host.endswith("." + d) for b in BRANDS for d in b.domains)


def _platform(host: str) -> bool:
    from scamscope.signals.brands import hosting_platform

    return hosting_platform(host) is not None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def public_ip(host: str) -> bool:
    ip = _ip(host)
    return ip is not None and ip.is_global and not ip.is_multicast


def clean_url(url: str) -> tuple[str, str] | None:
    """``(url without fragment, lower-case host)`` for an http(s) URL with a host, else None."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, "")), host


def host_withheld(host: str, benign_hosts: set[str]) -> str | None:
    """Why ``host`` may not be a domain-name or IP indicator, or None."""
    from scamscope.guard.blocklist import never_blocked

    if _ip(host) is not None:
        return None if public_ip(host) else "non-public IP address"
    if host in benign_hosts:
        return "seen on a benign page"
    if _official(host):
        return "a brand's own domain"
    return never_blocked(host)


def _phone_e164(phone: dict[str, object]) -> str | None:
    value = phone.get("e164")
    return value if isinstance(value, str) and _E164.match(value) else None


def _family(record: ScanRecord) -> str | None:
    for source in (record.raw, record.fingerprints):
        value = source.get("family") if isinstance(source, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


# --- extraction ---------------------------------------------------------------------------------


@dataclass
class _Benign:
    hosts: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)  # registrable domains of those hosts
    urls: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)


def _benign(records: Iterable[ScanRecord]) -> _Benign:
    from scamscope.signals.brands import registrable_domain

    seen = _Benign()
    for r in records:
        if r.verdict != "benign":
            continue
        for u in r.urls:
            cleaned = clean_url(u)
            if cleaned:
                seen.urls.add(cleaned[0])
                seen.hosts.add(cleaned[1])
                seen.domains.add(registrable_domain(cleaned[1]))
        for p in r.phones:
            e164 = _phone_e164(p)
            if e164:
                seen.phones.add(e164)
    return seen


class _Collector:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], Indicator] = {}
        self.withheld: dict[str, int] = {}

    def withhold(self, reason: str) -> None:
        self.withheld[reason] = self.withheld.get(reason, 0) + 1

    def add(self, kind: IndicatorType, value: str, record: ScanRecord, *, via: str | None = None) -> Indicator:
        ind = self.found.get((kind, value))
        if ind is None:
            ind = self.found[(kind, value)] = Indicator(kind, value, record.scanned_at, record.scanned_at)
        if record.id not in ind.scan_ids:
            ind.scan_ids.append(record.id)
            ind.first_seen = min(ind.first_seen, record.scanned_at)
            ind.last_seen = max(ind.last_seen, record.scanned_at)
        if record.verdict and record.verdict not in ind.verdicts:
            ind.verdicts.append(record.verdict)
        ind.cases = sorted(set(ind.cases) | set(record.cases))
        family = _family(record)
        if family and family not in ind.families:
            ind.families.append(family)
        for b in record.brands:
            name = b.get("name") or b.get("brand")
            if isinstance(name, str) and name and name not in ind.brands:
                ind.brands.append(name)
        if via and via not in ind.via:
            ind.via.append(via)
        return ind


def extract(records: Iterable[ScanRecord], *, since: datetime | None = None, min_verdict: str = "scam") -> Extraction:
    """Indicators from the scans at or above ``min_verdict`` (``scam`` or ``suspicious``) scanned at or
    after ``since``; everything seen on any benign scan of ``records`` is left out."""
    from scamscope.signals.brands import registrable_domain

    every = list(records)
    benign = _benign(every)
    selected = sorted(select_records(every, since=since, min_verdict=min_verdict), key=lambda r: (r.scanned_at, r.id))
    out = _Collector()
    for r in selected:
        for u in r.urls:
            cleaned = clean_url(u)
            if cleaned is None:
                out.withhold("not an http(s) URL")
                continue
            url, host = cleaned
            ip = _ip(host)
            if ip is not None and not public_ip(host):
                out.withhold("non-public IP address")
                continue
            if url in benign.urls:
                out.withhold("seen on a benign page")
                continue
            if ip is None and _official(host) and not _platform(host):
                out.withhold("a brand's own domain")
                continue
            out.add("url", url, r)
            if ip is not None:
                out.add("ip", str(ip), r, via=url)
                continue
            reason = host_withheld(host, benign.hosts)
            if reason:
                out.withhold(reason)
            else:
                out.add("domain", host, r, via=url)
            reg = registrable_domain(host)
            if reg and reg != host:
                why = "seen on a benign page" if reg in benign.hosts or reg in benign.domains else host_withheld(reg, benign.hosts)
                if why is None and _platform(host):
                    why = "a hosting platform as a whole"
                if why:
                    out.withhold(why)
                else:
                    out.add("domain", reg, r, via=url)
        for p in r.phones:
            e164 = _phone_e164(p)
            if e164 is None:
                continue
            if e164 in benign.phones:
                out.withhold("seen on a benign page")
                continue
            ind = out.add("phone", e164, r)
            for flag in p.get("flags") or []:
                if isinstance(flag, str) and flag not in ind.flags:
                    ind.flags.append(flag)
            if not ind.explanation and isinstance(p.get("explanation"), str):
                ind.explanation = str(p["explanation"])
            if not ind.region and isinstance(p.get("region"), str):
                ind.region = str(p["region"])
            if not ind.number_type and isinstance(p.get("type"), str):
                ind.number_type = str(p["type"])
        for d in r.downloads:
            sha = str(d.get("sha256") or "").lower()
            if not _SHA256.match(sha):
                continue
            ind = out.add("file", sha, r, via=str(d.get("url") or "") or None)
            name = d.get("name")
            if isinstance(name, str) and name and name not in ind.names:
                ind.names.append(name[:255])
    rank = {"scam": 0, "suspicious": 1, "benign": 2}
    indicators = sorted(out.found.values(), key=lambda i: i.sort_key)
    for ind in indicators:
        ind.verdicts.sort(key=lambda v: rank.get(v, 9))
        ind.flags.sort()
        ind.families.sort()
        ind.brands.sort()
        ind.names.sort()
        ind.via.sort()
        ind.scan_ids.sort()
    return Extraction(indicators, selected, out.withheld)
