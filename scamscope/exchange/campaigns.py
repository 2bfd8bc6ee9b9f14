"""Campaigns: scans of scam pages grouped by what links them (``scamscope campaigns``).

Scam (with ``min_verdict="suspicious"`` also suspicious) records are clustered by union-find over
*keys*: two scans that share a key are in one campaign, and so, transitively, are their other
links. The keys, and the rules that keep one key from swallowing unrelated scans:

Strong keys (one shared key links two scans):

``phone:E164``
    a phone number shown on the page. Numbers also shown on any *benign* record of the source
    are never keys (a real company's number, or an awareness page quoting one), nor numbers
    flagged ``placeholder`` or ``invalid`` (kit templates such as 123-456-7890).
``domain:REGISTRABLE``
    the registrable domain of any URL the scan went through (given, redirects, final). Never a
    brand's own domain (``BRANDS[i].domains``: a kit that redirects to microsoft.com says
    nothing), never loopback, private, link-local or reserved addresses (where a page was saved
    or served from locally), and never a hosting platform as a whole (``HOSTING``: thousands of
    unrelated tenants share web.core.windows.net or pages.dev).
``hosting:TENANT``
    on a hosting platform, the tenant instead: the full host when the platform gives each
    tenant its own host name (``acct.z13.web.core.windows.net``, ``x.pages.dev``,
    ``bucket.s3.amazonaws.com``), the host plus the first path segment (the bucket or site)
    when tenants share the platform's host (``storage.googleapis.com/BUCKET``,
    ``s3.amazonaws.com/BUCKET``, ``sites.google.com/view/SITE``). One storage bucket serving
    many pages is one operator.
``kit.scripts:SET``
    the same set of script hashes (see :mod:`scamscope.fingerprint`), when the set says
    something: at least one inline script of some length, or at least three external scripts
    (a page with only ``jquery.min.js`` says nothing). Also *similar* sets: Jaccard similarity
    >= 0.8 when each set has at least two hashes (``kit.scripts~`` keys, one per linked pair).
``kit.dom:HASH``
    the same markup structure (tags and classes), on pages of at least 15 elements.
``kit.images:SET``
    the same set of image/audio asset names, with at least three assets.
``download:SHA256``
    the same downloaded file (live scans).

Weak keys never link on their own; two scans that share *two* weak keys of different kinds are
linked (a ``both:`` key). The weak keys are:

``pattern:PLATFORM|SHAPE``
    a hosting platform plus the shape of the URL path and query names (digits as ``0``, long or
    random segments as ``*``), e.g. ``Azure Storage static website|/index.html?phone=``: many
    unrelated kits on a platform share ``/index.html``, so the shape only counts together with
    another shared weak key (and is reported when it accompanies a strong link).
``kit.dom_shape:HASH`` (tag names only, >= 15 elements), ``kit.title:HASH`` (normalised title),
``kit.images_few:SET`` (one or two assets).

Campaign ids are ``C-`` + the first 10 hex digits of the SHA-256 of the campaign's smallest
linking key (for a campaign of one, its smallest own key, else a hash of what the record is), so
they do not depend on the order of the input and stay put as scans join a campaign (unless a
joining scan brings a smaller key). Ordering is by size (largest first), first seen, then id.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scamscope.exchange.sources import ScanRecord, select_records
from scamscope.fingerprint import _zero_digits
from scamscope.signals.brands import BRANDS, hosting_platform, registrable_domain

MIN_DOM_ELEMENTS = 15
MIN_IMAGES = 3
JACCARD = 0.8
MAX_KEYS_PER_RECORD = 400
MAX_SHAPE_SEGMENTS = 8
MAX_GROUP_FOR_PAIRS = 500  # a script hash shared by more records is not used to find similar pairs
BAD_PHONE_FLAGS = frozenset({"placeholder", "invalid"})
STRONG_KINDS = ("phone", "domain", "hosting", "kit.scripts", "kit.scripts~", "kit.dom", "kit.images", "download")
WEAK_KINDS = ("pattern", "kit.dom_shape", "kit.title", "kit.images_few")

_BRAND_DOMAINS = frozenset(d for b in BRANDS for d in b.domains)
_SHARED_HOST_FIRST = {"sites.google.com": ("view", "site", "a")}


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _h(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:n]


# --- keys of one record ---------------------------------------------------------------------------


def local_host(host: str) -> bool:
    """Loopback, private, link-local, reserved or unspecified addresses and ``localhost``."""
    h = host.strip("[]").lower()
    if h in ("localhost", "") or h.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_unspecified or ip.is_multicast


def brand_domain(host: str) -> bool:
    return host in _BRAND_DOMAINS or registrable_domain(host) in _BRAND_DOMAINS


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def hosting_tenant(host: str, path: str) -> str | None:
    """The tenant of a hosting platform's URL (see the module docstring); None when unknown."""
    platform = hosting_platform(host)
    if platform is None:
        return None
    shared = (platform.suffix and host == platform.suffix) or (platform.pattern is not None and host.startswith(("s3.", "s3-")))
    if not shared:
        return host
    segs = _segments(path)
    if not segs:
        return None
    take = 2 if segs[0].lower() in _SHARED_HOST_FIRST.get(host, ()) and len(segs) > 1 else 1
    return host + "/" + "/".join(segs[:take])


