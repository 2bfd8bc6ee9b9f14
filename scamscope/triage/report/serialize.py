"""Plain-dict forms of the triage's records and its summary (for findings.json, the report and --json)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from scamscope.triage.findings import is_scam, tool_name
from scamscope.triage.fmt import both, iso
from scamscope.triage.report.coverage import coverage
from scamscope.triage.result import TriageResult, first_last_contact
from scamscope.triage.types import Event, Problem, Session, Software, Visit


def _clean(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def session_dict(s: Session, event_ids: list[str]) -> dict[str, Any]:
    d = _clean(asdict(s))
    d["tool_name"] = tool_name(s.tool)
    d["seconds"] = s.seconds
    d["events"] = event_ids
    return d


def record_dict(r: Software | Visit | Problem, event_ids: list[str] | None = None) -> dict[str, Any]:
    d = _clean(asdict(r))
    if event_ids is not None:
        d["events"] = event_ids
    return d


def event_dict(e: Event) -> dict[str, Any]:
    return {"id": e.id, "ts": iso(e.ts), "kind": e.kind, "message": e.message, "timestamp_desc": e.timestamp_desc,
            "tool": e.tool, "user": e.user, "tags": e.tags, "fields": _clean(e.fields), "ref": e.ref.to_dict()}


def summary(result: TriageResult) -> dict[str, Any]:
    """The few lines the terminal prints: scam indicators, tools and sessions, first/last contact, files moved."""
    c = result.collected
    first, last = first_last_contact(result)
    tools: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        if f.kind == "remote_tool_present" and f.tool:
            tools.setdefault(f.tool, {"tool": f.tool, "name": tool_name(f.tool), "sessions": 0})["still_installed"] = f.data.get("still_installed")
    for s in c.sessions:
        tools.setdefault(s.tool, {"tool": s.tool, "name": tool_name(s.tool), "sessions": 0})["sessions"] += 1
    files = [{"name": t.name, "direction": t.direction, "tool": t.tool, "session": s.id, "ts": iso(t.ts)}
             for s in c.sessions for t in s.transfers]
    return {
        "scam_indicators": result.found,
        "scam_pages": sum(1 for v in c.visits if is_scam(v)),
        "phone_numbers": phone_numbers(result),
        "fake_security_software": sorted({f.tool or "" for f in result.findings if f.kind == "fake_security_software"}),
        "tools": list(tools.values()),
        "sessions": len(c.sessions),
        "first_contact": iso(first),
        "last_contact": iso(last),
        "first_contact_text": both(first, result.tz) if first else None,
        "last_contact_text": both(last, result.tz) if last else None,
        "files_moved": files,
        "leak_level": result.leak.level,
        "findings": len(result.findings),
        "coverage": coverage(result),
        "problems": {sev: sum(1 for p in result.problems if p.severity == sev) for sev in ("error", "warning", "info")},
    }


def phone_numbers(result: TriageResult) -> list[dict[str, Any]]:
    """Phone numbers carried by visited URLs (from the ``phone_numbers`` findings), one entry per number."""
    out: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        if f.kind == "phone_numbers":
            for n in f.data.get("numbers", []):
                out.setdefault(n["e164"] or n["raw"], n)
    return list(out.values())
