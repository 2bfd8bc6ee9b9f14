"""The reconstructed story of a support scam, step by step, each step linked to its evidence.

scam page -> call window -> download -> install -> sessions -> file transfers -> payment-related
activity. A step with no evidence is kept, marked ``not_found``, so that the reader sees what was
looked for and not seen. The call itself leaves no trace on the PC: its window is ``inferred``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scamscope.data import load
from scamscope.triage.findings import MONEY_TAGS, download_tool, in_session, is_scam, tool_name
from scamscope.triage.fmt import iso, when
from scamscope.triage.link import Links
from scamscope.triage.types import Collected

TITLES = {
    "scam_page": ("Scam page shown", "詐欺ページの表示"),
    "call_window": ("Phone call (inferred window)", "電話をかけた時間帯（推定）"),
    "download": ("Remote tool downloaded", "遠隔操作ソフトのダウンロード"),
    "install": ("Installed / first run", "インストール・実行"),
    "sessions": ("Remote-control sessions", "遠隔操作の接続"),
    "file_transfers": ("File transfers", "ファイルの転送"),
    "payment": ("Payment-related activity", "支払い・銀行関連の操作"),
}


@dataclass
class Step:
    key: str
    status: str  # "found", "inferred", "not_found"
    text: str
    start: datetime | None = None
    end: datetime | None = None
    evidence: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.key][0]

    @property
    def title_ja(self) -> str:
        return TITLES[self.key][1]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.key, "title": self.title, "title_ja": self.title_ja, "status": self.status, "text": self.text,
                "start": iso(self.start), "end": iso(self.end), "evidence": self.evidence}


def _span(times: list[datetime]) -> tuple[datetime | None, datetime | None]:
    return (min(times), max(times)) if times else (None, None)


def _ids(links: Links, records: list[Any]) -> list[str]:
    return sorted({i for r in records for i in links.of(r)})


def reconstruct(c: Collected, links: Links, window: timedelta) -> list[Step]:
    """The seven steps in order (see the module docstring)."""
    call_hours = timedelta(hours=float(load("triage_rules")["call_window"]["hours"]))
    steps: list[Step] = []
    scam = sorted((v for v in c.visits if is_scam(v)), key=lambda v: v.ts)
    suspicious_only = not scam
    if suspicious_only:
        scam = sorted((v for v in c.visits if v.verdict == "suspicious"), key=lambda v: v.ts)
    if scam:
        a, b = _span([v.ts for v in scam])
        label = "suspicious (not certainly scam) page" if suspicious_only else "scam page"
        steps.append(Step("scam_page", "found", f"{len(scam)} visit(s) to a {label}, first {when(a)}: {scam[0].url}"
                          + (f" \u201c{scam[0].title}\u201d" if scam[0].title else ""), a, b, _ids(links, scam)))
    else:
        steps.append(Step("scam_page", "not_found", "No scam page in the browser histories read (it may have been shown in a "
                          "private window, a browser not collected, or the history may have been cleared)."))

    downloads = sorted((v for v in c.visits if download_tool(v)), key=lambda v: v.ts)
    installs = [sw for sw in c.software if sw.category in ("remote_tool", "fake_security") and (sw.installed or sw.last_run)]
    sessions = [s for s in c.sessions if s.start or s.end]
    remote_times: list[tuple[datetime, list[str]]] = []
    remote_times += [(v.ts, links.of(v)) for v in downloads]
    remote_times += [(t, links.of(sw)) for sw in installs for t in (sw.installed, sw.last_run) if t]
    remote_times += [(s.start or s.end, links.of(s)) for s in sessions]  # type: ignore[misc]
    steps.append(_call_window(scam, remote_times, links, call_hours))

    if downloads:
        a, b = _span([v.ts for v in downloads])
        steps.append(Step("download", "found", "; ".join(f"{when(v.ts)} {tool_name(download_tool(v))} from {v.url}" for v in downloads[:10]),
                          a, b, _ids(links, downloads)))
    else:
        steps.append(Step("download", "not_found", "No download of a remote-access tool in the browser download histories read."))

    if installs:
        times = [t for sw in installs for t in (sw.installed, sw.last_run) if t]
        a, b = _span(times)
        text = "; ".join(f"{sw.name} ({sw.evidence}): " + ", ".join(x for x in (f"installed {when(sw.installed)}" if sw.installed else "",
                         f"last run {when(sw.last_run)}" if sw.last_run else "") if x) for sw in sorted(installs, key=lambda s: min(
                             t for t in (s.installed, s.last_run) if t))[:12])
        steps.append(Step("install", "found", text, a, b, _ids(links, installs)))
    else:
        steps.append(Step("install", "not_found", "No dated install or execution record of a remote-access tool or fake security "
                          "software (a portable tool run from Downloads may leave only its own logs)."))

    if sessions:
        a, b = _span([t for s in sessions for t in (s.start, s.end) if t])
        text = "; ".join(f"{s.id} {tool_name(s.tool)} {s.direction} {when(s.start)}"
                         + (f" to {when(s.end)}" if s.end else " (end not logged)")
                         + (f" from ID {s.remote_id}" if s.remote_id else "") + (f", IP {s.remote_ip}" if s.remote_ip else "")
                         for s in sessions)
        steps.append(Step("sessions", "found", text, a, b, [s.id for s in sessions] + _ids(links, sessions)))
    else:
        steps.append(Step("sessions", "not_found", "No remote-control session in the logs read."))

    transfers = [(t, s) for s in c.sessions for t in s.transfers]
    if transfers:
        a, b = _span([t.ts for t, _ in transfers if t.ts])
        steps.append(Step("file_transfers", "found", "; ".join(f"{when(t.ts)} {s.id}: {t.name} ({t.direction.replace('_', ' ')})"
                                                                for t, s in transfers[:20]),
                          a, b, _ids(links, [t for t, _ in transfers]) + sorted({s.id for _, s in transfers})))
    else:
        steps.append(Step("file_transfers", "not_found", "No file transfer in the remote tools' logs read."))

    steps.append(_payment(c, links, window, scam))
    return steps


def _call_window(scam: list[Any], remote: list[tuple[datetime, list[str]]], links: Links, limit: timedelta) -> Step:
    if not scam:
        return Step("call_window", "not_found", "No scam page, so no call window can be placed; the first contact may have "
                    "been a phone call, an e-mail or a page in a browser not collected.")
    first = scam[0].ts
    later = sorted((t, ids) for t, ids in remote if t >= first)
    if not later:
        return Step("call_window", "not_found", "No remote-tool download, install or session after the scam page.")
    anchor, anchor_ids = later[0]
    page = max((v for v in scam if v.ts <= anchor), key=lambda v: v.ts)
    gap = anchor - page.ts
    if gap > limit:
        return Step("call_window", "not_found", f"The first remote-tool activity ({when(anchor)}) comes {gap} after the scam page: "
                    "too long to place a call between them.")
    return Step("call_window", "inferred", f"The victim probably phoned the number on the page between {when(page.ts)} and {when(anchor)} "
                f"({gap.total_seconds() / 60:.0f} min). A phone call leaves no record on the PC: this is an inference from the "
                "order of events, to be checked against the victim's phone records.", page.ts, anchor,
                sorted(set(links.of(page)) | set(anchor_ids)))


def _payment(c: Collected, links: Links, window: timedelta, scam: list[Any]) -> Step:
    starts = [s.start for s in c.sessions if s.start] + [v.ts for v in scam]
    since = min(starts, default=None)
    money = sorted((v for v in c.visits if any(t in v.tags for t in MONEY_TAGS)), key=lambda v: v.ts)
    rows = []
    for v in money:
        s, known = in_session(v.ts, c.sessions, window)
        if s or (since and v.ts >= since):
            where = (f"during {s.id}" if known else f"after {s.id} started (end not logged)") if s else "after the scam began"
            rows.append((v, where))
    if not rows:
        return Step("payment", "not_found", "No banking, payment or gift-card page visit during or after the scam in the histories read.")
    a, b = _span([v.ts for v, _ in rows])
    return Step("payment", "found", "; ".join(f"{when(v.ts)} {v.url} [{', '.join(t for t in v.tags if t in MONEY_TAGS)}] {where}"
                                              for v, where in rows[:20]), a, b, _ids(links, [v for v, _ in rows]))


def step_events(steps: list[Step]) -> dict[str, list[str]]:
    """Event id -> story steps that cite it (for the timeline's ``story_step`` field)."""
    out: dict[str, list[str]] = {}
    for st in steps:
        for i in st.evidence:
            out.setdefault(i, []).append(st.key)
    return out
