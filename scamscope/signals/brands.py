"""Brands: which companies/products a page names, and whether the page is theirs.

Fake warnings borrow the look and names of Microsoft / Windows Defender / Apple / McAfee /
Norton ... (IPA: "実在の企業のロゴが使われ"). This signal finds brand names in the title,
visible text, script strings and logo/icon file names, and compares the page's registrable
domain with the brand's own domains (``scamscope/data/brands.toml``).

Evidence:

- ``brand.security_vendor``: a security brand/product is named (strength: title 1.0, logo 0.8,
  visible text 0.7, script strings only 0.4), except on the vendor's own domain;
- ``brand.in_title``: a brand is named in the title;
- ``brand.domain_mismatch``: a brand is named prominently (title, logo, two mentions in the
  text, or a security product in the text) and the page's URL is known and not the brand's;
- ``brand.hosting_platform``: the page is served from free/static hosting often used by kits.

Both URL checks are named ``brand.declared_origin_mismatch`` / ``brand.declared_origin_platform``
when the URL is only the page's own declaration (below), not where it was served from.

The page URL is ``page.url``; when that is None, a saved page's own record of its origin is
used: an HTTrack ``Mirrored from`` comment, else ``<link rel=canonical>`` / ``og:url``. A
declared (canonical/og) URL on a brand's own domain proves nothing (a clone copies it), so it
only ever counts against the page. Domains come from tldextract's bundled suffix list; no
network access is ever made.
"""

from __future__ import annotations

import html as htmllib
import re
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import urlsplit

import tldextract

from scamscope.data import load
from scamscope.signals.scare_text import (
    LATIN,
    LATIN_SET,
    display,
    edge_ok,
    normalise,
    page_parts,
    trie_regex,
)
from scamscope.types import BrandClaim, Evidence, Observations, Page

NAME = "brands"

# offline: the bundled public-suffix snapshot, never fetched, never cached on disk
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

MAX_HTML = 300_000  # characters of markup searched for the page origin and logo images
_RANK = {"title": 0, "logo": 1, "text": 2, "script": 3}  # most prominent first
_VENDOR_STRENGTH = {"title": 1.0, "logo": 0.8, "text": 0.7, "script": 0.4}


@dataclass(frozen=True)
class Brand:
    name: str
    security: bool
    sender: bool
    domains: frozenset[str]
    logo: re.Pattern[str] | None
    source: str


@dataclass(frozen=True)
class Hosting:
    name: str
    suffix: str
    pattern: re.Pattern[str] | None
    source: str

    def matches(self, host: str) -> bool:
        if self.pattern is not None:
            return bool(self.pattern.search(host))
        return host == self.suffix or host.endswith("." + self.suffix)


def _build() -> tuple[
    list[Brand], dict[str, int], re.Pattern[str], re.Pattern[str], dict[str, int], re.Pattern[str], list[Hosting]
]:
    data = load("brands")
    brands: list[Brand] = []
    aliases: dict[str, tuple[int, bool]] = {}  # normalised alias -> (brand index, right edge)
    cased: dict[str, int] = {}
    for i, spec in enumerate(data["brand"]):
        brands.append(
            Brand(
                name=spec["name"],
                security=bool(spec.get("security", False)),
                sender=bool(spec.get("sender", False)),
                domains=frozenset(d.lower() for d in spec.get("domains", [])),
                logo=re.compile(spec["logo"]) if spec.get("logo") else None,
                source=spec.get("source", ""),
            )
        )
        for raw in spec.get("aliases", []):
            a = normalise(raw)
            if a and a not in aliases:
                aliases[a] = (i, a[-1] in LATIN_SET)
        for raw in spec.get("cased", []):
            cased.setdefault(normalise(raw, lower=False), i)
    latin = {a: edge for a, (_, edge) in aliases.items() if a[0] in LATIN_SET}
    other = {a: edge for a, (_, edge) in aliases.items() if a[0] not in LATIN_SET}
    cased_rx = re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, sorted(cased, key=len, reverse=True))) + r")(?![a-z0-9])"
    )
    hosting = [
        Hosting(
            name=h["name"],
            suffix=h.get("suffix", "").lower(),
            pattern=re.compile(h["pattern"]) if h.get("pattern") else None,
            source=h.get("source", ""),
        )
        for h in data.get("hosting", [])
    ]
    return (
        brands,
        {a: i for a, (i, _) in aliases.items()},
        re.compile(rf"(?<![{LATIN}])" + trie_regex(latin)),
        re.compile(trie_regex(other)),
        cased,
        cased_rx,
        hosting,
    )


BRANDS, _ALIAS, _LATIN_RX, _OTHER_RX, _CASED, _CASED_RX, HOSTING = _build()
_ANY_LOGO = re.compile("|".join(f"(?:{b.logo.pattern})" for b in BRANDS if b.logo is not None))

