"""The case folder's outputs: timeline.jsonl/.csv, findings.json, report.html and report.pdf."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scamscope.triage.result import TriageResult
from scamscope.triage.story import step_events


def write_timeline(result: TriageResult) -> dict[str, Path]:
    from scamscope.triage.report.timeline import write_csv, write_jsonl

    steps = step_events(result.story)
    out = {"timeline.jsonl": result.out / "timeline.jsonl", "timeline.csv": result.out / "timeline.csv"}
    write_jsonl(result.collected.events, steps, out["timeline.jsonl"])
    write_csv(result.collected.events, steps, out["timeline.csv"])
    return out


def write_all(result: TriageResult, pdf: bool = True, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """findings.json and report.html; report.pdf too unless ``pdf`` is False (a PDF failure becomes a problem)."""
    from scamscope.triage.report.findings_json import write_findings
    from scamscope.triage.report.html import write_html
    from scamscope.triage.types import Problem

    say = progress or (lambda s: None)
    out = {"findings.json": result.out / "findings.json", "report.html": result.out / "report.html"}
    write_findings(result, out["findings.json"])
    write_html(result, out["report.html"])
    say("report.html written")
    if pdf:
        from scamscope.triage.report.pdf import PdfError, html_to_pdf

        try:
            result.chromium = html_to_pdf(out["report.html"], result.out / "report.pdf")
            out["report.pdf"] = result.out / "report.pdf"
            say("report.pdf written")
        except PdfError as exc:
            result.problems.append(Problem("report.pdf", f"not written: {exc}", severity="warning"))
            say(f"report.pdf not written: {exc}")
            write_findings(result, out["findings.json"])
    return out
