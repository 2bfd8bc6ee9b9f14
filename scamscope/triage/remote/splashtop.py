"""Splashtop Streamer: ``SPLog.txt`` (agent log) and ``FTCLog.txt`` (file transfers).

``SPLog.txt`` lines look like ``<1>Sep  1 11:40:53 [SM_04020]:[Auth-L] ok, client (HOST) can connect
to AV server``: local time without a year. The year comes from ``FTCLog.txt`` (whose lines carry full
dates) when it has one, else from the log's modification time; going backwards through the file, a
month that jumps forward means the previous year (as dissect's ``year_rollover_helper``). dissect's
splashtop plugin expects ``Sep01 11:40:53.123`` stamps and yields nothing for this layout, hence
this parser.

Session: ``[Auth-L] ok, client (HOST) can connect`` (start, the connecting device's name),
``disp name NAME`` (the technician's display name), ``Got client N public IP IP``; transfers from
``UploadRequest`` / ``OnUploadRequest {json}`` / ``OnDownloadRequest {json}`` and ``FTCLog.txt``
(``2022-09-01 11:42:14 PATH 0.0 KB Upload Completed NAME (IP)``). Splashtop's "Upload" puts a
file from the technician onto this PC (the streamer), "Download" takes one from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scamscope import rx
from scamscope.triage.remote import label
from scamscope.triage.remote.common import (
    Found,
    Out,
    Parser,
    Text,
    attach_transfers,
    local_time_note,
    safely,
    size_to_bytes,
    to_utc,
)
from scamscope.triage.types import Ref, Session, Transfer

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

KEY = "splashtop"
LABEL = label(KEY)

RE_SPLOG = re.compile(
    r"^<\d+>(?P<mon>[A-Z][a-z]{2})\s*(?P<day>\d{1,2})\s+(?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<ms>\d{1,6}))?\s+(?P<msg>.*)$"
)
RE_AUTH_OK = re.compile(r"\[Auth[^\]]*\]\s*ok, client \((?P<host>[^)]*)\) can connect")
RE_DISP_NAME = re.compile(r"\bdisp name (?P<name>.+?)\s*$")
RE_PUBLIC_IP = re.compile(r"Got client \d+ public IP (?P<ip>\S+)")
RE_UPLOAD_REQUEST = re.compile(r"\[FTC\] UploadRequest, fileID\[(?P<id>\d+)\], filePath\[(?P<path>[^\]]*)\]")
RE_FTC_JSON = rx.compile(  # RE2: with re, a line of "OnDownloadRequest=>{" repeated took cubic time
    r"(?P<method>OnUploadRequest|OnUploadFileCPRequest|OnDownloadRequest)\b.*?=>\s*(?P<json>\{.*\})"
)
RE_CHAT_SAVED = re.compile(r"\[Chat\] Begin to write text file to (?P<path>.+?), lines")
RE_END = re.compile(r"(?i)\bclient\b.*\bdisconnect(?:ed)?\b|\bsession (?:ended|closed|stopped)\b|\bremove session\b")
RE_FTCLOG = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2}) (?P<path>.+?) (?P<num>[\d.,]+) (?P<unit>[KMGT]?B|bytes) "
    r"(?P<dir>Upload|Download) (?P<status>\S+)(?: (?P<who>.*?))?(?: \((?P<ip>[^)]*)\))?\s*$",
    re.IGNORECASE,
)

MONTHS = {
    m: i
    for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)
}


@dataclass
class FtcEntry:
    naive: datetime
    path: str
    size: int | None
    direction: str
    action: str  # "Upload" / "Download" as logged
    status: str
    who: str | None
    ip: str | None
    ref: Ref


def parse_ftclog(out: Out, text: Text, found: Found) -> list[FtcEntry]:
    entries = []
    bad = 0
    for number, raw in text.lines:
        m = RE_FTCLOG.match(raw.strip())
        if not m:
            bad += 1
            continue
        try:
            naive = datetime.strptime(f"{m['date']} {m['time']}", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            bad += 1
            continue
        path = m["path"].replace("\\\\", "\\")
        direction = "to_victim" if m["dir"].lower() == "upload" else "from_victim"
        entries.append(
            FtcEntry(
                naive,
                path,
                size_to_bytes(m["num"], m["unit"]),
                direction,
                m["dir"],
                m["status"],
                (m["who"] or "").strip() or None,
                m["ip"],
                out.ref("FTCLog.txt", found, number),
            )
        )
    if bad:
        out.problem(f"{LABEL} FTCLog.txt", f"{bad} line(s) not in the FTCLog format were skipped", found.shown)
    return entries


@dataclass
class SpLine:
    number: int
    naive: datetime
    msg: str


def parse_splog(out: Out, text: Text, found: Found, year_hint: int | None) -> tuple[list[SpLine], str]:
    """SPLog lines with years assigned; returns the lines and how the year was found."""
    raw_lines = []
    for number, raw in text.lines:
        m = RE_SPLOG.match(raw)
        if m and m["mon"] in MONTHS:
            raw_lines.append((number, MONTHS[m["mon"]], int(m["day"]), m["time"], m["ms"], m["msg"]))
    if text.lines and not raw_lines:
        out.problem(
            f"{LABEL} {found.path.name}",
            "no line in Splashtop's log format (not a Splashtop log, or corrupt)",
            found.shown,
        )
        return [], ""
    if year_hint is not None:
        year, how = year_hint, "year taken from FTCLog.txt"
    else:
        try:
            year = datetime.fromtimestamp(found.path.stat().st_mtime, UTC).year
        except Exception:
            year = datetime.now(UTC).year
        how = "year inferred from the log's modification time"
    lines: list[SpLine] = []
    last_month = None
    for number, month, day, clock, ms, msg in reversed(raw_lines):
        if last_month is not None and month > last_month:
            year -= 1
        last_month = month
        try:
            naive = datetime.strptime(f"{year}-{month:02d}-{day:02d} {clock}", "%Y-%m-%d %H:%M:%S")
            if ms:
                naive = naive.replace(microsecond=int(ms.ljust(6, "0")[:6]))
        except ValueError:
            continue
        lines.append(SpLine(number, naive, msg))
    lines.reverse()
    return lines, how


@dataclass
class SpSession:
    start: datetime
    start_ref: Ref
    host: str | None = None
    name: str | None = None
    ip: str | None = None
    end: datetime | None = None
    end_ref: Ref | None = None
    refs: list[Ref] = field(default_factory=list)


class SplashtopParser(Parser):
    """``SPLog.txt`` (sessions, local time, no year: see :func:`parse_splog`) and ``FTCLog.txt`` (transfers)."""

    key = KEY
    looked_for = "{label} SPLog.txt or FTCLog.txt"
    dissect = ("splashtop", ("log_files",))

    def __init__(self, out: Out, ctx: TriageContext) -> None:
        super().__init__(out, ctx)
        self.ftc: list[FtcEntry] = []
        self.splogs: list[tuple[Found, Text]] = []  # parsed in finish(): their years come from FTCLog

    def feed(self, found: Found, data: Text) -> None:
        if found.path.name.lower().startswith("ftclog"):
            self.ftc += parse_ftclog(self.out, data, found)
        else:
            self.splogs.append((found, data))

    def finish(self) -> None:
        out, ctx, ftc = self.out, self.ctx, self.ftc
        tz = ctx.local_tz
        note = local_time_note(ctx, "Splashtop log")
        if tz is None:
            out.problem(
                LABEL, "Splashtop logs are in local time and the PC's time zone is unknown: read as UTC", severity="info"
            )
        year_hint = max((e.naive for e in ftc), default=None)
        sessions: list[tuple[Session, Ref | None, Ref | None]] = []
        transfers: list[Transfer] = []
        for found, text in self.splogs:
            result = safely(out, found.path.name, parse_splog, out, text, found, year_hint.year if year_hint else None)
            out.report(found.path.name, found, text)
            if not result:
                continue
            lines, how = result
            sp_sessions, sp_transfers = safely(out, found.path.name, _reconstruct, out, found, lines, tz) or ([], [])
            for sp in sp_sessions:
                session = Session(
                    tool=KEY,
                    start=sp.start,
                    end=sp.end,
                    remote_id=sp.host,
                    remote_ip=sp.ip,
                    remote_name=sp.name,
                    direction="incoming",
                    access=None,
                    refs=sp.refs,
                    time_note=f"{note}; {how}",
                )
                sessions.append((session, sp.start_ref, sp.end_ref))
            transfers += sp_transfers
        # FTCLog lines: the same transfers as SPLog's requests (merged by file name), or the only record of them
        for e in ftc:
            ts = to_utc(e.naive, tz)
            base = e.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
            same = next(
                (
                    t
                    for t in transfers
                    if t.name.replace("\\", "/").rsplit("/", 1)[-1].lower() == base
                    and t.ts
                    and abs((t.ts - ts).total_seconds()) <= 600
                ),
                None,
            )
            out.event(
                ts,
                "remote.log",
                f"{LABEL}: {e.action} of {e.path} ({'onto' if e.direction == 'to_victim' else 'from'} this PC) {e.status}"
                + (f" by {e.who}" if e.who else "")
                + (f" ({e.ip})" if e.ip else ""),
                e.ref,
                "File Transfer Time",
                None,
                {"file": e.path, "status": e.status, "remote_name": e.who, "remote_ip": e.ip},
            )
            if same is not None:
                same.direction = e.direction
                if same.size is None:
                    same.size = e.size
                continue
            transfers.append(Transfer(ts=ts, name=e.path, direction=e.direction, tool=KEY, size=e.size, ref=e.ref))
            if not any(s.start and abs((s.start - ts).total_seconds()) < 8 * 3600 for s, _, _ in sessions):
                session = Session(
                    tool=KEY,
                    start=ts,
                    end=None,
                    remote_ip=e.ip,
                    remote_name=e.who,
                    direction="incoming",
                    refs=[e.ref],
                    time_note=f"{note}; known only from FTCLog.txt",
                )
                sessions.append((session, e.ref, None))
        for transfer in transfers:
            out.transfer_event(transfer)
        attach_transfers([s for s, _, _ in sessions], transfers)
        for session, start_ref, end_ref in sorted(sessions, key=lambda r: r[0].start or datetime.min.replace(tzinfo=UTC)):
            out.add_session(session, start_ref, end_ref)


def _reconstruct(out: Out, found: Found, lines: list[SpLine], tz: Any) -> tuple[list[SpSession], list[Transfer]]:
    sessions: list[SpSession] = []
    transfers: dict[str, Transfer] = {}

    def ref(number: int) -> Ref:
        return out.ref(found.path.name, found, number)

    for line in lines:
        ts = to_utc(line.naive, tz)
        msg = line.msg
        current = sessions[-1] if sessions and sessions[-1].end is None else None
        if m := RE_AUTH_OK.search(msg):
            session = SpSession(start=ts, start_ref=ref(line.number), host=m["host"] or None)
            session.refs.append(session.start_ref)
            sessions.append(session)
            out.event(
                ts,
                "remote.login",
                f"{LABEL}: client device {m['host']} authorised to connect",
                ref(line.number),
                "Login Time",
                None,
                {"remote_id": m["host"]},
            )
        elif m := RE_DISP_NAME.search(msg):
            if current is not None and not current.name:
                current.name = m["name"]
                current.refs.append(ref(line.number))
        elif m := RE_PUBLIC_IP.search(msg):
            if current is not None and not current.ip:
                current.ip = m["ip"]
                current.refs.append(ref(line.number))
            out.event(
                ts,
                "remote.login",
                f"{LABEL}: client public IP {m['ip']}",
                ref(line.number),
                "Login Time",
                None,
                {"remote_ip": m["ip"]},
            )
        elif m := RE_UPLOAD_REQUEST.search(msg):
            transfers.setdefault(
                m["id"], Transfer(ts=ts, name=m["path"], direction="to_victim", tool=KEY, ref=ref(line.number))
            )
        elif m := RE_FTC_JSON.search(msg):
            try:
                data = json.loads(m["json"])
            except ValueError:
                data = {}
            if isinstance(data, dict):
                file_id = str(data.get("fileID") or f"line{line.number}")
                name = str(data.get("fullPath") or data.get("fileName") or "?")
                direction = "from_victim" if m["method"] == "OnDownloadRequest" else "to_victim"
                transfer = transfers.setdefault(
                    file_id, Transfer(ts=ts, name=name, direction=direction, tool=KEY, ref=ref(line.number))
                )
                try:
                    transfer.size = transfer.size if transfer.size is not None else int(data.get("fileSize"))
                except (TypeError, ValueError):
                    pass
        elif m := RE_CHAT_SAVED.search(msg):
            out.event(
                ts,
                "remote.log",
                f"{LABEL}: chat saved to {m['path']}",
                ref(line.number),
                "Log Time",
                None,
                {"file": m["path"]},
            )
        elif RE_END.search(msg):
            if current is not None:
                current.end = ts
                current.end_ref = ref(line.number)
                current.refs.append(current.end_ref)
    return sessions, list(transfers.values())
