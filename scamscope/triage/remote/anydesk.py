"""AnyDesk: ``ad_svc.trace`` / ``ad.trace``, ``connection_trace.txt`` and ``file_transfer_trace.txt``.

Times in all three are UTC (AnyDesk writes them without a zone designator; dissect's anydesk plugin
and the AnyDesk help center say the same). Line format of the traces (Windows and Linux alike)::

    info 2022-08-23 10:20:17.125  gsvc  4628  3528  23  anynet.any_socket - Logged in from 12.xx.xx.21:41314 on relay ad3345a7.

A session is reconstructed from the lines of one connection: ``Accept request from ID`` (incoming) or
``Connecting to "ID"`` (outgoing), ``Client-ID: ID (FPR: ..)`` (the peer's AnyDesk ID),
``Logged in from IP:PORT on relay R`` (the peer's address), ``Incoming session request: NAME (ID)``,
``Authenticated by local user`` / ``with password`` and ``Session closed by remote side`` /
``Session stopped``. ``connection_trace.txt`` confirms sessions and says how access was granted
(``User``: accepted by the person at the PC, ``Passwd``: unattended-access password, ``Token``: a
saved login). ``file_transfer_trace.txt`` lists transferred files; it survives an uninstall.
Message texts were checked against real traces (DFIR Artifact Museum, artemis-api test data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scamscope import rx
from scamscope.triage.remote import label
from scamscope.triage.remote.common import (
    Found,
    Out,
    Parser,
    Text,
    attach_transfers,
    safely,
    size_to_bytes,
)
from scamscope.triage.types import Ref, Session, Transfer

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

KEY = "anydesk"
LABEL = label(KEY)
TIME_NOTE = "AnyDesk logs UTC"

# "level date time" is matched; the rest is split at the first " - " (no backtracking on hostile lines)
RE_TRACE = re.compile(
    r"^\s*(?P<level>[a-z]+)\s+(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\s+"
)
RE_COMPONENT = re.compile(r"[A-Za-z_][\w.]*")
RE_ACCEPT_REQUEST = re.compile(r"Accept request from (?P<id>\d+)")
RE_ACCEPTING = re.compile(r"^Accepting from (?P<id>\d+)")
RE_OUTGOING = re.compile(
    r'(?:outgoing connection request for address |Sending a connection request for address |Connecting to ")(?P<id>\d+)'
)
RE_CLIENT_ID = re.compile(r"^Client-ID: (?P<id>\d+) \(FPR: (?P<fpr>\w+)\)")
RE_OWN_ID = re.compile(r"New user data\. Client-ID: (?P<id>\d+)")
RE_LOGGED_IN = re.compile(r"^Logged in from (?P<addr>[^\s]+?):(?P<port>\d+)(?: on relay (?P<relay>\w+))?")
RE_SESSION_REQUEST = re.compile(r"^Incoming session request: (?P<name>.*) \((?P<id>\d+)\)\s*$")
RE_AUTHENTICATED = re.compile(r"Authenticated (?:by|with) (?P<how>.+?)\.?$")
RE_SESSION_STARTED = re.compile(r"^Session started \(ok\)")
RE_SESSION_END = re.compile(
    r"^(?:Session closed by remote side: (?P<reason>.+?)\.?$|Session (?:stopped|closed|ended)\b)"
)
RE_REMOTE_OS = re.compile(r"^Remote (?:OS|version): .+")
RE_PREPARING = re.compile(r"^Preparing files in '(?P<dir>.*)'")
RE_PREPARED = re.compile(r"^Preparation of (?P<n>\d+) files completed")
RE_FT_STATE = re.compile(r"^(?P<what>Download|Upload) (?P<state>started|finished|failed|aborted)")
RE_EXTERNAL = re.compile(r"^External address: (?P<addr>.+?)\.?$")
RE_VERSION = re.compile(r"^\* Version (?P<version>\S+)")
RE_INSTALL = re.compile(r"\binstall", re.IGNORECASE)

# RE2 (scamscope.rx): with re, the lazy alias / mode re-read every run of white space from each of
# its characters (a 4 KB line took a second; a log of such lines, hours)
RE_CONNECTION_TRACE = rx.compile(
    r"^\s*(?P<dir>Incoming|Outgoing)\s+(?P<date>\d{4}-\d{2}-\d{2}),\s*(?P<time>\d{2}:\d{2})\s+(?P<how>[A-Za-z_]+)\s+(?P<id>\d{5,12})(?:\s+(?P<alias>.*?))?\s*$",
    ignore_case=True,
)
RE_FILE_TRANSFER = rx.compile(
    r"^\s*(?P<mode>\S.*?)\s+(?P<date>\d{4}-\d{2}-\d{2}),\s*(?P<time>\d{2}:\d{2})\s+(?P<status>\w+)\s+(?P<dir>upload|download)\s+"
    r"'(?P<name>.*)'\s*(?:\((?P<progress>[^)]*)\))?\s*$",
    ignore_case=True,
)

RE_SIZE_OF = re.compile(r"out of\s+(?P<num>[\d.,]+)\s*(?P<unit>[KMGT]?i?B)", re.IGNORECASE)

ACCESS = {
    "user": "accepted by the user at the PC (Accept request)",
    "passwd": "unattended access password",
    "password": "unattended access password",
    "token": 'saved login token ("remember me")',
}


@dataclass
class Line:
    number: int
    ts: datetime
    proc: str
    fiber: str | None
    component: str
    msg: str
    found: Found


@dataclass
class Contact:
    """One connection seen in a trace (a session when it got authenticated or confirmed)."""

    remote_id: str | None
    direction: str
    start: datetime
    user: str | None
    source: str = ""  # the trace file it came from
    fiber: str | None = None
    end: datetime | None = None
    ip: str | None = None
    name: str | None = None
    access: str | None = None
    established: bool = False
    context: bool = False  # an Accept / Connecting line opened it (not just a bare login line)
    end_reason: str | None = None
    refs: list[Ref] = field(default_factory=list)
    start_ref: Ref | None = None
    end_ref: Ref | None = None
    last: datetime | None = None


def parse_trace_lines(out: Out, text: Text, found: Found) -> Iterator[Line]:
    """The trace's lines in AnyDesk's format, one at a time (a trace of any size is never held whole)."""
    parsed = 0
    for number, raw in text.lines:
        m = RE_TRACE.match(raw)
        if not m:
            continue
        rest = raw[m.end() :]
        cut = rest.find(" - ")
        if cut < 0 and rest.endswith(" -"):
            cut = len(rest) - 2
        if cut < 0:
            continue
        head = rest[:cut].split()
        if not head or not RE_COMPONENT.fullmatch(head[-1]):
            continue
        component, head, msg = head[-1], head[:-1], rest[cut + 3 :]
        try:
            ts = datetime.strptime(
                f"{m['date']} {m['time']}", "%Y-%m-%d %H:%M:%S.%f" if "." in m["time"] else "%Y-%m-%d %H:%M:%S"
            )
        except ValueError:
            continue
        numbers = [t for t in head if t.isdigit()]
        parsed += 1
        yield (
            Line(
                number=number,
                ts=ts.replace(tzinfo=UTC),
                proc=head[0] if head else "",
                fiber=numbers[2] if len(numbers) >= 3 else None,
                component=component,
                msg=msg.strip(),
                found=found,
            )
        )
    if not parsed and text.lines:
        out.problem(f"{LABEL} trace", "no line in AnyDesk's trace format (not a trace, or corrupt)", found.shown)


class TraceReader:
    """Walks the lines of one trace file and builds its contacts and noteworthy events."""

    def __init__(self, out: Out, found: Found) -> None:
        self.out = out
        self.found = found
        self.contacts: list[Contact] = []
        self.transfers: list[Transfer] = []
        self.own_ids: set[str] = set()
        self.external: set[str] = set()
        self.prepared_dir: tuple[Line, str] | None = None

    def ref(self, line: Line) -> Ref:
        return self.out.ref(self.found.path.name, self.found, line.number)

    def _recent(
        self,
        ts: datetime,
        remote_id: str | None = None,
        fiber: str | None = None,
        seconds: float = 60,
        direction: str | None = None,
    ) -> Contact | None:
        for contact in reversed(self.contacts):
            if (contact.last or contact.start) < ts - timedelta(seconds=seconds):
                break
            if contact.end is not None:
                continue
            if fiber is not None and contact.fiber is not None and contact.fiber != fiber:
                continue
            if remote_id is not None and contact.remote_id not in (None, remote_id):
                continue
            if direction is not None and contact.direction != direction:
                continue
            return contact
        return None

    def _new(self, line: Line, remote_id: str | None, direction: str, context: bool) -> Contact:
        contact = Contact(
            remote_id=remote_id,
            direction=direction,
            start=line.ts,
            user=self.found.user,
            source=self.found.shown,
            context=context,
        )
        contact.start_ref = self.ref(line)
        self.contacts.append(contact)
        return contact

    def _touch(self, contact: Contact, line: Line) -> None:
        contact.last = line.ts
        ref = self.ref(line)
        if ref not in contact.refs:
            contact.refs.append(ref)

    def _log(self, line: Line, message: str, fields: dict[str, Any] | None = None, kind: str = "remote.log") -> None:
        self.out.event(line.ts, kind, f"{LABEL}: {message}", self.ref(line), "Log Time", self.found.user, fields)

    def feed(self, line: Line) -> None:
        msg = line.msg
        if m := RE_ACCEPT_REQUEST.search(msg):
            contact = self._new(line, m["id"], "incoming", True)
            self._touch(contact, line)
            self._log(line, f"incoming connection request from AnyDesk ID {m['id']}", {"remote_id": m["id"]})
        elif m := RE_ACCEPTING.search(msg):
            contact = self._recent(line.ts, m["id"], direction="incoming") or self._new(line, m["id"], "incoming", True)
            contact.fiber = contact.fiber or line.fiber
            self._touch(contact, line)
        elif m := RE_OUTGOING.search(msg):
            contact = self._recent(line.ts, m["id"], seconds=5, direction="outgoing")
            if contact is None:
                contact = self._new(line, m["id"], "outgoing", True)
                self._log(line, f"outgoing connection to AnyDesk ID {m['id']}", {"remote_id": m["id"]})
            self._touch(contact, line)
        elif m := RE_CLIENT_ID.search(msg):
            contact = self._recent(line.ts, m["id"], fiber=line.fiber)
            if contact is None or (
                contact.fiber is not None and contact.fiber != line.fiber and contact.direction == "incoming"
            ):
                contact = self._recent(line.ts, m["id"]) or self._new(line, m["id"], "unknown", False)
            contact.remote_id = contact.remote_id or m["id"]
            contact.fiber = contact.fiber or line.fiber
            self._touch(contact, line)
            self._log(
                line,
                f"peer Client-ID {m['id']} (certificate fingerprint {m['fpr']})",
                {"remote_id": m["id"], "fingerprint": m["fpr"]},
            )
        elif m := RE_LOGGED_IN.search(msg):
            contact = self._recent(line.ts, fiber=line.fiber, seconds=10) or self._new(line, None, "unknown", False)
            addr = m["addr"].strip("[]")
            contact.ip = contact.ip or addr
            self._touch(contact, line)
            self.out.event(
                line.ts,
                "remote.login",
                f"{LABEL}: peer {contact.remote_id or '?'} logged in from {addr}:{m['port']}"
                + (f" (relay {m['relay']})" if m["relay"] else ""),
                self.ref(line),
                "Login Time",
                self.found.user,
                {"remote_id": contact.remote_id, "remote_ip": addr, "port": int(m["port"]), "relay": m["relay"]},
            )
        elif m := RE_SESSION_REQUEST.search(msg):
            contact = self._recent(line.ts, m["id"], seconds=120, direction="incoming") or self._new(
                line, m["id"], "incoming", True
            )
            contact.name = m["name"] or contact.name
            contact.established = True
            self._touch(contact, line)
            self._log(
                line,
                f"incoming session request from {m['name']} ({m['id']})",
                {"remote_id": m["id"], "remote_name": m["name"]},
            )
        elif m := RE_AUTHENTICATED.search(msg):
            contact = self._recent(line.ts, seconds=600, direction="incoming") or self._recent(line.ts, seconds=600)
            how = m["how"].strip()
            access = (
                "accepted by the user at the PC"
                if "local user" in how
                else ("unattended access password" if "password" in how.lower() else m.group(0).rstrip("."))
            )
            if contact is not None:
                contact.access = contact.access or access
                contact.established = True
                self._touch(contact, line)
            self.out.event(
                line.ts,
                "remote.login",
                f"{LABEL}: {m.group(0)}",
                self.ref(line),
                "Login Time",
                self.found.user,
                {"access": access},
            )
        elif RE_SESSION_STARTED.search(msg):
            contact = self._recent(line.ts, seconds=600)
            if contact is not None:
                contact.established = True
                self._touch(contact, line)
        elif m := RE_SESSION_END.search(msg):
            contact = None
            for candidate in reversed(self.contacts):
                if (
                    candidate.end is None
                    and candidate.start <= line.ts
                    and (candidate.established or candidate.context)
                ):
                    contact = candidate
                    break
            if contact is not None:
                contact.end = line.ts
                contact.end_ref = self.ref(line)
                contact.end_reason = m["reason"] if m["reason"] else msg.rstrip(".")
                self._touch(contact, line)
        elif m := RE_PREPARING.search(msg):
            self.prepared_dir = (line, m["dir"])
        elif m := RE_PREPARED.search(msg):
            self._prepared(line, int(m["n"]))
        elif m := RE_FT_STATE.search(msg):
            self._log(line, f"file transfer: {msg.rstrip('.')}", {"component": line.component})
        elif m := RE_OWN_ID.search(msg):
            if m["id"] not in self.own_ids:
                self.own_ids.add(m["id"])
                self._log(line, f"AnyDesk ID of this PC: {m['id']}", {"own_id": m["id"]})
        elif m := RE_EXTERNAL.search(msg):
            if m["addr"] not in self.external:
                self.external.add(m["addr"])
                self._log(
                    line,
                    f"this PC's external address as seen by the relay: {m['addr']}",
                    {"external_address": m["addr"]},
                )
        elif m := RE_VERSION.search(msg):
            self._log(line, f"AnyDesk {m['version']} started", {"version": m["version"]})
        elif RE_REMOTE_OS.search(msg):
            contact = self._recent(line.ts, seconds=120)
            if contact is not None:
                self._touch(contact, line)
            self._log(line, msg.rstrip("."))
        elif RE_INSTALL.search(msg) or "install" in line.component.lower():
            self._log(line, msg.rstrip("."), {"component": line.component})

    def _prepared(self, line: Line, count: int) -> None:
        folder = (
            self.prepared_dir[1]
            if self.prepared_dir and (line.ts - self.prepared_dir[0].ts) < timedelta(minutes=5)
            else None
        )
        name = f"{count} file(s) in {folder}" if folder else f"{count} file(s)"
        transfer = Transfer(ts=line.ts, name=name, direction="unknown", tool=KEY, ref=self.ref(line))
        self.transfers.append(transfer)
        self.out.event(
            line.ts,
            "remote.file_transfer",
            f"{LABEL}: {count} file(s) prepared for transfer"
            + (f" in {folder}" if folder else "")
            + " (the trace does not say which way)",
            self.ref(line),
            "File Transfer Time",
            self.found.user,
            {"folder": folder, "count": count, "direction": "unknown"},
        )
        self.prepared_dir = None


@dataclass
class TraceEntry:
    """A line of connection_trace.txt."""

    ts: datetime
    direction: str
    how: str
    remote_id: str
    alias: str | None
    ref: Ref
    user: str | None


def parse_connection_trace(out: Out, text: Text, found: Found) -> list[TraceEntry]:
    entries = []
    bad = 0
    for number, raw in text.lines:
        m = RE_CONNECTION_TRACE.match(raw)
        if not m:
            bad += 1
            continue
        try:
            ts = datetime.strptime(f"{m['date']} {m['time']}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError:
            bad += 1
            continue
        alias = (m["alias"] or "").strip() or None
        entry = TraceEntry(
            ts,
            m["dir"].lower(),
            m["how"],
            m["id"],
            alias if alias != m["id"] else None,
            out.ref("connection_trace.txt", found, number),
            found.user,
        )
        entries.append(entry)
        out.event(
            ts,
            "remote.log",
            f"{LABEL}: {entry.direction} connection with {entry.remote_id} ({m['how']}: {ACCESS.get(m['how'].lower(), 'access type ' + m['how'])})",
            entry.ref,
            "Connection Time",
            found.user,
            {"remote_id": entry.remote_id, "remote_alias": entry.alias, "access": m["how"]},
        )
    if bad:
        out.problem(
            f"{LABEL} connection_trace.txt",
            f"{bad} line(s) not in the connection_trace format were skipped",
            found.shown,
        )
    return entries


def parse_file_transfers(out: Out, text: Text, found: Found) -> list[Transfer]:
    """file_transfer_trace.txt -> one Transfer per file and direction (a file's start/finish lines merged)."""
    by_key: dict[tuple[str, str, datetime], Transfer] = {}
    bad = 0
    for number, raw in text.lines:
        m = RE_FILE_TRANSFER.match(raw)
        if not m:
            bad += 1
            continue
        try:
            ts = datetime.strptime(f"{m['date']} {m['time']}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError:
            bad += 1
            continue
        direction = "to_victim" if m["dir"].lower() == "download" else "from_victim"
        size = None
        if m["progress"] and (s := RE_SIZE_OF.search(m["progress"])):
            size = size_to_bytes(s["num"], s["unit"])
        ref = out.ref("file_transfer_trace.txt", found, number)
        out.event(
            ts,
            "remote.log",
            f"{LABEL}: {m['mode'].strip()} {m['dir'].lower()} of '{m['name']}' {m['status']}"
            + (f" ({m['progress']})" if m["progress"] else ""),
            ref,
            "File Transfer Time",
            found.user,
            {"file": m["name"], "status": m["status"], "mode": m["mode"].strip()},
        )
        # the start and the finish line of one transfer are minutes apart at most: one Transfer for both
        merged = None
        for (name, way, when), transfer in by_key.items():
            if name == m["name"] and way == direction and abs((when - ts).total_seconds()) <= 600:
                merged = transfer
                break
        if merged is None:
            by_key[(m["name"], direction, ts)] = Transfer(
                ts=ts, name=m["name"], direction=direction, tool=KEY, size=size, ref=ref
            )
        elif size is not None and merged.size is None:
            merged.size = size
    if bad:
        out.problem(
            f"{LABEL} file_transfer_trace.txt",
            f"{bad} line(s) not in the file transfer format were skipped",
            found.shown,
        )
    return list(by_key.values())


def _merge_contacts(contacts: list[Contact]) -> list[Contact]:
    """Service trace and user trace both log a session: merge contacts of one peer that start within 30 s."""
    merged: list[Contact] = []
    for contact in sorted(contacts, key=lambda c: c.start):
        best = None
        for other in merged:
            if contact.remote_id and other.remote_id and contact.remote_id != other.remote_id:
                continue
            if {contact.direction, other.direction} == {"incoming", "outgoing"} or contact.source == other.source:
                continue
            near = abs((contact.start - other.start).total_seconds()) <= 30
            inside = (
                other.end is not None
                and other.start <= contact.start <= other.end
                and contact.remote_id == other.remote_id
            )
            if near or inside:
                best = other
        if best is None:
            merged.append(contact)
            continue
        best.remote_id = best.remote_id or contact.remote_id
        if best.direction == "unknown":
            best.direction = contact.direction
        best.ip = best.ip or contact.ip
        best.name = best.name or contact.name
        best.access = best.access or contact.access
        best.established = best.established or contact.established
        best.context = best.context or contact.context
        if contact.end and (best.end is None or contact.end > best.end):
            best.end, best.end_ref, best.end_reason = contact.end, contact.end_ref, contact.end_reason
        best.user = best.user or contact.user
        best.refs += [r for r in contact.refs if r not in best.refs]
    return merged


def build_sessions(
    out: Out, contacts: list[Contact], entries: list[TraceEntry]
) -> tuple[list[Session], list[tuple[Session, Ref | None, Ref | None]]]:
    """Contacts + connection_trace entries -> sessions (with the refs of their start and end)."""
    contacts = _merge_contacts(contacts)
    matched: dict[int, TraceEntry] = {}
    used: set[int] = set()
    for entry in sorted(entries, key=lambda e: e.ts):
        best, best_gap = None, None
        for i, contact in enumerate(contacts):
            if i in matched or contact.remote_id not in (entry.remote_id, None):
                continue
            if contact.direction not in (entry.direction, "unknown"):
                continue
            gap = (entry.ts - contact.start).total_seconds()
            if -90 <= gap <= 900 and (best_gap is None or abs(gap) < abs(best_gap)):
                best, best_gap = i, gap
        if best is not None:
            matched[best] = entry
            used.add(id(entry))
    results = []
    for i, contact in enumerate(contacts):
        entry = matched.get(i)
        if not (contact.established or entry is not None or not contact.context):
            # a connection request that never became a session (declined, failed, or cut)
            continue
        # connection_trace.txt names the access type exactly; the trace's "Authenticated ..." is the fallback
        access = ACCESS.get(entry.how.lower(), f"access type {entry.how}") if entry is not None else contact.access
        refs = list(contact.refs)
        if entry is not None:
            refs.append(entry.ref)
        note = TIME_NOTE
        if not contact.established and entry is None:
            note += "; only the peer's network login is logged, not the session itself"
        session = Session(
            tool=KEY,
            start=contact.start,
            end=contact.end,
            remote_id=contact.remote_id or (entry.remote_id if entry else None),
            remote_ip=contact.ip,
            remote_name=contact.name or (entry.alias if entry else None),
            direction=entry.direction if entry else contact.direction,
            access=access,
            user=contact.user or (entry.user if entry else None),
            refs=refs,
            time_note=note,
        )
        results.append((session, contact.start_ref, contact.end_ref))
    for entry in entries:
        if id(entry) in used:
            continue
        session = Session(
            tool=KEY,
            start=entry.ts,
            end=None,
            remote_id=entry.remote_id,
            remote_name=entry.alias,
            direction=entry.direction,
            access=ACCESS.get(entry.how.lower(), f"access type {entry.how}"),
            user=entry.user,
            refs=[entry.ref],
            time_note=TIME_NOTE + "; start to the minute from connection_trace.txt (no trace lines for it)",
        )
        results.append((session, entry.ref, None))
    results.sort(key=lambda r: r[0].start or datetime.min.replace(tzinfo=UTC))
    return [r[0] for r in results], results


class AnyDeskParser(Parser):
    """Traces (session lines), ``connection_trace.txt`` (how access was granted), ``file_transfer_trace.txt``."""

    key = KEY
    looked_for = "{label} trace, connection_trace.txt or file_transfer_trace.txt"
    dissect = ("anydesk", ("trace_files", "filetransfer_files"))

    def __init__(self, out: Out, ctx: TriageContext) -> None:
        super().__init__(out, ctx)
        self.contacts: list[Contact] = []
        self.entries: list[TraceEntry] = []
        self.transfers: list[Transfer] = []  # from the traces ("N files prepared"), their events already added
        self.listed: list[Transfer] = []  # from file_transfer_trace.txt

    def source(self, found: Found) -> str:
        name = found.path.name.lower()
        return name if name in ("connection_trace.txt", "file_transfer_trace.txt") else found.path.name

    def feed(self, found: Found, data: Text) -> None:
        name = found.path.name.lower()
        if name == "connection_trace.txt":
            self.entries += parse_connection_trace(self.out, data, found)
        elif name == "file_transfer_trace.txt":
            self.listed += parse_file_transfers(self.out, data, found)
        else:
            reader = TraceReader(self.out, found)
            for line in parse_trace_lines(self.out, data, found):
                safely(self.out, found.path.name, reader.feed, line)
            self.contacts += reader.contacts
            self.transfers += reader.transfers

    def finish(self) -> None:
        out = self.out
        sessions, detailed = build_sessions(out, self.contacts, self.entries)
        for transfer in self.listed:
            out.transfer_event(transfer)
        attach_transfers(sessions, self.listed + self.transfers)
        for session, start_ref, end_ref in detailed:
            out.add_session(session, start_ref, end_ref)
