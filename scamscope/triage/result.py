"""What a triage run produces: :class:`TriageResult` and :class:`CollectorRun`.

Kept apart from :mod:`scamscope.triage.pipeline` (which makes them) and
:mod:`scamscope.triage.report` (which writes them out), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from scamscope.triage.advice import Advice
from scamscope.triage.evidence import EvidenceLog
from scamscope.triage.findings import Finding, indicators_found, is_scam
from scamscope.triage.leak import LeakAssessment
from scamscope.triage.link import Links
from scamscope.triage.passwords import PasswordStore
from scamscope.triage.story import Step
from scamscope.triage.types import Collected, Problem


@dataclass
class CollectorRun:
    name: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass
class TriageResult:
    target: Path
    out: Path
    partial: bool
    system: dict[str, str]
    local_tz: str  # the zone's name, or "unknown"
    tz_source: str
    collected: Collected
    links: Links
    runs: list[CollectorRun]
    stores: list[PasswordStore]
    findings: list[Finding]
    story: list[Step]
    leak: LeakAssessment
    advice: list[Advice]
    evidence: EvidenceLog
    window: timedelta
    outputs: dict[str, Path] = field(default_factory=dict)
    chromium: str = ""  # version of the Chromium that printed report.pdf
    tz_confidence: str = ""  # "high", "medium", "low" ("" unknown): how sure the zone is (scamscope.triage.timezone)
    tz_detail: str = ""  # what the zone was read from
    opened: str = ""  # the collection opened inside the evidence, when it held more than that
    tz: tzinfo | None = None  # the PC's zone (local times in the report), None when unknown

    @property
    def problems(self) -> list[Problem]:
        return self.collected.problems

    @property
    def found(self) -> bool:
        return indicators_found(self.findings)


def first_last_contact(result: TriageResult) -> tuple[datetime | None, datetime | None]:
    """Earliest scam-page visit or session start, and the latest session time (or scam-page visit)."""
    c = result.collected
    scam = [v.ts for v in c.visits if is_scam(v)]
    session_times = [t for s in c.sessions for t in (s.start, s.end) if t]
    first = min(scam + session_times, default=None)
    last = max(session_times or scam, default=None)
    return first, last
