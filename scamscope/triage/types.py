"""Typed records of a triage: collectors -> timeline events / sessions / software -> findings -> report.

Every record keeps where it came from (``source``: the artifact, ``path``: the file inside the
target, ``line`` where the artifact is a text log) so that a finding in the report can be traced
back to the evidence. Timestamps are timezone-aware UTC ``datetime``s; a collector that reads a
local-time log converts with :attr:`TriageContext.local_tz` and says so in ``time_note``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Ref:
    """Where a record came from: artifact label, path inside the target, optional line number."""

    source: str  # e.g. "AnyDesk ad_svc.trace", "Chrome History", "System.evtx"
    path: str  # path inside the target, e.g. "C:/ProgramData/AnyDesk/ad_svc.trace"
    line: int | None = None  # 1-based line of a text log, or the record number of a database row

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"source": self.source, "path": self.path}
        if self.line is not None:
            d["line"] = self.line
        return d


@dataclass(slots=True)
class Event:
    """One entry of the timeline (exported to Timesketch JSONL and CSV).

    ``kind`` is a stable dotted name: ``remote.session_start``, ``remote.session_end``,
    ``remote.login``, ``remote.file_transfer``, ``remote.log``, ``software.installed``,
    ``software.executed``, ``service.installed``, ``msi.installed``, ``browser.visit``,
    ``browser.download``, ``evtx.event`` ...; ``timestamp_desc`` is Timesketch's field
    ("Connection Start", "Visit Time", "Install Time", "Last Executed", ...).
    """

    ts: datetime
    kind: str
    message: str
    timestamp_desc: str
    ref: Ref
    tool: str | None = None  # key of data/remote_tools.toml or fake software name, when about one
    user: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # e.g. "scam_page", "banking", "payment", "remote_tool"
    id: str = ""  # assigned by the pipeline after sorting: "E0001", ...
    # fields many events share (a visited page's URL, title and score), kept once: never mutate it,
    # read an event's fields with :meth:`all_fields`
    shared: dict[str, Any] | None = None

    def all_fields(self) -> dict[str, Any]:
        """The shared fields and the event's own (which win)."""
        return {**self.shared, **self.fields} if self.shared else self.fields


@dataclass
class Transfer:
    """A file moved during a remote session."""

    ts: datetime | None
    name: str
    direction: str  # "to_victim" (uploaded onto this PC), "from_victim" (taken from it) or "unknown"
    tool: str
    size: int | None = None
    ref: Ref | None = None


@dataclass
class Session:
    """A remote-control session reconstructed from one tool's logs."""

    tool: str  # key of data/remote_tools.toml: "anydesk", "teamviewer", ...
    start: datetime | None
    end: datetime | None
    remote_id: str | None = None
    remote_ip: str | None = None
    remote_name: str | None = None
    direction: str = "incoming"  # incoming (someone controlled this PC), outgoing, unknown
    access: str | None = None  # how access was granted: "accepted by the user", "unattended password", ...
    user: str | None = None
    transfers: list[Transfer] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    time_note: str = ""  # e.g. "log times are local time, converted with Asia/Tokyo"
    id: str = ""  # assigned by the pipeline: "S01", ...

    @property
    def seconds(self) -> float | None:
        if self.start and self.end:
            return (self.end - self.start).total_seconds()
        return None


@dataclass
class Software:
    """An installed or executed program (uninstall entry, Amcache, Prefetch, service, MSI event)."""

    name: str
    evidence: str  # "uninstall_entry", "amcache", "prefetch", "service", "msi", "file"
    ref: Ref
    version: str | None = None
    publisher: str | None = None
    path: str | None = None
    user: str | None = None  # set for per-user (HKCU) entries
    installed: datetime | None = None
    last_run: datetime | None = None
    match: str | None = None  # remote tool key or fake software name it matched
    category: str | None = None  # "remote_tool", "fake_security" or None


@dataclass(slots=True)
class Visit:
    """A browser history entry or download, scored with the detection core's URL/title signals."""

    ts: datetime
    url: str
    title: str
    browser: str
    ref: Ref
    user: str | None = None
    kind: str = "visit"  # "visit" or "download"
    target_path: str | None = None  # downloads: where the file was saved
    score: float | None = None  # detection core probability for URL + title
    verdict: str | None = None
    evidence: list[str] = field(default_factory=list)  # signal names that fired
    tags: list[str] = field(default_factory=list)  # "scam_page", "banking", "payment", "gift_card", "remote_tool_download"
    # numbers the URL carries in its parameters (scamscope.types.Phone, explained by the detection core);
    # visits to one page share this list and ``tags``/``evidence``: never mutate them in place
    phones: list[Any] = field(default_factory=list)


NO_SOFTWARE_HIVE = "Uninstall (HKLM)"  # Problem.source when the target has no SOFTWARE hive to list programs from


@dataclass
class Problem:
    """A source that was missing, unreadable or corrupt; the triage goes on without it."""

    source: str
    message: str
    path: str | None = None
    severity: str = "warning"  # "info" (absent, as expected on partial collections), "warning", "error"


@dataclass
class Collected:
    """What one collector returns. The pipeline merges these from all collectors."""

    events: list[Event] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    software: list[Software] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources_read: list[Ref] = field(default_factory=list)  # artifacts actually read (for the report's method section)
    # browser visits read; only the notable ones (tagged, scored scam/suspicious, carrying a phone
    # number, downloads) are kept in ``visits``: every visit is a timeline event in ``events``
    visits_read: int = 0

    def extend(self, other: Collected) -> None:
        self.events += other.events
        self.sessions += other.sessions
        self.software += other.software
        self.visits += other.visits
        self.problems += other.problems
        self.sources_read += other.sources_read
        self.visits_read += other.visits_read
