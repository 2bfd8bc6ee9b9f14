"""Unreadable and damaged evidence, large logs, archived event logs, each source read once.

Everything here is built at test time from the real artifacts of ../shared (AnyDesk traces of the
DFIR Artifact Museum, plaso's System.evtx, the RathbunVM event logs): an unreadable profile folder
(read by a process without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, as an examiner's account would
meet it), an unreadable log, an event log with 200 KB of garbage in the middle, a trace larger
than 64 MiB whose last session is the one that matters, and archived event logs
(``Archive-System-<date>.evtx``) without the current log beside them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from scamscope.triage.collectors import all_collectors, collector
from scamscope.triage.context import open_target
from scamscope.triage.remote import eventlog
from scamscope.triage.remote.common import reason
from tests.conftest import SHARED, require_shared, without_dac_override

ROOT = Path(__file__).resolve().parent.parent
FX = SHARED / "fixtures" / "forensics"
MUSEUM = FX / "dfir-artifact-museum" / "Windows"
SYSTEM_EVTX = FX / "plaso" / "test_data" / "evtx" / "System.evtx"
EVTX_7Z = MUSEUM / "EventLogs" / "Win10" / "RathbunVM" / "RathbunVM_W10EventLogs.7z"
LOGS = "C/Windows/System32/winevt/Logs"
CHUNK = 0x10000


def copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(require_shared(src), dest)
    return dest


def profile_target(root: Path) -> Path:
    """A collection with alice's AnyDesk trace under AppData/Roaming and the service's under ProgramData."""
    (root / "C/Users/alice/Desktop").mkdir(parents=True)
    copy(MUSEUM / "AnyDesk/ad_svc.trace", root / "C/ProgramData/AnyDesk/ad_svc.trace")
    copy(MUSEUM / "AnyDesk/connection_trace.txt", root / "C/ProgramData/AnyDesk/connection_trace.txt")
    copy(MUSEUM / "AnyDesk/ad.trace", root / "C/Users/alice/AppData/Roaming/AnyDesk/ad.trace")
    return root


# --- 1. unreadable folders and files ----------------------------------------------------------------

UNPRIVILEGED_RUN = """
import dataclasses, json, sys
from pathlib import Path
from scamscope.triage.collectors import all_collectors
from scamscope.triage.context import open_target
from scamscope.triage.evidence import hash_inputs

root = Path(sys.argv[1])
ctx = open_target(root)
problems, sessions = [], []
for name, collect in all_collectors():
    try:
        got = collect(ctx)
    except Exception as exc:  # the pipeline catches it: keep going so the rest is checked
        problems.append({"collector": name, "source": name, "message": repr(exc), "path": None, "severity": "error"})
        continue
    problems += [dict(dataclasses.asdict(p), collector=name) for p in got.problems]
    sessions += [[s.tool, s.remote_id, s.remote_ip] for s in got.sessions]