def _segment_shape(seg: str) -> str:
    seg = seg.lower()
    if len(seg) > 24 or sum(c.isdigit() for c in seg) >= 6:
        return "*"
    return _zero_digits(seg)


def path_shape(url: str) -> str:
    """``/index.html?phone=``: the path with digits as 0 and long segments as ``*``, then the query's names."""
    try:
        parts = urlsplit(url)
        names = sorted({k.lower()[:40] for k, _ in parse_qsl(parts.query[:4000], keep_blank_values=True)})[:8]
    except ValueError:
        return ""
    shape = "/" + "/".join(_segment_shape(s) for s in _segments(parts.path)[:MAX_SHAPE_SEGMENTS])
    return shape + ("?" + "&".join(n + "=" for n in names) if names else "")


def _set_hash(values: list[str]) -> str:
    return _h("\n".join(sorted(set(values))))


@dataclass
class RecordKeys:
    strong: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)
    domains: dict[str, str | None] = field(default_factory=dict)  # domain or tenant -> hosting platform name
    script_set: frozenset[str] = frozenset()


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def record_keys(rec: ScanRecord, benign_phones: set[str]) -> RecordKeys:
    out = RecordKeys()
    for p in rec.phones:
        e164 = p.get("e164")
        flags = set(p.get("flags") or [])
        if isinstance(e164, str) and e164 and e164 not in benign_phones and not flags & BAD_PHONE_FLAGS:
            out.strong.add("phone:" + e164)
    for url in rec.urls[:50]:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().rstrip(".")
        except ValueError:
            continue
        if not host or local_host(host) or brand_domain(host):
            continue
        tenant = hosting_tenant(host, parts.path)
        platform = hosting_platform(host)
        if platform is not None:
            if tenant:
                out.strong.add("hosting:" + tenant)
                out.domains[tenant] = platform.name
            shape = path_shape(url)
            if shape:
                out.weak.add(f"pattern:{platform.name}|{shape}")
            continue
        dom = registrable_domain(host)
        if dom:
            out.strong.add("domain:" + dom)
            out.domains[dom] = None
    for d in rec.downloads[:50]:
        sha = d.get("sha256")
        if isinstance(sha, str) and sha:
            out.strong.add("download:" + sha)
    fp = rec.fingerprints or {}
    scripts = [s for s in fp.get("scripts") or [] if isinstance(s, str)]
    inline = _int(fp.get("scripts_inline"))
    if scripts and (inline >= 1 or len(scripts) >= 3):
        out.strong.add("kit.scripts:" + _set_hash(scripts))
    out.script_set = frozenset(scripts)
    elements = _int(fp.get("elements"))
    if isinstance(fp.get("dom"), str) and elements >= MIN_DOM_ELEMENTS:
        out.strong.add("kit.dom:" + fp["dom"])
    if isinstance(fp.get("dom_shape"), str) and elements >= MIN_DOM_ELEMENTS:
        out.weak.add("kit.dom_shape:" + fp["dom_shape"])
    if isinstance(fp.get("title_hash"), str):
        out.weak.add("kit.title:" + fp["title_hash"])
    images = [i for i in fp.get("images") or [] if isinstance(i, str)]
    if len(set(images)) >= MIN_IMAGES:
        out.strong.add("kit.images:" + _set_hash(images))
    elif images:
        out.weak.add("kit.images_few:" + _set_hash(images))
    out.strong = set(sorted(out.strong)[:MAX_KEYS_PER_RECORD])
    out.weak = set(sorted(out.weak)[:40])
    return out


