"""Tie records (sessions, transfers, software, visits) to timeline events, and number everything.

Collectors return records and timeline events side by side; whether a collector also emitted an
event for each of its records is up to it. :func:`link` makes sure every dated record has at
least one event (it adds the missing ones, it never duplicates one a collector emitted), so that
each finding and each step of the story can cite event ids (``E0001``) that exist in the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from scamscope.triage.types import Collected, Event, Ref, Session, Software, Transfer, Visit

SLACK = timedelta(seconds=1)


@dataclass
class Links:
    """Event ids of each record, keyed by the record object's identity (records have no ids of their own)."""

    by_record: dict[int, list[str]] = field(default_factory=dict)

    def of(self, record: Any) -> list[str]:
        return self.by_record.get(id(record), [])

    def add(self, record: Any, event: Event) -> None:
        ids = self.by_record.setdefault(id(record), [])
        if event.id and event.id not in ids:
            ids.append(event.id)


def utc(ts: datetime | None) -> datetime | None:
    """Timezone-aware UTC; a naive timestamp is taken as UTC (the collector should have said so)."""
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def normalise_times(c: Collected) -> int:
    """Convert every timestamp to aware UTC in place; return how many were naive."""
    naive = 0

    def fix(ts: datetime | None) -> datetime | None:
        nonlocal naive
        if ts is not None and ts.tzinfo is None:
            naive += 1
        return utc(ts)

    for e in c.events:
        e.ts = fix(e.ts)  # type: ignore[assignment]
    for s in c.sessions:
        s.start, s.end = fix(s.start), fix(s.end)
        for t in s.transfers:
            t.ts = fix(t.ts)
    for sw in c.software:
        sw.installed, sw.last_run = fix(sw.installed), fix(sw.last_run)
    for v in c.visits:
        v.ts = fix(v.ts)  # type: ignore[assignment]
    return naive


