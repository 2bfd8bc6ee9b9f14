"""report.html: the report for people (investigator, police, victim), from ``templates/report.html.j2``.

Sections in the order of NIST SP 800-86 (collection, examination, analysis, reporting): summary,
method, findings, timeline, interpretation, limitations, advice, appendix (input hashes). Every
finding and story step links to the timeline rows (``#E0001``) and sessions (``#S01``) it cites.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from scamscope import __version__
from scamscope.triage.findings import fmt, tool_name
from scamscope.triage.report.serialize import summary

MAX_TIMELINE = 1500  # rows in the report; the full timeline is in timeline.csv / timeline.jsonl
MAX_HASHES = 300  # input files listed in the appendix; all are in evidence.json
PLAIN_KINDS = ("browser.visit",)  # shown in the report only when cited, tagged or during a session


def _env() -> Environment:
    env = Environment(loader=PackageLoader("scamscope.triage", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["t"] = lambda ts: fmt(ts) if isinstance(ts, datetime) else (ts or "")
    env.filters["tool"] = tool_name
    env.filters["dur"] = lambda s: "end not logged" if s is None else f"{s / 60:.0f} min"
    return env


def timeline_rows(result: Any) -> tuple[list[Any], int]:
    """The events worth a row in the report (cited, tagged, remote, software...), and how many were left out."""
    cited = {i for f in result.findings for i in f.evidence} | {i for s in result.story for i in s.evidence}
    keep = [e for e in result.collected.events if e.id in cited or e.tags or e.kind not in PLAIN_KINDS]
    left = len(result.collected.events) - len(keep)
    if len(keep) > MAX_TIMELINE:
        must = [e for e in keep if e.id in cited]
        rest = [e for e in keep if e.id not in cited][: max(0, MAX_TIMELINE - len(must))]
        ids = {e.id for e in must + rest}
        left += len(keep) - len(ids)
        keep = [e for e in keep if e.id in ids]
    return keep, left


def context(result: Any) -> dict[str, Any]:
    ev = result.evidence
    rows, omitted = timeline_rows(result)
    problems = result.problems
    return {
        "r": result,
        "version": __version__,
        "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
        "s": summary(result),
        "ev": ev,
        "hashes": ev.inputs_before[:MAX_HASHES],
        "hashes_omitted": max(0, len(ev.inputs_before) - MAX_HASHES),
        "after": {f.path: f for f in ev.inputs_after},
        "timeline": rows,
        "timeline_omitted": omitted,
        "sources": sorted({(r.source, r.path) for r in result.collected.sources_read}),
        "errors": [p for p in problems if p.severity == "error"],
        "warnings": [p for p in problems if p.severity == "warning"],
        "infos": [p for p in problems if p.severity == "info"],
        "window_min": int(result.window.total_seconds() // 60),
        "notes": sorted({s.time_note for s in result.collected.sessions if s.time_note}),
    }


def render_html(result: Any) -> str:
    return _env().get_template("report.html.j2").render(**context(result))


def write_html(result: Any, path: Path) -> None:
    path.write_text(render_html(result), encoding="utf-8")