def _kind(key: str) -> str:
    return key.split(":", 1)[0]


def combined_keys(weak: set[str]) -> set[str]:
    """``both:A & B`` for each pair of weak keys of different kinds (two weak keys make a link)."""
    return {f"both:{a} & {b}" for a, b in combinations(sorted(weak), 2) if _kind(a) != _kind(b)}


# --- clustering -----------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _similar_script_pairs(sets: list[frozenset[str]]) -> list[tuple[int, int]]:
    """Pairs of records whose script sets (>= 2 hashes each) have Jaccard >= 0.8 but differ."""
    index: dict[str, list[int]] = {}
    for i, s in enumerate(sets):
        if len(s) >= 2:
            for h in s:
                index.setdefault(h, []).append(i)
    candidates: set[tuple[int, int]] = set()
    for sharing in index.values():
        if 2 <= len(sharing) <= MAX_GROUP_FOR_PAIRS:
            candidates.update(combinations(sharing, 2))
            if len(candidates) > 2_000_000:
                break
    out: list[tuple[int, int]] = []
    for a, b in sorted(candidates):
        sa, sb = sets[a], sets[b]
        if sa != sb and len(sa & sb) >= JACCARD * len(sa | sb):
            out.append((a, b))
    return out


@dataclass
class Campaign:
    id: str
    members: list[ScanRecord]
    links: dict[str, list[str]]  # key -> member ids sharing it
    domains: dict[str, str | None]
    keys: list[RecordKeys]

    @property
    def first_seen(self) -> datetime:
        return min(r.scanned_at for r in self.members)

    @property
    def last_seen(self) -> datetime:
        return max(r.scanned_at for r in self.members)

    def to_dict(self) -> dict[str, Any]:
        members = self.members
        phones: dict[str, dict[str, Any]] = {}
        for r in members:
            for p in r.phones:
                e164 = p.get("e164")
                if not isinstance(e164, str) or not e164:
                    continue
                entry = phones.setdefault(e164, {"e164": e164, "raw": [], "flags": [], "explanation": str(p.get("explanation") or ""), "scans": set(), "times": []})
                raw = str(p.get("raw") or "")
                if raw and raw not in entry["raw"] and len(entry["raw"]) < 5:
                    entry["raw"].append(raw)
                for f in p.get("flags") or []:
                    if isinstance(f, str) and f not in entry["flags"]:
                        entry["flags"].append(f)
                if r.id not in entry["scans"]:
                    entry["scans"].add(r.id)
                    entry["times"].append(r.scanned_at)
        domains: dict[str, dict[str, Any]] = {}
        for r, k in zip(members, self.keys, strict=True):
            for dom, platform in k.domains.items():
                entry = domains.setdefault(dom, {"domain": dom, "hosting": platform, "scans": set(), "times": []})
                if r.id not in entry["scans"]:
                    entry["scans"].add(r.id)
                    entry["times"].append(r.scanned_at)

        def seen(entry: dict[str, Any]) -> dict[str, Any]:
            times = entry.pop("times")
            n = len(entry.pop("scans"))
            return {**entry, "scans": n, "first_seen": iso(min(times)), "last_seen": iso(max(times))}

        verdicts: dict[str, int] = {}
        for r in members:
            verdicts[r.verdict or ""] = verdicts.get(r.verdict or "", 0) + 1
        return {
            "id": self.id,
            "size": len(members),
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "verdicts": dict(sorted(verdicts.items())),
            "members": [
                {"id": r.id, "input": r.input, "url": r.url, "verdict": r.verdict, "score": r.score, "scanned_at": iso(r.scanned_at), "cases": r.cases}
                for r in members
            ],
            "phones": sorted((seen(e) for e in phones.values()), key=lambda e: (-e["scans"], e["first_seen"], e["e164"])),
            "domains": sorted((seen(e) for e in domains.values()), key=lambda e: (-e["scans"], e["first_seen"], e["domain"])),
            "links": [{"key": key, "kind": _kind(key), "value": key.split(":", 1)[1], "scans": ids} for key, ids in self.links.items()],
        }