def _near(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= SLACK


def _mentions(e: Event, text: str | None) -> bool:
    if not text:
        return False
    t = text.lower()
    return t in e.message.lower() or any(t in str(v).lower() for v in e.all_fields().values())


@lru_cache(maxsize=4096)
def _path_key(path: str) -> str:
    """``/sysvol/x``, ``sysvol/x``, ``c:/x`` and ``C:\\x`` are the same file."""
    p = path.replace("\\", "/").lower()
    for prefix in ("/sysvol/", "sysvol/", "/c:/", "c:/"):
        if p.startswith(prefix):
            return "c:/" + p[len(prefix):]
    return p


def _same_ref(a: Ref | None, b: Ref | None) -> bool:
    return a is not None and b is not None and a.line == b.line and _path_key(a.path) == _path_key(b.path)


def dedupe(c: Collected) -> int:
    """Drop records two collectors (or one, twice) produced for the same thing; return how many were dropped.

    Sessions are the same when tool, start, end, remote ID/IP and direction agree (their refs and
    transfers are merged); events when time, kind, tool, message and source line agree and the
    paths name the same file.
    """
    before = len(c.sessions) + len(c.events)
    kept: dict[tuple[Any, ...], Session] = {}
    for s in c.sessions:
        key = (s.tool, s.start, s.end, s.remote_id, s.remote_ip, s.direction)
        if key not in kept:
            kept[key] = s
            continue
        first = kept[key]
        first.refs += [r for r in s.refs if not any(_same_ref(r, x) for x in first.refs)]
        have = {(t.ts, t.name) for t in first.transfers}
        first.transfers += [t for t in s.transfers if (t.ts, t.name) not in have]
    c.sessions = list(kept.values())
    seen: set[tuple[Any, ...]] = set()
    events = []
    for e in c.events:
        ekey = (e.ts, e.kind, e.tool, e.message, e.ref.line, _path_key(e.ref.path))
        if ekey not in seen:
            seen.add(ekey)
            events.append(e)
    c.events = events
    return before - len(c.sessions) - len(c.events)


class _Index:
    """Events by whole second, so that matching a record to its event does not scan the whole timeline.

    Only the seconds some record is dated at (``wanted``, ±1 s) are indexed: a history of 200,000
    plain visits with a handful of records to link costs a handful of entries."""

    def __init__(self, events: list[Event], wanted: set[int]) -> None:
        self.events = events
        self.by_second: dict[int, list[Event]] = {}
        for e in events:
            sec = int(e.ts.timestamp())
            if sec in wanted:
                self.by_second.setdefault(sec, []).append(e)

    def add(self, e: Event) -> None:
        self.events.append(e)
        self.by_second.setdefault(int(e.ts.timestamp()), []).append(e)

    def find(self, ts: datetime, test: Callable[[Event], bool]) -> Event | None:
        sec = int(ts.timestamp())
        for k in (sec - 1, sec, sec + 1):
            for e in self.by_second.get(k, ()):
                if test(e):
                    return e
        return None


def _session_pairs(s: Session) -> list[tuple[datetime, str, str, Callable[[Event], bool]]]:
    out: list[tuple[datetime, str, str, Callable[[Event], bool]]] = []
    if s.start:
        out.append((s.start, "remote.session_start", "Connection Start",
                    lambda e: e.kind in ("remote.session_start", "remote.login") and e.tool == s.tool and _near(e.ts, s.start)))
    if s.end:
        out.append((s.end, "remote.session_end", "Connection End",
                    lambda e: e.kind == "remote.session_end" and e.tool == s.tool and _near(e.ts, s.end)))
    return out


def _session_message(s: Session, kind: str) -> str:
    what = "started" if kind.endswith("start") else "ended"
    who = " ".join(x for x in (f"from ID {s.remote_id}" if s.remote_id else "", f"IP {s.remote_ip}" if s.remote_ip else "") if x)
    return f"{s.tool} {s.direction} session {what}" + (f" ({who})" if who else "")


def _transfer_event(t: Transfer, s: Session | None) -> Event:
    ref = t.ref or (s.refs[0] if s and s.refs else Ref(source=t.tool, path=""))
    arrow = {"to_victim": "onto this PC", "from_victim": "from this PC"}.get(t.direction, "(direction unknown)")
    return Event(ts=t.ts, kind="remote.file_transfer", message=f"{t.tool}: file {t.name} moved {arrow}",  # type: ignore[arg-type]
                 timestamp_desc="File Transfer", ref=ref, tool=t.tool, user=s.user if s else None,
                 fields={"file": t.name, "direction": t.direction, "size": t.size}, tags=["file_transfer"])


def _visit_event(v: Visit) -> Event:
    kind = "browser.download" if v.kind == "download" else "browser.visit"
    desc = "Download Start" if v.kind == "download" else "Visit Time"
    msg = f"{v.browser} {'download' if v.kind == 'download' else 'visit'}: {v.url}" + (f" ({v.title})" if v.title else "")
    fields: dict[str, Any] = {"url": v.url, "title": v.title, "browser": v.browser}
    if v.target_path:
        fields["target_path"] = v.target_path
    if v.verdict:
        fields.update(verdict=v.verdict, score=v.score)
    return Event(ts=v.ts, kind=kind, message=msg, timestamp_desc=desc, ref=v.ref, user=v.user, fields=fields, tags=list(v.tags))


def _software_events(sw: Software) -> list[tuple[datetime, Event]]:
    out = []
    tags = [sw.category] if sw.category else []
    base = {"name": sw.name, "evidence": sw.evidence, "version": sw.version, "path": sw.path, "match": sw.match}
    if sw.installed:
        kind = {"service": "service.installed", "msi": "msi.installed"}.get(sw.evidence, "software.installed")
        out.append((sw.installed, Event(ts=sw.installed, kind=kind, message=f"{sw.name} installed ({sw.evidence})",
                                        timestamp_desc="Install Time", ref=sw.ref, tool=sw.match, user=sw.user,
                                        fields=dict(base), tags=list(tags))))
    if sw.last_run:
        out.append((sw.last_run, Event(ts=sw.last_run, kind="software.executed", message=f"{sw.name} executed ({sw.evidence})",
                                       timestamp_desc="Last Executed", ref=sw.ref, tool=sw.match, user=sw.user,
                                       fields=dict(base), tags=list(tags))))
    return out


Test = Callable[[Event], bool]


def _session_tests(s: Session, kind: str, test: Test, claimed: set[int]) -> list[Test]:
    """Prefer the event naming this session's remote ID, then one no other session has taken."""
    return [
        lambda e: e.kind == kind and test(e) and _mentions(e, s.remote_id),
        lambda e: e.kind == kind and test(e) and id(e) not in claimed,
        lambda e: test(e) and id(e) not in claimed,
    ]


def _transfer_test(t: Transfer) -> Test:
    return lambda e: e.kind == "remote.file_transfer" and _near(e.ts, t.ts) and (_mentions(e, t.name) or _same_ref(e.ref, t.ref))


def _visit_test(v: Visit) -> Test:
    return lambda e: e.kind.startswith("browser.") and _near(e.ts, v.ts) and _mentions(e, v.url)


def _software_test(sw: Software, ts: datetime) -> Test:
    return lambda e: (e.kind.split(".")[0] in ("software", "service", "msi") and _near(e.ts, ts)
                      and (e.ref.path.lower() == sw.ref.path.lower() or _mentions(e, sw.name)))


def _wanted_seconds(c: Collected) -> set[int]:
    times = [t for s in c.sessions for t in (s.start, s.end, *(x.ts for x in s.transfers)) if t]
    times += [v.ts for v in c.visits]
    times += [t for sw in c.software for t in (sw.installed, sw.last_run) if t]
    return {int(t.timestamp()) + d for t in times for d in (-1, 0, 1)}


def ensure_events(c: Collected) -> list[tuple[Any, Event]]:
    """Add an event for each dated record that has none; return (record, event) pairs, found or added."""
    pairs: list[tuple[Any, Event]] = []
    index = _Index(c.events, _wanted_seconds(c))
    claimed: set[int] = set()
    for s in c.sessions:
        for ts, kind, desc, test in _session_pairs(s):
            e = next((x for x in (index.find(ts, f) for f in _session_tests(s, kind, test, claimed)) if x), None)
            if e is None:
                e = Event(ts=ts, kind=kind, message=_session_message(s, kind), timestamp_desc=desc,
                          ref=s.refs[0] if s.refs else Ref(source=s.tool, path=""), tool=s.tool, user=s.user,
                          fields={k: v for k, v in (("remote_id", s.remote_id), ("remote_ip", s.remote_ip),
                                                     ("access", s.access)) if v}, tags=["remote_session"])
                index.add(e)
            claimed.add(id(e))
            pairs.append((s, e))
        for t in s.transfers:
            if t.ts is None:
                continue
            e = index.find(t.ts, _transfer_test(t))
            if e is None:
                e = _transfer_event(t, s)
                index.add(e)
            pairs += [(t, e), (s, e)]
    for v in c.visits:
        e = index.find(v.ts, _visit_test(v))
        if e is None:
            e = _visit_event(v)
            index.add(e)
        elif any(tag not in e.tags for tag in v.tags):
            e.tags = e.tags + [tag for tag in v.tags if tag not in e.tags]  # a new list: tag lists may be shared
        pairs.append((v, e))
    for sw in c.software:
        for ts, new in _software_events(sw):
            e = index.find(ts, _software_test(sw, ts))
            if e is None:
                e = new
                index.add(e)
            pairs.append((sw, e))
    return pairs


def mark_during_sessions(events: list[Event], sessions: list[Session], window: timedelta) -> None:
    """Tag events that happened while a session was open (or, end unknown, within ``window`` of its start)."""
    for s in sessions:
        if not s.start:
            continue
        end, assumed = (s.end, False) if s.end else (s.start + window, True)
        for e in events:
            if e.kind.startswith("remote.") or not (s.start <= e.ts <= end):
                continue
            tag = "after_session_start" if assumed else "during_remote_session"
            if tag not in e.tags:
                e.tags = [*e.tags, tag]  # a new list: events of one page share theirs
            if "session" not in e.fields:
                e.fields = {**e.fields, "session": s.id}


def link(c: Collected, window: timedelta) -> Links:
    """Add missing events, sort the timeline, assign ``E0001``.. and ``S01``.., return the links."""
    pairs = ensure_events(c)
    c.events.sort(key=lambda e: (e.ts, e.kind, e.message))
    for i, e in enumerate(c.events, 1):
        e.id = f"E{i:04d}"
    far = datetime.max.replace(tzinfo=UTC)
    c.sessions.sort(key=lambda s: (s.start or s.end or far, s.tool))
    for i, s in enumerate(c.sessions, 1):
        s.id = f"S{i:02d}"
    links = Links()
    for record, event in pairs:
        links.add(record, event)
    cited = {eid: s.id for s in reversed(c.sessions) for eid in links.of(s)}
    for e in c.events:
        if e.id in cited and "session" not in e.fields:
            e.fields = {**e.fields, "session": cited[e.id]}
    mark_during_sessions(c.events, c.sessions, window)
    for ids in links.by_record.values():
        ids.sort()
    return links