# --- the page's origin -----------------------------------------------------------------------------

_HTTRACK = re.compile(r"<!--\s*Mirrored from\s+(\S+?)\s+by HTTrack", re.I)
_LINK_TAG = re.compile(r"<link\b[^>]{0,600}>", re.I)
_META_TAG = re.compile(r"<meta\b[^>]{0,600}>", re.I)
# a name starts where a run of name characters starts: trying every character of a long run
# again made a tag of 600 hyphens cost 600 * 600 steps
_ATTR = re.compile(r"""(?<![\w:-])([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _attrs(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): htmllib.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)
    }


def page_origin(page: Page) -> tuple[str | None, str]:
    """(URL, how it is known): page.url ("given"), else an HTTrack comment ("httrack"),
    else <link rel=canonical> ("canonical") or og:url ("og:url"); (None, "") when unknown."""
    if page.url:
        return page.url, "given"
    head = page.html[:MAX_HTML] if page.kind == "html" else ""
    if not head:
        return None, ""
    m = _HTTRACK.search(head)
    if m:
        url = m.group(1)
        return (url if "://" in url else "http://" + url), "httrack"
    for tag in _LINK_TAG.findall(head):
        a = _attrs(tag)
        if "canonical" in a.get("rel", "").lower().split() and a.get("href", "").lower().startswith(
            ("http://", "https://")
        ):
            return a["href"], "canonical"
    for tag in _META_TAG.findall(head):
        a = _attrs(tag)
        if a.get("property", a.get("name", "")).lower() == "og:url" and a.get("content", "").lower().startswith(
            ("http://", "https://")
        ):
            return a["content"], "og:url"
    return None, ""


_HOW = {"httrack": "HTTrack 'Mirrored from' comment", "canonical": "<link rel=canonical>", "og:url": "og:url meta tag"}


def host_of(url: str) -> str:
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def _local_host(host: str) -> bool:
    """Loopback, private or link-local addresses and ``localhost``: they say nothing about who runs the page."""
    import ipaddress

    if host in ("localhost", "") or host.endswith(".localhost"):
        return bool(host)
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


def registrable_domain(host: str) -> str:
    """Registrable domain ("example.co.jp") of a host name, from the bundled suffix list; the host itself for IPs."""
    if not host:
        return ""
    ext = _TLD.extract_str(host)
    dom = getattr(ext, "top_domain_under_public_suffix", None)
    if dom is None:  # older tldextract
        dom = ext.registered_domain
    return dom or host


def hosting_platform(host: str) -> Hosting | None:
    return next((h for h in HOSTING if h.matches(host)), None)


def on_a_brands_domain(url: str) -> bool:
    """Is ``url`` on a domain a brand of brands.toml owns, judged as :func:`run` judges it: not a
    loopback or LAN host, and not customer content on a hosting platform (sites.google.com and
    *.web.core.windows.net are Google's and Microsoft's domains, their pages anybody's)."""
    host = host_of(url)
    if not host or _local_host(host) or hosting_platform(host) is not None:
        return False
    domain = registrable_domain(host)
    return any(domain in b.domains for b in BRANDS)


# --- finding brand names ---------------------------------------------------------------------------

_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|ico|avif|bmp)(?:$|[?#])", re.I)
# standard icon file names every site ships (not a brand's logo): apple-touch-icon.png, android-chrome-192x192.png ...
_STANDARD_ICON = re.compile(
    r"^(?:apple-touch-icon|apple-icon|android-chrome|android-icon|mstile|ms-icon|safari-pinned-tab|favicon)"
)
_IMG_SRC = re.compile(r"""<img\b[^>]{0,600}?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)


def _logo_names(page: Page) -> list[str]:
    """Lower-case file names of the images/icons a page loads."""
    urls = list(page.links)
    if page.kind != "html":
        urls += _IMG_SRC.findall(page.html[:MAX_HTML])
    names = []
    for u in urls:
        if not _IMAGE.search(u):
            continue
        base = u.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()
        if base and not _STANDARD_ICON.match(base):
            names.append(base)
    return names


def _mentions(cased: str, low: str) -> dict[int, int]:
    """brand index -> number of mentions in one part of the page."""
    out: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    for rx in (_LATIN_RX, _OTHER_RX):
        for m in rx.finditer(low):
            i = _ALIAS.get(m.group(0))
            if i is not None:
                out[i] = out.get(i, 0) + 1
                spans.append((m.start(), m.end()))
    same_len = len(low) == len(cased)
    spans.sort()
    starts = [a for a, _ in spans]
    reach: list[int] = []  # reach[k]: furthest end among spans[0..k] (spans may overlap)
    for _, b in spans:
        reach.append(max(b, reach[-1]) if reach else b)
    for m in _CASED_RX.finditer(cased):
        k = bisect_right(starts, m.start()) - 1
        if same_len and k >= 0 and reach[k] > m.start():
            continue  # "Windows" inside "Windows Defender": the product is the claim
        if not edge_ok(low, m.start()):
            continue
        i = _CASED[m.group(0)]
        out[i] = out.get(i, 0) + 1
    return out


def find_brands(page: Page) -> dict[int, dict[str, int]]:
    """brand index -> {where: mentions} for where in title/text/script/logo."""
    found: dict[int, dict[str, int]] = {}
    for part in page_parts(page):
        for i, n in _mentions(part.cased, part.norm).items():
            found.setdefault(i, {})[part.source] = n
    for name in _logo_names(page):
        if not _ANY_LOGO.search(name):
            continue
        for i, b in enumerate(BRANDS):
            if b.logo is not None and b.logo.search(name):
                places = found.setdefault(i, {})
                places["logo"] = places.get("logo", 0) + 1
    return found


PROMINENT_MENTIONS = 3  # visible-text mentions that make a platform ("sender") brand the page's identity


def _prominent(b: Brand, places: dict[str, int]) -> bool:
    """Named as the page's identity: title, logo, a security product in the text, or a
    platform brand (Microsoft, Windows, Apple) named often in the text."""
    return (
        "title" in places
        or "logo" in places
        or (b.security and "text" in places)
        or (b.sender and places.get("text", 0) >= PROMINENT_MENTIONS)
    )


# --- the signal ------------------------------------------------------------------------------------


def run(page: Page) -> Observations:
    obs = Observations()
    found = find_brands(page)
    url, how = page_origin(page)
    host = host_of(url) if url else ""
    if _local_host(host):  # a page served from this machine or a LAN (a test server, a saved copy): no origin
        host = ""
    domain = registrable_domain(host) if host else None
    platform = hosting_platform(host) if host else None
    inferred = "" if how in ("given", "") else f" (page URL taken from its {_HOW[how]})"
    # A URL the user gave is where the page was served; one a saved page declares about itself
    # (HTTrack note, canonical, og:url) is weaker and copied along with clones: separate features.
    prefix = "brand." if not inferred else "brand.declared_origin_"

    claims: list[tuple[Brand, str, dict[str, int], bool | None]] = []
    for i, places in sorted(found.items(), key=lambda kv: (min(_RANK[w] for w in kv[1]), kv[0])):
        b = BRANDS[i]
        where = min(places, key=_RANK.__getitem__)
        if not host:
            official: bool | None = None
        elif platform is not None:
            official = False  # customer content on a hosting platform, even on the brand's own cloud
        else:
            official = domain in b.domains
            if official and how in ("canonical", "og:url"):
                official = None  # a declared canonical URL can be copied along with the page
        claims.append((b, where, places, official))
        obs.brands.append(BrandClaim(brand=b.name, where=where, domain=domain, official=official))

    # a security vendor's own site naming its products is no evidence (served from its domain, not declared)
    vendors = [(b, where) for b, where, _, official in claims if b.security and official is not True]
    if vendors:
        b, where = min(vendors, key=lambda bw: _RANK[bw[1]])
        names = ", ".join(dict.fromkeys(v.name for v, _ in vendors))
        obs.evidence.append(
            Evidence(
                signal="brand.security_vendor",
                detail=f"security product named ({where}): {names}",
                excerpt=_title_excerpt(page) if where == "title" else "",
                strength=_VENDOR_STRENGTH[where],
                source="attr" if where == "logo" else where,
            )
        )

    titled = [b.name for b, _, places, _ in claims if "title" in places]
    if titled:
        obs.evidence.append(
            Evidence(
                signal="brand.in_title",
                detail="brand in the title: " + ", ".join(titled),
                excerpt=_title_excerpt(page),
                strength=1.0,
                source="title",
            )
        )

    mismatched = [
        (b, where, places) for b, where, places, official in claims if official is False and _prominent(b, places)
    ]
    if mismatched:
        top = mismatched[0]
        names = ", ".join(b.name for b, _, _ in mismatched)
        official_domains = ", ".join(sorted(top[0].domains)[:4])
        served = f"{host} ({platform.name})" if platform else str(domain)
        obs.evidence.append(
            Evidence(
                signal=prefix + ("domain_mismatch" if not inferred else "mismatch"),
                detail=f"names {names} but is served from {served}, not {official_domains}{inferred}",
                excerpt=url[:120] if url else "",
                strength=1.0 if top[1] in ("title", "logo") else 0.7,
                source="url",
            )
        )

    if platform is not None:
        obs.evidence.append(
            Evidence(
                signal=prefix + ("hosting_platform" if not inferred else "platform"),
                detail=f"served from {platform.name} ({host}){inferred}",
                excerpt=url[:120] if url else "",
                strength=1.0,
                source="url",
            )
        )
    return obs


def _title_excerpt(page: Page) -> str:
    t = display(page.title)
    return t if len(t) <= 120 else t[:119] + "…"
