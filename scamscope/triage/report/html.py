"""report.html: the report for people (investigator, police, victim), from ``templates/report.html.j2``.

Sections in the order of NIST SP 800-86 (collection, examination, analysis, reporting): summary,
method, findings, timeline, interpretation, limitations, advice, appendix (input hashes). Every
finding and story step links to the timeline rows (``#E0001``) and sessions (``#S01``) it cites.

The report's timeline shows the events around the story (see :func:`timeline_rows`); the rest is
counted by kind, and the full timeline is in timeline.jsonl / timeline.csv. Every time is shown in
UTC and in the PC's local time when its zone is known.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from scamscope import __version__
from scamscope.data import load
from scamscope.triage.findings import tool_name
from scamscope.triage.fmt import fmt, local, minutes, zone_name
from scamscope.triage.report.coverage import coverage
from scamscope.triage.report.serialize import summary
from scamscope.triage.result import TriageResult
from scamscope.triage.types import Event

MAX_MESSAGE = 240  # characters of a timeline message shown in the report
MAX_HASHES = 300  # input files listed in the appendix; all are in evidence.json
STORY_TAGS = frozenset({"scam_page", "file_transfer", "banking", "payment", "gift_card", "remote_tool_download", "remote_tool",
                        "fake_security", "remote_session", "during_remote_session", "after_session_start", "phone_in_url"})
STORY_KINDS = ("remote.", "browser.download")


def _env(result: TriageResult) -> Environment:
    env = Environment(loader=PackageLoader("scamscope.triage", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["t"] = lambda ts: fmt(ts) if isinstance(ts, datetime) else (ts or "")
    env.filters["lt"] = lambda ts: local(ts, result.tz) if isinstance(ts, datetime) else ""
    env.filters["tool"] = tool_name
    env.filters["dur"] = minutes
    env.filters["clip"] = clip
    return env


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """A timeline message cut for the report (ad and tracking URLs run to thousands of characters); the
    full text is in timeline.csv / timeline.jsonl."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _anchors(result: TriageResult) -> list[datetime]:
    """Times the story turns on: scam pages, downloads, remote-tool installs, sessions, transfers, cited events."""
    c = result.collected
    times = [v.ts for v in c.visits if v.kind == "download" or v.phones or "scam_page" in v.tags or v.verdict == "scam"]
    times += [t for s in c.sessions for t in (s.start, s.end, *(x.ts for x in s.transfers)) if t]
    times += [t for sw in c.software if sw.category for t in (sw.installed, sw.last_run) if t]
    times += [t for f in result.findings for t in (f.first, f.last) if t and f.severity in ("high", "medium")]
    return sorted(times)


def _near(ts: datetime, anchors: list[datetime], span: timedelta) -> bool:
    import bisect

    i = bisect.bisect_left(anchors, ts - span)
    return i < len(anchors) and anchors[i] <= ts + span


def _kind_label(e: Event) -> str:
    if e.kind.startswith(("software.", "service.", "msi.")):
        ev = e.all_fields().get("evidence")
        if isinstance(ev, str) and ev:
            return f"{e.kind} ({ev})"
    return e.kind


def timeline_rows(result: TriageResult) -> tuple[list[Event], list[tuple[str, int]]]:
    """The events the report lists, and the number left out by kind (most first).

    Listed: every cited event, every remote-access, download or story-tagged event, and every event
    within ``context_minutes`` of the story's times; at most ``max_rows``, cited events first."""
    rules = load("triage_rules")["report_timeline"]
    span, cap = timedelta(minutes=int(rules["context_minutes"])), int(rules["max_rows"])
    cited = {i for f in result.findings for i in f.evidence} | {i for s in result.story for i in s.evidence}
    cited |= {i for item in result.leak.items for i in item.evidence}
    anchors = _anchors(result)
    keep: list[Event] = []
    left: Counter[str] = Counter()
    for e in result.collected.events:
        if (e.id in cited or e.kind.startswith(STORY_KINDS) or not STORY_TAGS.isdisjoint(e.tags)
                or (anchors and _near(e.ts, anchors, span))):
            keep.append(e)
        else:
            left[_kind_label(e)] += 1
    if len(keep) > cap:
        must = {e.id for e in keep if e.id in cited}
        room = max(0, cap - len(must))
        rest = [e for e in keep if e.id not in must]
        chosen = must | {e.id for e in rest[:room]}
        for e in keep:
            if e.id not in chosen:
                left[_kind_label(e)] += 1
        keep = [e for e in keep if e.id in chosen]
    return keep, left.most_common()


def context(result: TriageResult) -> dict[str, Any]:
    ev = result.evidence
    rows, omitted = timeline_rows(result)
    problems = result.problems
    return {
        "r": result,
        "version": __version__,
        "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
        "s": summary(result),
        "cov": coverage(result),
        "ev": ev,
        "zone": zone_name(result.tz) if result.tz is not None else "",
        "hashes": ev.inputs_before[:MAX_HASHES],
        "hashes_omitted": max(0, len(ev.inputs_before) - MAX_HASHES),
        "after": {f.path: f for f in ev.inputs_after},
        "timeline": rows,
        "timeline_omitted": omitted,
        "timeline_omitted_total": sum(n for _, n in omitted),
        "context_min": int(load("triage_rules")["report_timeline"]["context_minutes"]),
        "sources": sorted({(r.source, r.path) for r in result.collected.sources_read}),
        "errors": [p for p in problems if p.severity == "error"],
        "warnings": [p for p in problems if p.severity == "warning"],
        "infos": [p for p in problems if p.severity == "info"],
        "window_min": int(result.window.total_seconds() // 60),
        "notes": sorted({s.time_note for s in result.collected.sessions if s.time_note}),
    }


def render_html(result: TriageResult) -> str:
    return _env(result).get_template("report.html.j2").render(**context(result))


def write_html(result: TriageResult, path: Path) -> None:
    path.write_text(render_html(result), encoding="utf-8")