def _record_identity(r: ScanRecord) -> str:
    return "\n".join([r.url or "", r.input, iso(r.scanned_at), str(r.verdict), str(r.score)])


def _member_order(r: ScanRecord) -> tuple[Any, ...]:
    return (r.scanned_at, r.url or "", r.input, r.id)


def build_campaigns(
    records: list[ScanRecord], *, since: datetime | None = None, min_verdict: str = "scam", include_singletons: bool = False
) -> list[Campaign]:
    """Campaigns among ``records`` (see the module docstring), largest first."""
    benign_phones = {p["e164"] for r in records if r.verdict == "benign" for p in r.phones if isinstance(p.get("e164"), str) and p.get("e164")}
    chosen = sorted(select_records(records, since=since, min_verdict=min_verdict), key=lambda r: (_record_identity(r), r.id))
    keys = [record_keys(r, benign_phones) for r in chosen]
    all_keys: list[set[str]] = [k.strong | combined_keys(k.weak) for k in keys]
    for a, b in _similar_script_pairs([k.script_set for k in keys]):
        pair = sorted([_set_hash(list(keys[a].script_set)), _set_hash(list(keys[b].script_set))])
        key = f"kit.scripts~:{pair[0]}~{pair[1]}"
        all_keys[a].add(key)
        all_keys[b].add(key)
    index: dict[str, list[int]] = {}
    for i, ks in enumerate(all_keys):
        for k in ks:
            index.setdefault(k, []).append(i)
    uf = _UnionFind(len(chosen))
    for sharing in index.values():
        for j in sharing[1:]:
            uf.union(sharing[0], j)
    groups: dict[int, list[int]] = {}
    for i in range(len(chosen)):
        groups.setdefault(uf.find(i), []).append(i)
    out: list[Campaign] = []
    for idxs in groups.values():
        if len(idxs) < 2 and not include_singletons:
            continue
        idxs.sort(key=lambda i: _member_order(chosen[i]))
        members = [chosen[i] for i in idxs]
        shared = sorted(k for k in {k for i in idxs for k in all_keys[i]} if len(index[k]) >= 2)
        links = {k: [chosen[i].id for i in idxs if k in all_keys[i]] for k in shared}
        # a pattern that goes with a strong link is reported too (it is why the link looks like a campaign)
        patterns = sorted({w for i in idxs for w in keys[i].weak if w.startswith("pattern:")})
        for p in patterns:
            ids = [chosen[i].id for i in idxs if p in keys[i].weak]
            if len(ids) >= 2 and p not in links:
                links[p] = ids
        if shared:
            material = shared[0]
        else:
            own = sorted({k for i in idxs for k in all_keys[i]})
            material = own[0] if own else "record:" + _record_identity(members[0])
        domains: dict[str, str | None] = {}
        for i in idxs:
            domains.update(keys[i].domains)
        out.append(Campaign(id="C-" + _h(material, 10), members=members, links=links, domains=domains, keys=[keys[i] for i in idxs]))
    out.sort(key=lambda c: (-len(c.members), c.first_seen, c.id))
    seen: dict[str, int] = {}
    for c in out:  # two singletons without keys and with the same identity: keep ids apart
        n = seen.get(c.id, 0)
        seen[c.id] = n + 1
        if n:
            c.id = f"{c.id}-{n + 1}"
    return out


def campaigns_document(campaigns: list[Campaign], *, source: str, records: int, selected: int, problems: list[str], min_verdict: str, since: datetime | None) -> dict[str, Any]:
    return {
        "source": source,
        "min_verdict": min_verdict,
        "since": iso(since) if since else None,
        "records": records,
        "selected": selected,
        "problems": problems[:50],
        "problem_count": len(problems),
        "campaign_count": len(campaigns),
        "campaigns": [c.to_dict() for c in campaigns],
    }
