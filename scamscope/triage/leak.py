"""Leak-scope assessment: what the remote side could have seen or taken. Interpretation, not findings.

Each item says what it rests on (evidence ids), how sure it is (``confidence``) and what it cannot
tell (``limitations``). A remote operator who controls the desktop can see everything shown on the
screen; the logs only tell *when* they could, and which files a tool moved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from scamscope.triage.findings import MONEY_TAGS, in_session, tool_name
from scamscope.triage.fmt import when
from scamscope.triage.link import Links
from scamscope.triage.passwords import PasswordStore
from scamscope.triage.types import Collected, Problem

LEVELS = ("none", "low", "medium", "high")


@dataclass
class LeakItem:
    topic: str  # access, file_transfers, saved_passwords, money_pages
    statement: str
    confidence: str  # high, medium, low
    evidence: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)


@dataclass
class LeakAssessment:
    level: str  # none, low, medium, high: how much may have leaked
    confidence: str
    summary: str
    items: list[LeakItem] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _access(c: Collected, links: Links) -> LeakItem | None:
    incoming = [s for s in c.sessions if s.direction != "outgoing"]
    if not incoming:
        return None
    known = [s for s in incoming if s.seconds is not None]
    total = sum(s.seconds or 0 for s in known)
    tools = sorted({tool_name(s.tool) for s in incoming})
    text = f"The remote side could see and control this PC's screen during {len(incoming)} session(s) ({', '.join(tools)})"
    text += f", {total / 60:.0f} min in all for the {len(known)} session(s) whose end is logged" if known else ""
    text += "." if len(known) == len(incoming) else f"; for {len(incoming) - len(known)} session(s) the end is not logged, so their length is unknown."
    lim = ["The logs record connections, not what was shown on screen or typed; anything displayed during a session may have been seen."]
    if len(known) < len(incoming):
        lim.append("Session ends missing from the logs: durations are a lower bound or unknown.")
    return LeakItem("access", text, "high", [s.id for s in incoming] + sorted({i for s in incoming for i in links.of(s)}), lim)


def _transfers(c: Collected, links: Links) -> LeakItem | None:
    rows = [(t, s) for s in c.sessions for t in s.transfers]
    lim = ["Data can also leave by other means that leave no transfer record: clipboard, upload through a web page, a photo of the screen."]
    if not rows:
        if not c.sessions:
            return None
        return LeakItem("file_transfers", "No file transfer is logged for these sessions.", "medium", [], lim)
    taken = [t for t, _ in rows if t.direction == "from_victim"]
    given = [t for t, _ in rows if t.direction == "to_victim"]
    unknown = [t for t, _ in rows if t.direction not in ("from_victim", "to_victim")]
    parts = []
    if taken:
        parts.append(f"{len(taken)} file(s) were taken from this PC ({', '.join(t.name for t in taken[:10])})")
    if given:
        parts.append(f"{len(given)} file(s) were put onto this PC ({', '.join(t.name for t in given[:10])}): check them, they may be further remote tools or malware")
    if unknown:
        parts.append(f"{len(unknown)} file(s) moved in an unlogged direction ({', '.join(t.name for t in unknown[:10])})")
    return LeakItem("file_transfers", "; ".join(parts) + ".", "high",
                    sorted({i for t, _ in rows for i in links.of(t)} | {s.id for _, s in rows}), lim)


def _passwords(stores: list[PasswordStore], c: Collected) -> LeakItem | None:
    if not c.sessions and not stores:
        return None
    saved = [s for s in stores if s.saved]
    if not stores:
        return LeakItem("saved_passwords", "No browser saved-password store was found in the user profiles read.", "medium", [],
                        ["Only Chrome, Edge, Brave and Firefox stores are looked for; other password managers are not."])
    text = "; ".join(f"{s.browser} ({s.user}): {s.saved if s.saved is not None else 'unreadable'} saved login(s)"
                     + (f" for {len(s.sites)} site(s): {', '.join(s.sites[:8])}" + (" ..." if len(s.sites) > 8 else "") if s.sites else "")
                     for s in stores)
    if c.sessions and saved:
        text = ("Browsers hold saved passwords, which a person controlling the desktop can open in the browser's password "
                "manager: " + text + ".")
        conf = "low"
    else:
        text = "Saved-password stores present: " + text + "."
        conf = "medium"
    return LeakItem("saved_passwords", text, conf, [], [
        "Whether the remote side opened the password manager is not logged; this says only what was there to take.",
        "Counts come from the stores as they are now, not as they were during the session."])


def _money(c: Collected, links: Links, window: timedelta) -> LeakItem | None:
    rows = []
    for v in sorted(c.visits, key=lambda v: v.ts):
        if not any(t in v.tags for t in MONEY_TAGS):
            continue
        s, known = in_session(v.ts, c.sessions, window)
        if s:
            rows.append((v, s, known))
    if not rows:
        return None
    known_rows = [r for r in rows if r[2]]
    text = "; ".join(f"{when(v.ts)} {v.url} ({'during' if k else 'after the start of'} {s.id})" for v, s, k in rows[:10])
    return LeakItem("money_pages", "Banking, payment or gift-card pages were open while the remote side was connected: " + text
                    + ". Account numbers, balances or card details shown on them may have been seen.",
                    "medium" if known_rows else "low", sorted({i for v, _, _ in rows for i in links.of(v)} | {s.id for _, s, _ in rows}),
                    [] if known_rows else [f"The sessions' ends are not logged; these visits fall within {int(window.total_seconds() // 60)} min "
                                           "of a session start, an assumption (see the method section)."])


def assess(c: Collected, links: Links, stores: list[PasswordStore], window: timedelta, problems: list[Problem]) -> LeakAssessment:
    items = [i for i in (_access(c, links), _transfers(c, links), _money(c, links, window), _passwords(stores, c)) if i]
    topics = {i.topic: i for i in items}
    taken = "file_transfers" in topics and "taken from" in topics["file_transfers"].statement
    if taken or ("money_pages" in topics and topics["money_pages"].confidence == "medium"):
        level = "high"
    elif "access" in topics:
        level = "medium"
    elif c.visits and any(v.verdict == "scam" or "scam_page" in v.tags for v in c.visits):
        level = "low"
    else:
        level = "none"
    summaries = {
        "high": "Data very probably left the PC or was seen: files were taken, or money pages were open during a session.",
        "medium": "A remote party had control of the PC; what they saw or took is not fully logged.",
        "low": "A scam page was shown but no remote session is logged: a leak is unlikely unless information was given by phone.",
        "none": "Nothing read points to a leak.",
    }
    limitations = []
    absent = [p for p in problems if p.severity == "info"]
    if absent:
        limitations.append(f"{len(absent)} source(s) were absent from the evidence (see Limitations); what they would have logged is unknown.")
    unreadable = [p for p in problems if p.severity in ("warning", "error")]
    if unreadable:
        limitations.append(f"{len(unreadable)} source(s) could not be fully read (see Limitations); they may hold more.")
    conf = "medium" if level in ("high", "medium") else "low"
    return LeakAssessment(level, conf, summaries[level], items, limitations)
