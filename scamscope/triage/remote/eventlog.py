"""Every event log a triage needs, read once: one pass over each file dispatches its records.

Which logs: the channels that record remote sessions and installs, found case-insensitively in
``Windows/System32/winevt/Logs`` under their own name or as an archived copy
(``Archive-<channel>-<date>.evtx``, written when a full log is archived): see :data:`CHANNELS`. On a
partial collection (no Windows folder) loose ``*.evtx`` files are read too: exported logs anywhere
in the mapped volume down to four folders deep, and beside it in the collection folder.

Each record goes to whoever needs it, so no file is read twice:

- remote-tool providers (``evtx_providers`` of remote_tools.toml: ScreenConnect, LogMeIn) -> sessions
  (:mod:`scamscope.triage.remote.screenconnect`, :mod:`scamscope.triage.remote.heuristic`);
- Remote Desktop: Security 4624 with logon type 10 (RemoteInteractive), TerminalServices
  LocalSessionManager 21/22/24/25 from a network address, RemoteConnectionManager 1149, RdpCoreTS
  131 -> timeline events with the client address;
- installs: Service Control Manager 7045 (System) and MsiInstaller (Application) -> software
  (:mod:`scamscope.triage.collectors.software`).

Records are read chunk by chunk (:mod:`scamscope.triage.remote.evtx`): a damaged chunk is a problem
naming the chunk and the record ids lost, and the records after it are still read. ``Ref.line`` of
an event is its EventRecordID.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scamscope.triage.remote.common import Found, Out, WalkLimit, ci_glob, reason, shown_path
from scamscope.triage.remote.evtx import CHUNK_SIZE, HEADER_BLOCK, EvtxRead, read_records
from scamscope.triage.remote.heuristic import Item
from scamscope.triage.types import Collected, Event, Ref

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

LOGS = "Windows/System32/winevt/Logs"
LOOSE_DEPTH = 4
MAX_LOOSE_FILES = 200

# channel, as its file is named (lower case, "/" written "%4") -> what it is read for
CHANNELS: dict[str, str] = {
    "application": "remote-tool providers (ScreenConnect, LogMeIn) and Windows Installer (MsiInstaller) installs",
    "system": "services installed (Service Control Manager 7045)",
    "security": "remote logons (4624, logon type 10)",
    "microsoft-windows-terminalservices-localsessionmanager%4operational": "Remote Desktop sessions (21, 22, 24, 25)",
    "microsoft-windows-terminalservices-remoteconnectionmanager%4operational": "Remote Desktop authentications (1149)",
    "microsoft-windows-remotedesktopservices-rdpcorets%4operational": "Remote Desktop connections (131)",
}
RE_ARCHIVE = re.compile(r"^archive-(?P<channel>.+?)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(?:-\d+)?$")

SERVICE_INSTALLED = 7045
RDP_LOGON_TYPE = "10"  # RemoteInteractive
LSM_EVENTS = {21: "logon", 22: "shell start", 24: "disconnected", 25: "reconnected"}
RDP_TAGS = ["remote_desktop"]


def channel_of(name: str) -> str:
    """``Archive-Security-2024-01-02-03-04-05-678.evtx`` -> ``security``; ``System.evtx`` -> ``system``."""
    stem = name[:-5] if name.lower().endswith(".evtx") else name
    stem = stem.lower()
    if m := RE_ARCHIVE.match(stem):
        return m["channel"]
    return stem


def evtx_files(ctx: TriageContext, out: Out) -> list[Found]:
    """The event logs of :data:`CHANNELS` (current and archived), plus loose ``*.evtx`` of a partial collection."""

    def unreadable(severity: str) -> Callable[[Any, BaseException], None]:
        def on_error(folder: Any, exc: BaseException) -> None:
            if isinstance(exc, WalkLimit):
                out.problem("event logs", f"{exc}; event logs further in may have been missed", shown_path(ctx, folder))
            else:
                out.problem("event logs", f"folder unreadable ({reason(exc)}): event logs in it cannot be read", shown_path(ctx, folder), severity)

        return on_error

    on_error = unreadable("error")  # where Windows keeps its logs
    files = [Found(p, label=shown_path(ctx, p)) for p in ci_glob(ctx.root, f"{LOGS}/*.evtx", on_error) if channel_of(p.name) in CHANNELS]
    if not ctx.partial:
        return sorted(files, key=lambda f: f.shown.lower())
    seen = {f.shown.lower() for f in files}
    for depth in range(LOOSE_DEPTH + 1):
        for path in ci_glob(ctx.root, "/".join(["*"] * depth + ["*.evtx"]), unreadable("warning")):
            shown = shown_path(ctx, path)
            if shown.lower() not in seen and "/winevt/logs/" not in shown.lower():
                seen.add(shown.lower())
                files.append(Found(path, label=shown))
    files += _beside_volume(ctx, out)
    return files[:MAX_LOOSE_FILES]


def _beside_volume(ctx: TriageContext, out: Out) -> list[Found]:
    """``*.evtx`` in the collection folder outside the mapped volume (e.g. ``EventLogs/Application.evtx``)."""
    try:
        base = Path(ctx.target.path)
        mount = ctx.target.fs.mounts.get("c:")
        volume = Path(getattr(mount, "base_path", "")).resolve() if mount is not None else None
    except Exception:
        return []
    if not base.is_dir():
        return []

    def on_error(exc: OSError) -> None:
        out.problem("event logs", f"folder unreadable ({reason(exc)}): event logs in it cannot be read", exc.filename, "error")

    found = []
    base_depth = len(base.parts)
    for folder, dirs, names in os.walk(base, onerror=on_error):
        here = Path(folder)
        if volume is not None and (here.resolve() == volume):
            dirs[:] = []  # the volume itself is walked through dissect
            continue
        if len(here.parts) - base_depth >= LOOSE_DEPTH:
            dirs[:] = []
        for name in names:
            if name.lower().endswith(".evtx"):
                path = here / name
                found.append(Found(path, label=f"{path.relative_to(base).as_posix()} (in the collection folder)"))
    return found


def _plain(value: Any) -> Any:
    getter = getattr(value, "get", None)
    if callable(getter) and type(value).__name__ == "BxmlSub":
        value = getter()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _data(record: Any) -> list[str]:
    data = _plain(record.get("Data"))
    values = data if isinstance(data, list) else [data]
    out = []
    for value in values:
        value = _plain(value)
        if value is None:
            continue
        text = str(value).strip()
        if text and text != "(NULL)":
            out.append(text)
    return out


def _int(value: Any) -> int | None:
    try:
        return int(_plain(value))
    except (TypeError, ValueError):
        return None


def _ts(record: Any) -> datetime | None:
    ts = _plain(record.get("TimeCreated_SystemTime"))
    if not isinstance(ts, datetime):
        return None
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC)


class Dispatch:
    """Where each record of a pass goes: remote-tool items, Remote Desktop events, software records."""

    def __init__(self, out: Out, prefixes: dict[str, tuple[str, ...]]) -> None:
        self.out = out
        self.prefixes = prefixes
        self.items: dict[str, list[Item]] = {key: [] for key in prefixes}
        self.rdp: list[Event] = []
        self.services: list[dict[str, Any]] = []  # 7045 records as plain values, with "_file" / "_path"
        self.msi: list[dict[str, Any]] = []

    def record(self, found: Found, record: Any) -> None:
        """Send one record where it is needed (by provider and event id: a loose export's channel is not known by name)."""
        provider = str(_plain(record.get("Provider_Name")) or "")
        low = provider.lower()
        eid = _int(record.get("EventID"))
        for tool, starts in self.prefixes.items():
            if any(low.startswith(p) for p in starts):
                self._tool_item(found, tool, provider, eid, record)
        if eid == SERVICE_INSTALLED and "service control manager" in low:
            self.services.append(self._plain_record(found, record))
        elif low == "msiinstaller":
            self.msi.append(self._plain_record(found, record))
        elif eid is not None:
            self._rdp(found, low, eid, record)

    def _plain_record(self, found: Found, record: Any) -> dict[str, Any]:
        from dissect.target.plugins.os.windows.log.evtx import format_value

        return {k: format_value(v) for k, v in record.items()} | {"_file": found.path.name, "_path": found.shown}

    def _tool_item(self, found: Found, tool: str, provider: str, eid: int | None, record: Any) -> None:
        ts = _ts(record)
        if ts is None:
            return
        line = _int(record.get("EventRecordID"))
        self.items[tool].append(
            Item(
                ts=ts,
                message="\n".join(_data(record)),
                ref=self.out.ref(f"{found.path.name} ({provider})", found, line),
                fields={"provider": provider, "event_id": eid, "record_id": line, "computer": _plain(record.get("Computer"))},
            )
        )

    def _rdp(self, found: Found, provider: str, eid: int, record: Any) -> None:
        get = lambda key: str(_plain(record.get(key)) or "").strip() or None  # noqa: E731
        if provider == "microsoft-windows-security-auditing" and eid == 4624:
            if get("LogonType") != RDP_LOGON_TYPE:
                return
            ip, user = get("IpAddress"), get("TargetUserName")
            message = f"Remote Desktop logon of {user or '?'} from {ip or 'an unknown address'} (logon type 10)"
            self._rdp_event(found, record, "rdp.logon", message, ip, user)
        elif provider == "microsoft-windows-terminalservices-localsessionmanager" and eid in LSM_EVENTS:
            ip, user = get("EventXML_Address"), get("EventXML_User")
            if not ip or ip.upper() == "LOCAL":
                return  # a logon at the PC's own keyboard
            self._rdp_event(found, record, f"rdp.session_{LSM_EVENTS[eid].replace(' ', '_')}",
                            f"Remote Desktop session {LSM_EVENTS[eid]}: {user or '?'} from {ip}", ip, user)
        elif provider == "microsoft-windows-terminalservices-remoteconnectionmanager" and eid == 1149:
            user, ip = get("EventXML_Param1"), get("EventXML_Param3")
            self._rdp_event(found, record, "rdp.authenticated", f"Remote Desktop authentication of {user or '?'} from {ip or '?'}", ip, user)
        elif provider == "microsoft-windows-remotedesktopservices-rdpcorets" and eid == 131:
            ip = get("ClientIP")
            self._rdp_event(found, record, "rdp.connection", f"Remote Desktop connection accepted from {ip or '?'}", ip, None)

    def _rdp_event(self, found: Found, record: Any, kind: str, message: str, ip: str | None, user: str | None) -> None:
        ts = _ts(record)
        if ts is None:
            return
        line = _int(record.get("EventRecordID"))
        fields = {"remote_ip": ip, "account": user, "event_id": _int(record.get("EventID")), "record_id": line}
        self.rdp.append(Event(ts=ts, kind=kind, message=message, timestamp_desc="Event Time",
                              ref=Ref(found.path.name, found.shown, line), fields={k: v for k, v in fields.items() if v},
                              tags=list(RDP_TAGS)))


def read_file(out: Out, found: Found, dispatch: Callable[[Found, Any], None]) -> None:
    """One pass over one EVTX file: each record to ``dispatch``; damage, truncation and read errors become problems."""
    source = found.path.name
    try:
        fh = found.path.open("rb")
    except Exception as exc:
        out.problem(source, f"unreadable ({reason(exc)})", found.shown, "error")
        return
    result = EvtxRead()
    with fh:
        try:
            if fh.read(8) != b"ElfFile\x00":
                out.problem(source, "not an EVTX event log (bad signature): skipped", found.shown)
                return
            fh.seek(0)
            for record in read_records(fh, result):
                dispatch(found, record)
        except Exception as exc:  # dissect raises many kinds on damaged files: keep what was read
            out.problem(source, f"damaged event log, read up to the damage ({reason(exc)}); {result.records} records kept", found.shown)
    out.collected.sources_read.append(Ref(f"{source} ({result.records} records)", found.shown))
    for damage in result.damage:
        out.problem(source, f"damaged: {damage.describe()}; the other chunks were read", found.shown)
    try:
        size = found.path.stat().st_size
    except Exception:
        size = None
    declared = result.declared_chunks or 0
    if size is not None and (result.truncated or size < HEADER_BLOCK + declared * CHUNK_SIZE):
        have = max(0, (size - HEADER_BLOCK) // CHUNK_SIZE)
        out.problem(source, f"truncated: {size:,} bytes hold {have} of the {declared} chunks the header counts; "
                            "the records of the missing part are lost", found.shown)
    if result.error:
        out.problem(source, f"{result.error}; {result.records} records before it kept", found.shown, "error")


def collect(ctx: TriageContext) -> Collected:
    """One pass over every event log: remote-tool sessions, Remote Desktop events and installs."""
    from scamscope.triage.collectors import software
    from scamscope.triage.remote import label, screenconnect, textlogs, tools
    from scamscope.triage.remote.common import attach_transfers
    from scamscope.triage.remote.heuristic import build

    reader = Out("", "")
    prefixes = {t["key"]: tuple(p.lower() for p in t["evtx_providers"]) for t in tools() if t.get("evtx_providers")}
    files = evtx_files(ctx, reader)
    dispatch = Dispatch(reader, prefixes)
    channels = {channel_of(found.path.name) for found in files}
    for found in files:
        read_file(reader, found, dispatch.record)
    if not files:
        reader.problem("event log", f"no event log in {LOGS} (nor loose .evtx files) in the target: "
                       "ScreenConnect and LogMeIn events, Remote Desktop logons and installs cannot be read", severity="info")
    else:
        for channel in ("application", "system"):
            if channel not in channels:
                reader.problem(f"{channel.title()}.evtx", f"event log absent: {CHANNELS[channel]} unknown", severity="info")
    result = reader.collected
    for key, items in dispatch.items.items():
        out = Out(key, label(key))
        if key == "screenconnect":
            screenconnect.from_events(out, items)
        elif key in textlogs.TOOLS:
            detailed, transfers = build(out, items, textlogs.TOOLS[key], "event log times are UTC")
            attach_transfers([d[0] for d in detailed], transfers)
            for session, start_ref, end_ref in detailed:
                out.add_session(session, start_ref, end_ref)
        result.extend(out.collected)
    result.events += dispatch.rdp
    sids = {h.sid: h.name for h in ctx.user_homes() if h.sid}
    installs = Collected()
    software.services_installed(installs, dispatch.services, sids)
    software.msi_installs(installs, dispatch.msi, sids)
    result.extend(installs)
    return result

