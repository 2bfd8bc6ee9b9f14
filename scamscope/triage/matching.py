"""Matching program names, executables, downloads and URLs against the data files.

- remote-access tools: ``data/remote_tools.toml`` (``names``, ``executables``) and the
  ``remote_tool`` sites of ``data/sites.toml`` (download domains);
- fake / rogue security software: ``data/fake_software.toml`` (``phrases``, ``pattern``);
- banking, payment, gift-card and search sites: ``data/sites.toml``.

Names are compared in two forms: normalised text (NFKC, lower case, separators as spaces, as the
page signals see it) and a compact form with every non-alphanumeric character removed, so that
``TeamViewer_Setup_x64.exe``, ``AnyDesk (1).exe`` and ``SpeedyPCPro.exe`` match ``teamviewer``,
``anydesk`` and ``speedy pc pro``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from scamscope.data import load
from scamscope.signals.scare_text import normalise

MIN_NAME = 5  # compact tool names shorter than this are too ambiguous for substring matching


@dataclass(frozen=True)
class Match:
    """What a program or download was recognised as."""

    category: str  # "remote_tool" or "fake_security"
    key: str  # remote_tools.toml key, or the fake software's display name
    name: str  # display name
    how: str  # e.g. "executable anydesk.exe", "name 'anydesk'", "download domain anydesk.com"


@dataclass(frozen=True)
class Site:
    name: str
    category: str  # "banking", "payment", "gift_card", "remote_tool", "search"
    kind: str
    domain: str  # the domain of the entry that matched
    tool: str | None
    source: str


def compact(s: str) -> str:
    return re.sub(r"[^0-9a-z\u3040-\u30ff\u4e00-\u9fff]+", "", normalise(s))


def basename(path: str) -> str:
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] if path else ""


@dataclass(frozen=True)
class _Tool:
    key: str
    name: str
    names: tuple[str, ...]  # compact forms
    executables: frozenset[str]


@dataclass(frozen=True)
class _Fake:
    name: str
    phrases: tuple[str, ...]  # normalised
    compact: tuple[str, ...]
    pattern: re.Pattern[str] | None


@cache
def _tools() -> tuple[_Tool, ...]:
    out = []
    for t in load("remote_tools")["tool"]:
        names = tuple(c for c in (compact(n) for n in t.get("names", [])) if len(c) >= MIN_NAME)
        out.append(_Tool(t["key"], t["name"], names, frozenset(e.lower() for e in t.get("executables", []))))
    return tuple(out)


@cache
def _fakes() -> tuple[_Fake, ...]:
    out = []
    for item in load("fake_software")["software"]:
        phrases = tuple(normalise(p) for p in item.get("phrases", []))
        out.append(
            _Fake(
                name=item["name"],
                phrases=phrases,
                compact=tuple(c for c in (compact(p) for p in phrases) if len(c) >= MIN_NAME),
                pattern=re.compile(item["pattern"]) if item.get("pattern") else None,
            )
        )
    return tuple(out)


def tool_name(key: str) -> str:
    """Display name of a remote_tools.toml key (the key itself when unknown)."""
    return next((t.name for t in _tools() if t.key == key), key)


def match_program(name: str | None = None, path: str | None = None) -> Match | None:
    """Recognise a program by its display name and/or executable path (uninstall entry, Amcache,
    Prefetch, service, MSI product). Remote tools are checked before fake security software."""
    exe = basename(path or "").lower()
    texts = [t for t in (name or "", exe) if t]
    if not texts:
        return None
    for tool in _tools():
        if exe and exe in tool.executables:
            return Match("remote_tool", tool.key, tool.name, f"executable {exe}")
    for text in texts:
        c = compact(text)
        for tool in _tools():
            hit = next((n for n in tool.names if n in c), None)
            if hit:
                return Match("remote_tool", tool.key, tool.name, f"name {text!r} contains {hit!r}")
    for text in texts:
        n, c = normalise(re.sub(r"[_.]+", " ", text)), compact(text)
        for fake in _fakes():
            if any(p in n for p in fake.phrases) or any(p in c for p in fake.compact):
                return Match("fake_security", fake.name, fake.name, f"name {text!r}")
            if fake.pattern is not None and fake.pattern.search(n):
                return Match("fake_security", fake.name, fake.name, f"name {text!r}")
    return None


def match_download(file_path: str | None, url: str | None) -> Match | None:
    """A download recognised as a remote tool or fake security software: by the saved file name,
    else by the URL's file name, else by the URL's domain (remote-tool vendors' sites)."""
    for candidate in (basename(file_path or ""), _url_file(url)):
        if candidate:
            m = match_program(candidate, candidate if candidate.lower().endswith((".exe", ".msi")) else None)
            if m is not None:
                return m
    for site in sites_for_url(url or ""):
        if site.category == "remote_tool" and site.tool:
            return Match("remote_tool", site.tool, tool_name(site.tool), f"download domain {site.domain}")
    return None


def _url_file(url: str | None) -> str:
    if not url:
        return ""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return basename(path)


@dataclass(frozen=True)
class _SiteRule:
    site: Site
    paths: tuple[str, ...]


@cache
def _site_index() -> dict[str, tuple[_SiteRule, ...]]:
    index: dict[str, list[_SiteRule]] = {}
    for s in load("sites")["site"]:
        paths = tuple(p.lower() for p in s.get("paths", []))
        for d in s["domains"]:
            site = Site(s["name"], s["category"], s.get("kind", s["category"]), d.lower(), s.get("tool"), s["source"])
            index.setdefault(d.lower(), []).append(_SiteRule(site, paths))
    return {k: tuple(v) for k, v in index.items()}


def sites_for_url(url: str) -> list[Site]:
    """Every sites.toml entry the URL belongs to (host is the domain or below it; path prefix if given)."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").lower().rstrip(".")
        path = (parts.path or "/").lower()
        if parts.query:
            path += "?" + parts.query.lower()
    except ValueError:
        return []
    if not host:
        return []
    index = _site_index()
    labels = host.split(".")
    found: list[Site] = []
    for i in range(len(labels) - 1):
        for rule in index.get(".".join(labels[i:]), ()):
            if not rule.paths or any(path.startswith(p) for p in rule.paths):
                found.append(rule.site)
    return found


@cache
def scam_page_rule() -> tuple[frozenset[str], frozenset[str]]:
    """(strong signals, counter signals) from sites.toml ``[scam_page]``."""
    spec = load("sites").get("scam_page", {})
    return frozenset(spec.get("strong_signals", [])), frozenset(spec.get("counter_signals", []))
