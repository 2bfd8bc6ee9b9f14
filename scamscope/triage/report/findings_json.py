"""findings.json: everything the triage concluded, for machines (the timeline is in timeline.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scamscope import __version__
from scamscope.triage.report.serialize import record_dict, session_dict, summary
from scamscope.triage.result import TriageResult

SCHEMA = "scamscope.triage/1"


def findings_doc(result: TriageResult) -> dict[str, Any]:
    c, links = result.collected, result.links
    flagged = [v for v in c.visits if v.tags or v.phones or v.verdict in ("scam", "suspicious") or v.kind == "download"]
    return {
        "schema": SCHEMA,
        "scamscope": __version__,
        "target": str(result.target),
        "system": result.system,
        "partial_collection": result.partial,
        "time_zone": {"local": result.local_tz, "source": result.tz_source, "confidence": result.tz_confidence or None,
                      "detail": result.tz_detail or None},
        "collection": result.opened or None,
        "summary": summary(result),
        "findings": [f.to_dict() for f in result.findings],
        "story": [s.to_dict() for s in result.story],
        "leak_assessment": result.leak.to_dict(),
        "advice": [a.to_dict() for a in result.advice],
        "sessions": [session_dict(s, links.of(s)) for s in c.sessions],
        "software": [record_dict(sw, links.of(sw)) for sw in c.software],
        "visits_flagged": [record_dict(v, links.of(v)) for v in flagged],
        "visits_total": max(c.visits_read, len(c.visits)),
        "events_total": len(c.events),
        "password_stores": [record_dict(s) for s in result.stores],
        "collectors": [{"name": r.name, "seconds": round(r.seconds, 3), "counts": r.counts, "error": r.error} for r in result.runs],
        "sources_read": sorted({(r.source, r.path) for r in c.sources_read}),
        "problems": [record_dict(p) for p in result.problems],
        "evidence": {"unchanged": result.evidence.unchanged, "changed": result.evidence.changed,
                     "input_files": len(result.evidence.inputs_before)},
    }


def write_findings(result: TriageResult, path: Path) -> None:
    path.write_text(json.dumps(findings_doc(result), ensure_ascii=False, indent=1), encoding="utf-8")