inputs = [dataclasses.asdict(f) for f in hash_inputs(root)]
print(json.dumps({"problems": problems, "sessions": sessions, "inputs": inputs}))
"""


def run_unprivileged(root: Path) -> dict:
    """Run the collectors on ``root`` in a process that permissions apply to (root's DAC override dropped)."""
    proc = subprocess.run([*without_dac_override(), sys.executable, "-c", UNPRIVILEGED_RUN, str(root)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """The same collection read twice: as it is, and with AppData/Roaming and connection_trace.txt mode 000."""
    root = profile_target(tmp_path_factory.mktemp("unreadable") / "collection")
    readable = run_unprivileged(root)
    roaming = root / "C/Users/alice/AppData/Roaming"
    listing = root / "C/ProgramData/AnyDesk/connection_trace.txt"
    roaming.chmod(0)
    listing.chmod(0)
    try:
        locked = run_unprivileged(root)
    finally:
        roaming.chmod(0o755)
        listing.chmod(0o644)
    return readable, locked


def test_unreadable_profile_folder_is_an_error_with_its_path(unreadable: tuple[dict, dict]) -> None:
    readable, locked = unreadable
    # readable: alice's ad.trace gives the 442226597 session; locked: it is gone, and the report says why
    assert ["anydesk", "442226597", "12.xx.xx.21"] in readable["sessions"]
    assert ["anydesk", "442226597", "12.xx.xx.21"] not in locked["sessions"]
    assert ["anydesk", "547911884", "12.xx.xx.21"] in locked["sessions"]  # ProgramData is still read
    folder = [p for p in locked["problems"] if p["path"] == "C:/Users/alice/AppData/Roaming"]
    anydesk = [p for p in folder if p["collector"] == "remote_anydesk"]
    assert anydesk and anydesk[0]["severity"] == "error"
    assert "Permission denied" in anydesk[0]["message"] and "AnyDesk" in anydesk[0]["message"]
    assert {p["collector"] for p in folder} >= {"remote_anydesk", "remote_teamviewer"}
    assert not [p for p in readable["problems"] if "unreadable" in p["message"]]


def test_unreadable_file_gives_the_real_reason(unreadable: tuple[dict, dict]) -> None:
    _, locked = unreadable
    [problem] = [p for p in locked["problems"] if p["path"] == "C:/ProgramData/AnyDesk/connection_trace.txt"]
    assert problem["severity"] == "error"
    assert "PermissionError: Permission denied (errno 13)" in problem["message"]
    assert "None" not in problem["message"]


def test_evidence_lists_unreadable_files_and_folders(unreadable: tuple[dict, dict]) -> None:
    readable, locked = unreadable
    rows = {f["path"]: f for f in locked["inputs"]}
    folder = rows["C/Users/alice/AppData/Roaming/"]
    assert folder["kind"] == "folder" and folder["sha256"] is None and "Permission denied" in folder["error"]
    listing = rows["C/ProgramData/AnyDesk/connection_trace.txt"]
    assert listing["sha256"] is None and "Permission denied" in listing["error"]
    assert rows["C/ProgramData/AnyDesk/ad_svc.trace"]["sha256"]
    assert "C/Users/alice/AppData/Roaming/AnyDesk/ad.trace" in {f["path"] for f in readable["inputs"]}


def test_reason_looks_under_dissects_empty_wrappers() -> None:
    from dissect.target.exceptions import FilesystemError

    try:
        try:
            raise PermissionError(13, "Permission denied")
        except PermissionError as inner:
            raise FilesystemError(None) from inner
    except FilesystemError as exc:
        assert reason(exc) == "PermissionError: Permission denied (errno 13)"
    assert reason(ValueError()) == "ValueError: no reason given by the reader"


# --- 2. damaged event logs --------------------------------------------------------------------------


def damaged_system_evtx(root: Path, offset: int, size: int) -> Path:
    data = bytearray(require_shared(SYSTEM_EVTX).read_bytes())
    data[offset : offset + size] = random.Random(11).randbytes(size)
    dest = root / LOGS / "System.evtx"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(bytes(data))
    (root / "C/Users/alice").mkdir(parents=True, exist_ok=True)
    return dest


def test_200_kb_of_garbage_in_an_evtx_is_reported_by_chunk_and_record_ids(tmp_path: Path) -> None:
    damaged_system_evtx(tmp_path, 800_000, 200_000)
    got = eventlog.collect(open_target(tmp_path))
    damage = [p for p in got.problems if p.path == "C:/Windows/System32/winevt/Logs/System.evtx"]
    messages = " | ".join(p.message for p in damage)
    assert "chunk 12 " in messages and "record ids 2136-2327 lost" in messages  # its tail overwritten
    assert "chunks 13-15 " in messages and "record ids 2328-2978 lost" in messages  # overwritten whole
    assert all(p.severity == "warning" for p in damage)
    # 5009 records in the intact log; only the 843 of the damaged range are missing: the chunks after it were read
    assert [r.source for r in got.sources_read if r.source.startswith("System.evtx")] == ["System.evtx (4166 records)"]
    assert 5009 - (2978 - 2136 + 1) == 4166


def test_services_after_a_damaged_range_are_kept(tmp_path: Path) -> None:
    start = 4096 + CHUNK + 30_000  # inside chunk 1 (ids 159-275), through chunk 2 (ids 276-445)
    damaged_system_evtx(tmp_path, start, 4096 + 3 * CHUNK - start)
    got = eventlog.collect(open_target(tmp_path))
    ids = {s.ref.line for s in got.software if s.evidence == "service"}
    assert {488, 489, 490, 492, 493, 494, 495, 496, 497, 499, 500, 501, 533} <= ids  # after the damage (chunk 3)
    assert {174, 200} <= ids and not ids & {395, 398, 402, 403, 404}  # before it kept, inside it lost
    messages = " | ".join(p.message for p in got.problems if p.source == "System.evtx")
    assert "chunk 2 " in messages and "record ids 276-445 lost" in messages


# --- 3. large logs are streamed ---------------------------------------------------------------------

TAIL = (
    "info 2024-03-01 09:15:01.900       gsvc   4628   3528   31            anynet.connection_mgr - Main relay connection established.\n"
    "info 2024-03-01 09:15:02.100       gsvc   4628   3528   31                anynet.any_socket - Client-ID: 123456789 (FPR: 0123456789ab).\n"
    "info 2024-03-01 09:15:02.100       gsvc   4628   3528   31                anynet.any_socket - Logged in from 203.0.113.99:50123 on relay ad3345a7.\n"
)


def test_anydesk_trace_larger_than_64_mib_is_read_to_its_end(tmp_path: Path) -> None:
    trace = tmp_path / "big/C/ProgramData/AnyDesk/ad_svc.trace"
    (tmp_path / "big/C/Users/alice").mkdir(parents=True)
    copy(MUSEUM / "AnyDesk/ad_svc.trace", trace)
    filler = require_shared(MUSEUM / "AnyDesk/ad_svc.trace").read_bytes().splitlines(keepends=True)[2]  # "Spawning root fiber"
    with trace.open("r+b") as fh:
        fh.seek(0, os.SEEK_END)
        fh.truncate(fh.tell() + 64 * 1024 * 1024)  # a sparse run of NUL bytes, as a crash leaves them
        fh.seek(0, os.SEEK_END)
        fh.write(b"\n" + filler * (2 * 1024 * 1024 // len(filler)))  # and 2 MiB of real lines
        fh.write(TAIL.encode())
    assert trace.stat().st_size > 66 * 1024 * 1024
    ctx = open_target(tmp_path / "big")
    tracemalloc.start()
    try:
        got = collector("remote_anydesk")(ctx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    sessions = {s.remote_id: s for s in got.sessions}
    assert sessions["123456789"].remote_ip == "203.0.113.99"  # the newest session, at the very end
    assert sessions["547911884"].remote_ip == "12.xx.xx.21"  # and the first one, at the start
    assert not any("MiB" in p.message and "beginning" in p.message for p in got.problems)  # nothing capped
    assert any("NUL" in p.message for p in got.problems)  # the hole is said
    assert peak < 16 * 1024 * 1024  # streamed: a few MiB (one chunk, one line, the sessions), not the 66 MiB file


def test_cut_lines_are_counted(tmp_path: Path) -> None:
    trace = tmp_path / "t/C/ProgramData/AnyDesk/ad_svc.trace"
    (tmp_path / "t/C/Users/alice").mkdir(parents=True)
    trace.parent.mkdir(parents=True)
    trace.write_bytes(b"info " + b"x" * 1_000_000 + b"\n" + b"y" * 5000 + b"\n" + TAIL.encode())
    got = collector("remote_anydesk")(open_target(tmp_path / "t"))
    assert [s.remote_ip for s in got.sessions] == ["203.0.113.99"]
    assert any("2 line(s) longer than 4096 characters were cut" in p.message for p in got.problems)


# --- 4. archived event logs and the other channels --------------------------------------------------


@pytest.fixture(scope="module")
def rathbun(tmp_path_factory: pytest.TempPathFactory) -> Path:
    py7zr = pytest.importorskip("py7zr")
    into = tmp_path_factory.mktemp("7z")
    names = ["Application.evtx", "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx"]
    with py7zr.SevenZipFile(require_shared(EVTX_7Z)) as archive:
        archive.extract(into, targets=names)
    return into


def test_archived_logs_are_read_without_the_current_ones(tmp_path: Path, rathbun: Path) -> None:
    root = tmp_path / "archived"
    (root / "C/Users/alice").mkdir(parents=True)
    logs = root / "C/Windows/System32/WINEVT/logs"  # the case a copy may give the folders
    copy(SYSTEM_EVTX, logs / "Archive-System-2024-01-02-03-04-05-678.evtx")
    copy(rathbun / "Application.evtx", logs / "archive-application-2023-11-30-08-00-00-001.evtx")
    lsm = "microsoft-windows-terminalservices-localsessionmanager%4operational.evtx"
    copy(rathbun / "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx", logs / lsm)
    copy(SYSTEM_EVTX, logs / "Microsoft-Windows-Store%4Operational.evtx")  # a channel the triage does not need
    got = eventlog.collect(open_target(root))
    services = [s for s in got.software if s.evidence == "service"]
    assert len(services) == 25  # every 7045 of the archived System log
    assert {s.ref.source for s in services} == {"Archive-System-2024-01-02-03-04-05-678.evtx"}
    assert services[0].ref.path.lower() == "c:/windows/system32/winevt/logs/archive-system-2024-01-02-03-04-05-678.evtx"
    assert [e.kind for e in got.events].count("msi.installed") == 7  # MsiInstaller of the archived Application log
    read = {r.source for r in got.sources_read}
    assert "Archive-System-2024-01-02-03-04-05-678.evtx (5009 records)" in read
    assert "archive-application-2023-11-30-08-00-00-001.evtx (587 records)" in read
    assert any(s.startswith(lsm) for s in read)
    assert not any("Store" in s for s in read)
    assert not [e for e in got.events if e.kind.startswith("rdp.")]  # its sessions were at the keyboard (LOCAL)
    assert not [p for p in got.problems if p.severity != "info"]


def test_channel_names() -> None:
    assert eventlog.channel_of("Archive-Security-2024-05-01-10-22-33-123.evtx") == "security"
    assert eventlog.channel_of("System.evtx") == "system"
    assert eventlog.channel_of(
        "Archive-Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational-2024-05-01-10-22-33-123.evtx"
    ) == "microsoft-windows-terminalservices-localsessionmanager%4operational"


# --- 5. each source is read once --------------------------------------------------------------------


def test_every_source_is_opened_once_by_all_collectors(tmp_path: Path, rathbun: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Event logs and text logs alike: one open per file for the whole run of the registry."""
    from dissect.target.helpers.fsutil import TargetPath

    root = tmp_path / "full"
    (root / "C/Users/alice").mkdir(parents=True)
    copy(SYSTEM_EVTX, root / LOGS / "System.evtx")
    copy(rathbun / "Application.evtx", root / LOGS / "Application.evtx")
    profile_target(root)
    copy(FX / "plaso/test_data/teamviewer/TeamViewer15_Logfile.log", root / "C/Program Files/TeamViewer/TeamViewer15_Logfile.log")
    splashtop = root / "C/Program Files (x86)/Splashtop/Splashtop Remote/Server/log"
    copy(MUSEUM / "Splashtop/SPLog.txt", splashtop / "SPLog.txt")
    copy(MUSEUM / "Splashtop/FTCLog.txt", splashtop / "FTCLog.txt")
    names = {"System.evtx", "Application.evtx", "ad_svc.trace", "connection_trace.txt", "ad.trace",
             "TeamViewer15_Logfile.log", "SPLog.txt", "FTCLog.txt"}
    opens: dict[str, int] = {}
    real_open = TargetPath.open

    def counting_open(self: TargetPath, *args: object, **kwargs: object) -> object:
        if self.name in names:
            opens[self.name] = opens.get(self.name, 0) + 1
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(TargetPath, "open", counting_open)
    ctx = open_target(root)
    results = {name: collect(ctx) for name, collect in all_collectors()}
    assert opens == dict.fromkeys(names, 1)
    # what used to need a second read of each log is there: services, MSI installs; and every tool's sessions
    assert sum(s.evidence == "service" for s in results["eventlogs"].software) == 25
    assert [e.kind for e in results["eventlogs"].events].count("msi.installed") == 7
    assert not any(s.evidence in ("service", "msi") for s in results["software"].software)
    assert len(results["remote_anydesk"].sessions) == 2
    assert results["remote_teamviewer"].sessions and results["remote_splashtop"].sessions


def test_a_search_stopped_by_its_bound_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scamscope.triage.remote import common

    base = tmp_path / "t/C/ProgramData/SupremoRemoteDesktop"
    deep = base.joinpath(*[f"d{i}" for i in range(8)])  # one entry per level: where the walk stops is exact
    deep.mkdir(parents=True)
    (deep / "Inc.log").write_text("2024-05-01 10:00:00 Incoming connection from 203.0.113.5 ID 123 456 789\n")
    (tmp_path / "t/C/Users/alice").mkdir(parents=True)
    ctx = open_target(tmp_path / "t")
    assert collector("remote_supremo")(ctx).sessions  # found within the usual bound
    monkeypatch.setattr(common, "MAX_WALK_ENTRIES", 5)
    got = collector("remote_supremo")(ctx)
    assert not got.sessions
    [limit] = [p for p in got.problems if "more than 5 entries" in p.message]
    assert limit.path == "C:/ProgramData/SupremoRemoteDesktop/d0/d1" and "Supremo log further in may have been missed" in limit.message


def test_remote_desktop_records_become_events_with_the_client_address() -> None:
    """Field names as dissect gives them for the real RathbunVM LocalSessionManager and Security records."""
    from datetime import UTC, datetime

    from scamscope.triage.remote.common import Found, Out

    at = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    dispatch = eventlog.Dispatch(Out("", ""), {})
    security = Found(Path("Security.evtx"), label="C:/Windows/System32/winevt/Logs/Security.evtx")
    lsm = Found(Path("lsm.evtx"), label="C:/Windows/System32/winevt/Logs/lsm.evtx")
    base = {"TimeCreated_SystemTime": at, "EventRecordID": "7"}
    records = [
        (security, base | {"Provider_Name": "Microsoft-Windows-Security-Auditing", "EventID": "4624", "LogonType": "10",
                           "IpAddress": "203.0.113.50", "TargetUserName": "alice"}),
        (security, base | {"Provider_Name": "Microsoft-Windows-Security-Auditing", "EventID": "4624", "LogonType": "2",
                           "IpAddress": "127.0.0.1", "TargetUserName": "alice"}),  # at the keyboard: not remote
        (lsm, base | {"Provider_Name": "Microsoft-Windows-TerminalServices-LocalSessionManager", "EventID": "21",
                      "EventXML_User": "PC\\alice", "EventXML_Address": "203.0.113.50"}),
        (lsm, base | {"Provider_Name": "Microsoft-Windows-TerminalServices-LocalSessionManager", "EventID": "21",
                      "EventXML_User": "PC\\alice", "EventXML_Address": "LOCAL"}),
        (lsm, base | {"Provider_Name": "Microsoft-Windows-TerminalServices-RemoteConnectionManager", "EventID": "1149",
                      "EventXML_Param1": "alice", "EventXML_Param3": "203.0.113.50"}),
    ]
    for found, record in records:
        dispatch.record(found, record)
    assert [(e.kind, e.fields.get("remote_ip"), e.ref.line) for e in dispatch.rdp] == [
        ("rdp.logon", "203.0.113.50", 7),
        ("rdp.session_logon", "203.0.113.50", 7),
        ("rdp.authenticated", "203.0.113.50", 7),
    ]
    assert dispatch.rdp[0].ref.path == "C:/Windows/System32/winevt/Logs/Security.evtx"
