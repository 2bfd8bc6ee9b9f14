"""TeamViewer: ``Connections_incoming.txt``, ``Connections.txt`` and ``TeamViewer*_Logfile*.log``.

``Connections_incoming.txt`` (install folder) lists incoming sessions, one per line, tab-separated:
partner ID, partner name, start and end (``dd-mm-yyyy HH:MM:SS``, UTC), local user, connection type,
connection GUID. ``Connections.txt`` (the user's AppData) lists outgoing ones in the same layout
(older versions pad with spaces instead of tabs and may leave the name out; both are read).

The log file is in local time; each program start writes a ``Start: ... (UTC-8:00)`` header whose
offset converts every line (dissect's teamviewer plugin does the same), else the PC's time zone.
From the log: ``Connection incoming, sessionID = N`` (start), ``allocate ok for DyngateID N``
(partner ID), ``authentication using dynamic password was successful`` (how access was granted),
``AddParticipant: [ID,..] type=.. name=NAME`` (partner name), ``punch received a=IP:PORT`` (partner
IP, when the version logs it), ``Write file`` / ``Send file`` (transfers) and ``SessionTerminate`` /
``ReceivedEndSession`` / ``Session to ID ended`` (end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from scamscope.triage.remote import label
from scamscope.triage.remote.common import (
    Found,
    Out,
    Parser,
    Text,
    attach_transfers,
    local_time_note,
    safely,
    to_utc,
)
from scamscope.triage.types import Ref, Session, Transfer

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

KEY = "teamviewer"
LABEL = label(KEY)
MAX_WAITING = 100_000  # log lines held while waiting for the first Start: header with a UTC offset

_STAMP = r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}"
RE_CONNECTION = re.compile(
    rf"^(?P<id>\S+)\s+(?:(?P<name>.*?)\s+)?(?P<start>{_STAMP})\s+(?P<end>{_STAMP})\s+(?P<user>.*?)\s+(?P<type>[A-Za-z_]+)(?:\s+(?P<guid>\{{[0-9A-Fa-f-]+\}}))?\s*$"
)
RE_LOG = re.compile(
    r"^(?P<date>(?:\d{2,4}/)?\d{2}/\d{2})\s(?P<time>\d{2}:\d{2}:\d{2}(?:[.:]\d{3})?)\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<tag>\S+)\s+(?P<msg>.*)$"
)
RE_START = re.compile(
    r"^Start:\s+(?P<date>\d{4}/\d{2}/\d{2})\s+(?P<time>[\d:.]+)(?:\s+\(UTC(?P<sign>[+-])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\))?"
)
RE_INCOMING = re.compile(r"Connection incoming, sessionID = (?P<sid>\d+)")
RE_MY_ID = re.compile(r"SetMyParticipantIdentifier\(\): pid=\[(?P<id>\d+),(?P<sid>\d+)\]")
RE_DYNGATE = re.compile(r"AuthenticationBlocker::Allocate: allocate ok for DyngateID (?P<id>\d+)")
RE_AUTH = re.compile(r"authentication using (?P<how>.+?) was successful", re.IGNORECASE)
RE_PARTICIPANT = re.compile(r"AddParticipant: \[(?P<id>\d+),(?P<pid>\d+)\] type=(?P<type>\d+) name=(?P<name>.*)$")
RE_PUNCH = re.compile(r"punch received a=(?P<ip>[0-9a-fA-F.:]+?):(?P<port>\d+)")
RE_WRITE = re.compile(r"\bWrite file (?P<name>.+?)\s*$")
RE_SEND = re.compile(r"\bSend file (?P<name>.+?)\s*$")
RE_DENIED = re.compile(r'CreateRecursiveDirectory: .*Access is denied.*?: "(?P<name>[^"\\]+)')
RE_INCOMING_ERROR = re.compile(r"CopyFilesOperationIncoming::HandleError")
RE_END = re.compile(
    r"(?:SessionTerminate: removing session with tvsessionprotocol::TVSessionID = (?P<sid>\d+)|ReceivedEndSession\(\)|Session to (?P<id>\d+) ended)"
)

RE_ACCESS_CONTROL = re.compile(r"RCAccessControl: (?P<rights>RemoteControl=.*)$")

ACCESS_BY_AUTH = {
    "dynamic password": "TeamViewer random password given by the user",
    "personal password": "TeamViewer personal (unattended) password",
}


@dataclass
class Connection:
    start: datetime
    end: datetime | None
    remote_id: str
    name: str | None
    user: str | None
    ctype: str
    direction: str
    ref: Ref


def parse_connections(out: Out, text: Text, found: Found, direction: str) -> list[Connection]:
    """Connections_incoming.txt / Connections.txt -> connections (times UTC)."""
    rows = []
    bad = 0
    source = found.path.name
    for number, raw in text.lines:
        fields = raw.split("\t")
        row = None
        if len(fields) >= 6:
            try:
                start = datetime.strptime(fields[2].strip(), "%d-%m-%Y %H:%M:%S")
                end = datetime.strptime(fields[3].strip(), "%d-%m-%Y %H:%M:%S")
                row = (fields[0].strip(), fields[1].strip(), start, end, fields[4].strip(), fields[5].strip())
            except ValueError:
                row = None
        if row is None and len(raw) <= 600 and (m := RE_CONNECTION.match(raw.strip())):  # real lines: ~200 chars
            try:
                start = datetime.strptime(m["start"], "%d-%m-%Y %H:%M:%S")
                end = datetime.strptime(m["end"], "%d-%m-%Y %H:%M:%S")
                row = (m["id"], (m["name"] or "").strip(), start, end, m["user"].strip(), m["type"])
            except ValueError:
                row = None
        if row is None:
            bad += 1
            continue
        remote_id, name, start, end, user, ctype = row
        ref = out.ref(source, found, number)
        rows.append(
            Connection(
                start.replace(tzinfo=UTC),
                end.replace(tzinfo=UTC),
                remote_id,
                name or None,
                user or None,
                ctype,
                direction,
                ref,
            )
        )
    if bad:
        out.problem(f"{LABEL} {source}", f"{bad} line(s) not in the connection list format were skipped", found.shown)
    return rows


@dataclass
class LogSession:
    sid: str
    start: datetime
    user: str | None
    start_ref: Ref
    remote_id: str | None = None
    name: str | None = None
    ip: str | None = None
    access: str | None = None
    end: datetime | None = None
    end_ref: Ref | None = None
    refs: list[Ref] = field(default_factory=list)


class LogReader:
    """One TeamViewer log file, in one streamed pass: local times converted with its ``Start:`` offsets.

    A line takes the UTC offset of the latest ``Start:`` header before it; lines before the first
    header with an offset wait for it (up to :data:`MAX_WAITING` of them), then take it; without
    any such header the PC's time zone is used.
    """

    def __init__(self, out: Out, ctx: TriageContext, found: Found, text: Text) -> None:
        self.out = out
        self.ctx = ctx
        self.found = found
        self.text = text
        self.sessions: list[LogSession] = []
        self.transfers: list[Transfer] = []
        self.own_ids: set[str] = set()
        self.offset: timezone | None = None  # of the latest Start: header with one
        self.year: int | None = None  # of the latest Start: header
        self.first_year: int | None = None  # of the first Start: header
        self.used_pc_tz = False
        self.pending_denied: list[str] = []
        self.rights_logged: set[str] = set()
        self.parsed = 0

    def ref(self, number: int) -> Ref:
        return self.out.ref(self.found.path.name, self.found, number)

    def start_year(self) -> int | None:
        return self.first_year

    def run(self) -> None:
        waiting: list[tuple[int, str, int | None]] = []  # lines before the first offset
        for number, raw in self.text.lines:
            if m := RE_START.match(raw):
                self.year = int(m["date"][:4])
                self.first_year = self.first_year or self.year
                if m["sign"]:
                    minutes = int(m["h"]) * 60 + int(m["m"] or 0)
                    self.offset = timezone(timedelta(minutes=minutes if m["sign"] == "+" else -minutes))
                    self._release(waiting)
                continue
            if self.offset is None:
                waiting.append((number, raw, self.year))
                if len(waiting) >= MAX_WAITING:
                    self._release(waiting)  # no offset in sight: the PC's zone
                continue
            self._line(number, raw, self.year)
        self._release(waiting)
        if self.text.lines and not self.parsed:
            self.out.problem(
                f"{LABEL} {self.found.path.name}",
                "no line in TeamViewer's log format (not a TeamViewer log, or corrupt)",
                self.found.shown,
            )

    def _release(self, waiting: list[tuple[int, str, int | None]]) -> None:
        for number, raw, year in waiting:
            self._line(number, raw, year)
        waiting.clear()

    def _line(self, number: int, raw: str, year: int | None) -> None:
        m = RE_LOG.match(raw)
        if not m:
            return
        date = m["date"]
        if date.count("/") == 1:
            year = year or self.start_year()
            if year is None:
                return
            date = f"{year}/{date}"
        elif len(date.split("/")[0]) == 2:
            date = "20" + date
        clock = m["time"]
        if clock.count(":") == 3:
            clock = clock[:8] + "." + clock[9:]
        try:
            naive = datetime.strptime(
                f"{date} {clock}", "%Y/%m/%d %H:%M:%S.%f" if "." in clock else "%Y/%m/%d %H:%M:%S"
            )
        except ValueError:
            return
        self.parsed += 1
        zone = self.offset
        if zone is None:
            self.used_pc_tz = True
            zone = self.ctx.local_tz
        self.feed(number, to_utc(naive, zone), m["msg"])

    def _current(self, ts: datetime) -> LogSession | None:
        for session in reversed(self.sessions):
            if session.end is None and session.start <= ts + timedelta(seconds=1):
                return session
        return None

    def _log(self, number: int, ts: datetime, message: str, fields: dict[str, Any] | None = None) -> None:
        self.out.event(ts, "remote.log", f"{LABEL}: {message}", self.ref(number), "Log Time", self.found.user, fields)

    def feed(self, number: int, ts: datetime, msg: str) -> None:
        if m := RE_MY_ID.search(msg):
            if m["id"] not in self.own_ids:
                self.own_ids.add(m["id"])
                self._log(number, ts, f"TeamViewer ID of this PC: {m['id']}", {"own_id": m["id"]})
        if m := RE_INCOMING.search(msg):
            if not any(s.sid == m["sid"] for s in self.sessions):
                session = LogSession(sid=m["sid"], start=ts, user=self.found.user, start_ref=self.ref(number))
                session.refs.append(session.start_ref)
                self.sessions.append(session)
                self._log(number, ts, f"incoming connection (session {m['sid']})", {"session": m["sid"]})
            return
        session = self._current(ts)
        if m := RE_DYNGATE.search(msg):
            if session is not None:
                session.remote_id = session.remote_id or m["id"]
                session.refs.append(self.ref(number))
        elif m := RE_AUTH.search(msg):
            how = m["how"].strip()
            access = ACCESS_BY_AUTH.get(how.lower(), f"TeamViewer authentication: {how}")
            if session is not None:
                session.access = session.access or access
                session.refs.append(self.ref(number))
            self.out.event(
                ts,
                "remote.login",
                f"{LABEL}: partner authenticated using {how}",
                self.ref(number),
                "Login Time",
                self.found.user,
                {"access": access},
            )
        elif m := RE_PARTICIPANT.search(msg):
            if session is not None and m["id"] not in self.own_ids:
                session.remote_id = session.remote_id or m["id"]
                session.name = session.name or m["name"].strip() or None
                session.refs.append(self.ref(number))
        elif m := RE_PUNCH.search(msg):
            if session is not None and not session.ip:
                session.ip = m["ip"]
                session.refs.append(self.ref(number))
                self.out.event(
                    ts,
                    "remote.login",
                    f"{LABEL}: partner address {m['ip']}:{m['port']}",
                    self.ref(number),
                    "Login Time",
                    self.found.user,
                    {"remote_ip": m["ip"]},
                )
        elif m := RE_WRITE.search(msg):
            self.transfers.append(
                Transfer(ts=ts, name=m["name"], direction="to_victim", tool=KEY, ref=self.ref(number))
            )
        elif m := RE_SEND.search(msg):
            self.transfers.append(
                Transfer(ts=ts, name=m["name"], direction="from_victim", tool=KEY, ref=self.ref(number))
            )
        elif m := RE_DENIED.search(msg):
            self.pending_denied.append(m["name"])
        elif RE_INCOMING_ERROR.search(msg):
            name = self.pending_denied.pop(0) if self.pending_denied else None
            self.out.event(
                ts,
                "remote.file_transfer",
                f"{LABEL}: the partner tried to copy {name or 'a file'} onto this PC; it failed (access denied)",
                self.ref(number),
                "File Transfer Time",
                self.found.user,
                {"file": name, "direction": "to_victim", "status": "failed"},
                ["transfer_failed"],
            )
        elif m := RE_ACCESS_CONTROL.search(msg):
            if session is not None and session.sid not in self.rights_logged:
                self.rights_logged.add(session.sid)
                self._log(number, ts, f"partner's permissions: {m['rights'][:200]}", {"rights": m["rights"][:500]})
        elif m := RE_END.search(msg):
            target = None
            if m["sid"]:
                target = next((s for s in self.sessions if s.sid == m["sid"] and s.end is None), None)
            target = target or session
            if target is not None:
                target.end = ts
                target.end_ref = self.ref(number)
                target.refs.append(target.end_ref)


def _merge(
    out: Out, connections: list[Connection], log_sessions: list[LogSession], note_log: str
) -> list[tuple[Session, Ref | None, Ref | None]]:
    results = []
    used: set[int] = set()
    for conn in connections:
        match = None
        if conn.direction == "incoming":
            for i, ls in enumerate(log_sessions):
                if i in used or (ls.remote_id and ls.remote_id != conn.remote_id):
                    continue
                if abs((ls.start - conn.start).total_seconds()) <= 120:
                    match = i
                    break
        session = Session(
            tool=KEY,
            start=conn.start,
            end=conn.end,
            remote_id=conn.remote_id,
            remote_name=conn.name,
            direction=conn.direction,
            user=conn.user,
            refs=[conn.ref],
            time_note=f"{conn.ref.path.rsplit('/', 1)[-1]} times are UTC",
        )
        start_ref, end_ref = conn.ref, conn.ref
        if match is not None:
            used.add(match)
            ls = log_sessions[match]
            session.start = min(conn.start, ls.start)
            if ls.start < conn.start:
                start_ref = ls.start_ref
            if ls.end and (session.end is None or ls.end > session.end):
                session.end, end_ref = ls.end, ls.end_ref
            session.remote_ip = ls.ip
            session.access = ls.access
            session.remote_name = session.remote_name or ls.name
            session.refs += [r for r in ls.refs if r not in session.refs]
            session.time_note += "; " + note_log
        if conn.ctype and conn.ctype.lower() != "remotecontrol":
            session.access = f"{session.access}; {conn.ctype}" if session.access else conn.ctype
        results.append((session, start_ref, end_ref))
    for i, ls in enumerate(log_sessions):
        if i in used:
            continue
        session = Session(
            tool=KEY,
            start=ls.start,
            end=ls.end,
            remote_id=ls.remote_id,
            remote_ip=ls.ip,
            remote_name=ls.name,
            direction="incoming",
            access=ls.access,
            user=ls.user,
            refs=list(ls.refs),
            time_note=note_log,
        )
        results.append((session, ls.start_ref, ls.end_ref))
    results.sort(key=lambda r: r[0].start or datetime.min.replace(tzinfo=UTC))
    return results


class TeamViewerParser(Parser):
    """Connection lists (``Connections_incoming.txt``, ``Connections.txt``) and ``TeamViewer*_Logfile*.log``."""

    key = KEY
    looked_for = "{label} connection list or log file"
    dissect = ("teamviewer", ("logfiles", "incoming_logfiles"))

    def __init__(self, out: Out, ctx: TriageContext) -> None:
        super().__init__(out, ctx)
        self.connections: list[Connection] = []
        self.log_sessions: list[LogSession] = []
        self.transfers: list[Transfer] = []
        self.pc_tz_used = False

    def feed(self, found: Found, data: Text) -> None:
        name = found.path.name.lower()
        if name.endswith("_incoming.txt"):
            self.connections += parse_connections(self.out, data, found, "incoming")
        elif name.startswith("connections") and name.endswith(".txt"):
            self.connections += parse_connections(self.out, data, found, "outgoing")
        elif name.endswith(".log"):
            reader = LogReader(self.out, self.ctx, found, data)
            try:
                reader.run()
            finally:  # what was read before a failure is kept
                self.log_sessions += reader.sessions
                self.transfers += reader.transfers
                self.pc_tz_used = self.pc_tz_used or reader.used_pc_tz

    def finish(self) -> None:
        out, ctx = self.out, self.ctx
        note_log = "log times converted with the UTC offset in the log's Start: header"
        if self.pc_tz_used:
            note_log = local_time_note(ctx, "TeamViewer log")
            if ctx.local_tz is None:
                out.problem(
                    f"{LABEL} log",
                    "a log without Start: header was read as UTC: the PC's time zone is unknown",
                    severity="info",
                )
        detailed = safely(out, "sessions", _merge, out, self.connections, self.log_sessions, note_log) or []
        sessions = [d[0] for d in detailed]
        for transfer in self.transfers:
            out.transfer_event(transfer)
        attach_transfers(sessions, self.transfers)
        for session, start_ref, end_ref in detailed:
            out.add_session(session, start_ref, end_ref)
