"""Findings: what the evidence shows, each one citing the timeline events and sessions it rests on.

Findings state facts read from artifacts (a session was logged, a tool is installed, a scam page was
visited). Interpretation (the story, what may have leaked) is kept apart in :mod:`story` and
:mod:`leak`; advice for the victim in :mod:`advice`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from scamscope.data import load
from scamscope.triage.fmt import iso, when
from scamscope.triage.link import Links
from scamscope.triage.types import NO_SOFTWARE_HIVE, Collected, Session, Software, Transfer, Visit

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
MONEY_TAGS = ("banking", "payment", "gift_card")
INSTALLED_EVIDENCE = ("uninstall_entry", "service", "file")  # evidence that the program is still on the disk


@dataclass
class Finding:
    id: str  # "F01", ...
    kind: str  # remote_sessions, remote_tool_present, fake_security_software, scam_page, suspicious_page, phone_numbers,
    #            tool_download, file_transfers, money_during_session, money_after_scam
    severity: str  # high, medium, low, info
    title: str
    detail: str
    evidence: list[str] = field(default_factory=list)  # event ids (E0001) and session ids (S01)
    tool: str | None = None
    first: datetime | None = None
    last: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)  # facts other parts use (advice, summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "severity": self.severity, "title": self.title, "detail": self.detail,
            "evidence": self.evidence, "tool": self.tool, "first": iso(self.first), "last": iso(self.last), "data": self.data,
        }


@cache
def tool_names() -> dict[str, str]:
    return {t["key"]: t["name"] for t in load("remote_tools").get("tool", [])}


def tool_name(key: str | None) -> str:
    if key == "unknown":  # a download the browser collector tagged, of no tool in remote_tools.toml
        return "remote tool or fake security software"
    return tool_names().get(key or "", key or "unknown tool")


def session_window(rules: dict[str, Any] | None = None) -> timedelta:
    """How long after a start whose end is not logged activity counts as "after the session start"."""
    rules = rules or load("triage_rules")
    return timedelta(minutes=int(rules["session_window"]["minutes"]))


def download_tool(v: Visit) -> str | None:
    """Remote tool key a download is of: tagged by the collector, or its file name matches a tool."""
    if v.kind != "download":
        return None
    name = (v.target_path or v.url or "").replace("\\", "/").rsplit("/", 1)[-1].lower()
    for tool in load("remote_tools").get("tool", []):
        if name in tool.get("executables", []) or any(n in name for n in tool.get("names", [])):
            return tool["key"]
    return "unknown" if "remote_tool_download" in v.tags else None


def is_scam(v: Visit) -> bool:
    return v.verdict == "scam" or "scam_page" in v.tags


def in_session(ts: datetime, sessions: list[Session], window: timedelta) -> tuple[Session | None, bool]:
    """The session open at ``ts`` and whether its end is known (False: within ``window`` of a start, end not logged)."""
    for s in sessions:
        if s.start and s.end and s.start <= ts <= s.end:
            return s, True
    for s in sessions:
        if s.start and not s.end and s.start <= ts <= s.start + window:
            return s, False
    return None, False


class _Builder:
    def __init__(self, c: Collected, links: Links, window: timedelta) -> None:
        self.c, self.links, self.window = c, links, window
        self.out: list[Finding] = []

    def ids(self, records: list[Any]) -> list[str]:
        out: list[str] = []
        for r in records:
            if isinstance(r, Session) and r.id:
                out.append(r.id)
            out += [i for i in self.links.of(r) if i not in out]
        return list(dict.fromkeys(out))

    def add(self, **kw: Any) -> None:
        self.out.append(Finding(id="", **kw))

    def sessions(self) -> None:
        by_tool: dict[str, list[Session]] = {}
        for s in self.c.sessions:
            by_tool.setdefault(s.tool, []).append(s)
        for tool, ss in by_tool.items():
            incoming = [s for s in ss if s.direction == "incoming"]
            times = [t for s in ss for t in (s.start, s.end) if t]
            parts = []
            for s in ss:
                who = ", ".join(x for x in (f"ID {s.remote_id}" if s.remote_id else "", f"IP {s.remote_ip}" if s.remote_ip else "",
                                            s.remote_name or "") if x) or "remote side not logged"
                dur = f"{s.seconds / 60:.0f} min" if s.seconds is not None else "end not logged"
                parts.append(f"{s.id} {s.direction} {when(s.start)} ({dur}; {who}" + (f"; access: {s.access}" if s.access else "") + ")")
            self.add(kind="remote_sessions", severity="high" if incoming else "medium", tool=tool,
                     title=f"{tool_name(tool)}: {len(ss)} remote session(s), {len(incoming)} incoming",
                     detail="; ".join(parts), evidence=self.ids(ss), first=min(times, default=None), last=max(times, default=None),
                     data={"sessions": [s.id for s in ss], "incoming": len(incoming),
                           "remote_ids": sorted({s.remote_id for s in ss if s.remote_id}),
                           "remote_ips": sorted({s.remote_ip for s in ss if s.remote_ip})})

    def software(self) -> None:
        # the software collector says so when the target has no registry (SOFTWARE hive) to list programs from
        registry_missing = any(p.source == NO_SOFTWARE_HIVE for p in self.c.problems)
        groups: dict[tuple[str, str], list[Software]] = {}
        for sw in self.c.software:
            if sw.category in ("remote_tool", "fake_security"):
                groups.setdefault((sw.category, sw.match or sw.name), []).append(sw)
        for tool in {s.tool for s in self.c.sessions} - {k for cat, k in groups if cat == "remote_tool"}:
            groups.setdefault(("remote_tool", tool), [])
        for (cat, key), sws in sorted(groups.items()):
            kinds = sorted({sw.evidence for sw in sws})
            logs = [e for e in self.c.events if e.tool == key and e.kind.startswith("remote.")]
            installed = any(sw.evidence in INSTALLED_EVIDENCE for sw in sws)
            times = [t for sw in sws for t in (sw.installed, sw.last_run) if t] + [e.ts for e in logs]
            what = ", ".join(kinds + (["its logs"] if logs else []))
            names = sorted({sw.name for sw in sws})
            title = (f"Fake security software: {key}" if cat == "fake_security"
                     else f"Remote-access tool {tool_name(key)} on this PC")
            detail = f"Found through: {what or 'nothing'}." + (f" Names: {', '.join(names)}." if names else "")
            still: bool | None = installed
            if installed:
                detail += " It is still installed."
            elif registry_missing:
                still = None  # no registry to say it was removed: an honest "unknown", not "no evidence"
                detail += " Unknown whether it is still installed: the evidence has no SOFTWARE hive."
            else:
                detail += " No evidence it is still installed (it may have been removed)."
            self.add(kind="fake_security_software" if cat == "fake_security" else "remote_tool_present",
                     severity="high" if cat == "fake_security" else "medium", tool=key, title=title, detail=detail,
                     evidence=self.ids(sws) + sorted(e.id for e in logs)[:50], first=min(times, default=None),
                     last=max(times, default=None), data={"still_installed": still, "evidence_kinds": kinds, "names": names})

    def pages(self) -> None:
        scam = [v for v in self.c.visits if is_scam(v)]
        suspicious = [v for v in self.c.visits if v.verdict == "suspicious" and not is_scam(v)]
        for kind, vs, sev in (("scam_page", scam, "high"), ("suspicious_page", suspicious, "medium")):
            if not vs:
                continue
            vs = sorted(vs, key=lambda v: v.ts)
            urls = list(dict.fromkeys(v.url for v in vs))
            label = "tech-support-scam page" if kind == "scam_page" else "suspicious page"
            self.add(kind=kind, severity=sev, title=f"{len(vs)} visit(s) to {len(urls)} {label}(s)",
                     detail="; ".join(f"{when(v.ts)} {v.browser}: {v.url}" + (f" \u201c{v.title}\u201d" if v.title else "")
                                      + (f" [score {v.score:.2f}]" if v.score is not None else "") for v in vs[:10]),
                     evidence=self.ids(vs), first=vs[0].ts, last=vs[-1].ts, data={"urls": urls[:50]})

    def phones(self) -> None:
        """Phone numbers carried by visited URLs' parameters (the browser collector read them with the detection core)."""
        visits = sorted((v for v in self.c.visits if v.phones), key=lambda v: v.ts)
        if not visits:
            return
        numbers: dict[str, dict[str, Any]] = {}
        for v in visits:
            for p in v.phones:
                n = numbers.setdefault(p.e164 or p.raw, {"raw": p.raw, "e164": p.e164, "region": p.region, "type": p.type,
                                                         "flags": list(p.flags), "explanation": p.explanation, "urls": [], "visits": 0})
                n["visits"] += 1
                if v.url not in n["urls"] and len(n["urls"]) < 10:
                    n["urls"].append(v.url)
        scam = any(is_scam(v) or v.verdict in ("scam", "suspicious") for v in visits)
        self.add(kind="phone_numbers", severity="high" if scam else "medium",
                 title=f"{len(numbers)} phone number(s) carried in the URL of visited pages"
                       + (" (scam pages)" if scam else ""),
                 detail="; ".join(f"{n['raw']}" + (f" = {n['e164']}" if n["e164"] and n["e164"] != n["raw"] else "")
                                  + f": {n['explanation']} — {n['visits']} visit(s), e.g. {n['urls'][0]}" for n in numbers.values()),
                 evidence=self.ids(visits), first=visits[0].ts, last=visits[-1].ts, data={"numbers": list(numbers.values())})

    def downloads(self) -> None:
        hits = [(v, download_tool(v)) for v in self.c.visits]
        hits = [(v, t) for v, t in hits if t]
        if hits:
            hits.sort(key=lambda x: x[0].ts)
            self.add(kind="tool_download", severity="medium", tool=hits[0][1],
                     title=f"{len(hits)} download(s) of remote-access tools" + (" or fake security software" if any(t == "unknown" for _, t in hits) else ""),
                     detail="; ".join(f"{when(v.ts)} {tool_name(t)}: {v.url}" + (f" saved as {v.target_path}" if v.target_path else "")
                                      for v, t in hits),
                     evidence=self.ids([v for v, _ in hits]), first=hits[0][0].ts, last=hits[-1][0].ts)

    def transfers(self) -> None:
        ts: list[tuple[Transfer, Session]] = [(t, s) for s in self.c.sessions for t in s.transfers]
        if not ts:
            return
        by_dir: dict[str, int] = {}
        for t, _ in ts:
            by_dir[t.direction] = by_dir.get(t.direction, 0) + 1
        times = [t.ts for t, _ in ts if t.ts]
        self.add(kind="file_transfers", severity="high", title=f"{len(ts)} file(s) moved during remote sessions",
                 detail="; ".join(f"{when(t.ts)} {s.id} {tool_name(t.tool)}: {t.name} ({t.direction.replace('_', ' ')}"
                                  + (f", {t.size} bytes" if t.size is not None else "") + ")" for t, s in ts[:30]),
                 evidence=self.ids([t for t, _ in ts]) + sorted({s.id for _, s in ts}), first=min(times, default=None),
                 last=max(times, default=None), data={"by_direction": by_dir, "files": [t.name for t, _ in ts][:100]})

    def money(self) -> None:
        money = sorted((v for v in self.c.visits if any(t in v.tags for t in MONEY_TAGS)), key=lambda v: v.ts)
        during = [(v, *in_session(v.ts, self.c.sessions, self.window)) for v in money]
        known = [(v, s) for v, s, k in during if s and k]
        assumed = [(v, s) for v, s, k in during if s and not k]
        first_scam = min((v.ts for v in self.c.visits if is_scam(v)), default=None)
        after = [v for v, s, _ in during if not s and first_scam and v.ts >= first_scam]
        for label, rows, sev, note in (
            ("during", known, "high", "while a remote session was open"),
            ("after_start", assumed, "high", f"within {int(self.window.total_seconds() // 60)} min after a session start (session end not logged)"),
        ):
            if rows:
                self.add(kind="money_during_session", severity=sev, title=f"{len(rows)} banking/payment page visit(s) {note}",
                         detail="; ".join(f"{when(v.ts)} {s.id}: {v.url} [{', '.join(t for t in v.tags if t in MONEY_TAGS)}]" for v, s in rows[:20]),
                         evidence=self.ids([v for v, _ in rows]) + sorted({s.id for _, s in rows}), first=rows[0][0].ts,
                         last=rows[-1][0].ts, data={"window": label, "tags": sorted({t for v, _ in rows for t in v.tags if t in MONEY_TAGS})})
        if after:
            self.add(kind="money_after_scam", severity="medium", title=f"{len(after)} banking/payment page visit(s) after the scam page",
                     detail="; ".join(f"{when(v.ts)}: {v.url}" for v in after[:20]), evidence=self.ids(after),
                     first=after[0].ts, last=after[-1].ts, data={"tags": sorted({t for v in after for t in v.tags if t in MONEY_TAGS})})


def build_findings(c: Collected, links: Links, window: timedelta | None = None) -> list[Finding]:
    """All findings, most severe first, numbered ``F01``.."""
    b = _Builder(c, links, window or session_window())
    for step in (b.pages, b.phones, b.downloads, b.software, b.sessions, b.transfers, b.money):
        step()
    far = datetime.max.replace(tzinfo=None)
    b.out.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), (f.first.replace(tzinfo=None) if f.first else far)))
    for i, f in enumerate(b.out, 1):
        f.id = f"F{i:02d}"
    return b.out


def indicators_found(findings: list[Finding]) -> bool:
    """True when anything points to a scam or a remote-access tool (the CLI's exit status 1)."""
    return any(f.severity in ("high", "medium") for f in findings)
