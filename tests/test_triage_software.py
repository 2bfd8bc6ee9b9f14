"""Triage collectors for installed and executed software: Uninstall keys (HKLM/HKCU), Amcache,
Prefetch, services (System 7045) and Windows Installer events, matched against the remote tools
and fake security software data.

Real artifacts (../shared/fixtures/forensics, see SOURCES.md) are copied into a target folder
laid out like a Windows volume; the expected values were read from those files. The user hive
with Uninstall entries is the real plaso NTUSER.DAT with keys added by hivexsh (Debian's
libhivex-bin), and the Prefetch file is built here: no real one is available.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scamscope.triage.collectors import executions, software
from scamscope.triage.context import open_target
from scamscope.triage.matching import match_download, match_program, sites_for_url
from scamscope.triage.remote import eventlog
from scamscope.triage.types import Collected
from tests.conftest import SHARED, require_shared

FX = SHARED / "fixtures" / "forensics"
AMCACHE = "dfir-artifact-museum/Windows/Amcache/Win10/RathbunVM/Amcache.hve"
EVTX_7Z = "dfir-artifact-museum/Windows/EventLogs/Win10/RathbunVM/RathbunVM_W10EventLogs.7z"
LOGS = "C/Windows/System32/winevt/Logs"


def fixture(rel: str) -> Path:
    return require_shared(FX / rel)


def place(target: Path, rel: str, source: Path | bytes) -> Path:
    dest = target / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        dest.write_bytes(source)
    else:
        shutil.copyfile(source, dest)
    return dest


def unpack_evtx(name: str, into: Path) -> Path:
    py7zr = pytest.importorskip("py7zr")
    with py7zr.SevenZipFile(fixture(EVTX_7Z)) as archive:
        archive.extract(into, targets=[name])
    return into / name


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def installed(ctx: object) -> Collected:
    """What the software collector and the one event log pass (services, MSI) find together."""
    got = software.collect(ctx)
    got.extend(eventlog.collect(ctx))
    return got


def by_name(c: Collected, name: str, evidence: str) -> list:
    return [s for s in c.software if s.name == name and s.evidence == evidence]


# --- real artifacts on a Windows volume without registry hives -----------------------------------------


@pytest.fixture(scope="module")
def windows_volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Collected, Collected, object]:
    target = tmp_path_factory.mktemp("win") / "target"
    place(target, f"{LOGS}/System.evtx", fixture("plaso/test_data/evtx/System.evtx"))
    app = unpack_evtx("Application.evtx", tmp_path_factory.mktemp("7z"))
    place(target, f"{LOGS}/Application.evtx", app)
    for suffix in ("", ".LOG1", ".LOG2"):
        place(target, f"C/Windows/AppCompat/Programs/Amcache.hve{suffix}", fixture(AMCACHE + suffix))
    place(target, "C/Users/alice/NTUSER.DAT", fixture("plaso/test_data/NTUSER.DAT"))
    ctx = open_target(target)
    assert not ctx.partial  # dissect recognises the Windows folder, though it has no hives
    return installed(ctx), executions.collect(ctx), ctx


def test_services_from_real_system_evtx(windows_volume) -> None:
    sw, _, _ = windows_volume
    services = [s for s in sw.software if s.evidence == "service"]
    assert len(services) == 25  # the 7045 events of plaso's System.evtx
    vbox = by_name(sw, "VirtualBox Guest Additions Service", "service")[0]
    assert vbox.path == "system32\\VBoxService.exe"
    assert vbox.installed == utc(2015, 8, 8, 9, 13, 53, 368000)
    assert vbox.ref.line == 403 and vbox.ref.path == "C:/Windows/System32/winevt/Logs/System.evtx"
    event = next(e for e in sw.events if e.kind == "service.installed" and e.fields["name"] == vbox.name)
    assert event.ts == vbox.installed and event.timestamp_desc == "Service Installed"
    assert event.fields["start_type"] == "auto start" and event.fields["account"] == "LocalSystem"
    assert not any(s.category for s in services)  # drivers and Windows services: nothing matched


def test_msi_installs_from_real_application_evtx(windows_volume) -> None:
    sw, _, _ = windows_volume
    kinds = [e.kind for e in sw.events if e.kind.startswith("msi.")]
    # 7 products installed (1033; their 11707 twins are not counted twice), 7 installer transactions (1040)
    assert kinds.count("msi.installed") == 7 and kinds.count("msi.transaction") == 7
    vmware = by_name(sw, "VMware Tools", "msi")[0]
    assert (vmware.version, vmware.publisher) == ("11.3.5.18557794", "VMware, Inc.")
    assert vmware.installed == utc(2022, 2, 5, 19, 37, 33, 862803) and vmware.ref.line == 242
    begin = next(e for e in sw.events if e.kind == "msi.transaction" and "UpdHealthTools" in e.message)
    assert begin.ts == utc(2022, 2, 6, 4, 5, 36, 161480)


def test_amcache_real_hive(windows_volume) -> None:
    _, ex, _ = windows_volume
    files = [s for s in ex.software if s.ref.source == "Amcache.hve InventoryApplicationFile"]
    apps = [s for s in ex.software if s.ref.source == "Amcache.hve InventoryApplication"]
    assert (len(files), len(apps)) == (183, 91)
    kape = by_name(ex, "kape.exe", "amcache")[0]
    assert kape.path == "c:\\users\\andrewrathbun\\desktop\\kape.exe"
    assert (kape.user, kape.version, kape.publisher) == ("andrewrathbun", "1.1.0.1", "kroll cyber")
    assert kape.last_run == utc(2022, 2, 6, 13, 0, 13, 222473)
    event = next(e for e in ex.events if e.kind == "software.executed" and e.fields.get("path") == kape.path)
    assert event.ts == kape.last_run and event.fields["sha1"]
    assert sum(e.kind == "software.executed" for e in ex.events) == 183
    assert not any(s.category for s in ex.software)  # this VM had no remote tool
    assert any(p.source == "Prefetch" and p.severity == "info" for p in ex.problems)


def test_real_user_hive_without_uninstall_key(windows_volume) -> None:
    sw, _, _ = windows_volume
    assert any(r.path == "C:/Users/alice/NTUSER.DAT" for r in sw.sources_read)
    assert not [s for s in sw.software if s.evidence == "uninstall_entry"]
    assert any(p.source == "Uninstall (HKLM)" and p.severity == "info" for p in sw.problems)


# --- per-user Uninstall entries in a partial collection ------------------------------------------------


def hivex(hive: Path, script: str) -> None:
    if not shutil.which("hivexsh"):
        pytest.fail("hivexsh (Debian package libhivex-bin, installed by scripts/setup.sh) is needed to write registry keys for this test")
    os.chmod(hive, 0o644)
    subprocess.run(["hivexsh", "-w", str(hive)], input=script, text=True, check=True, capture_output=True, timeout=60)


UNINSTALL_SCRIPT = r"""cd \Software\Microsoft\Windows\CurrentVersion
add Uninstall
cd Uninstall
add AnyDesk
cd AnyDesk
setval 4
DisplayName
string:AnyDesk
DisplayVersion
string:7.1.11
Publisher
string:AnyDesk Software GmbH
DisplayIcon
string:"C:\Users\alice\AppData\Roaming\AnyDesk\AnyDesk.exe",0
cd ..
add Notepad++
cd Notepad++
setval 2
DisplayName
string:Notepad++ (64-bit x64)
Publisher
string:Notepad++ Team
cd \Software
add WOW6432Node
cd WOW6432Node
add Microsoft
cd Microsoft
add Windows
cd Windows
add CurrentVersion
cd CurrentVersion
add Uninstall
cd Uninstall
add {5E7A3C1D-0000-4C1B-9F00-5B1F00000001}
cd {5E7A3C1D-0000-4C1B-9F00-5B1F00000001}
setval 2
DisplayName
string:Speedy PC Pro
InstallDate
string:20240115
commit
"""


def test_partial_collection_user_uninstall_and_loose_amcache(tmp_path: Path) -> None:
    target = tmp_path / "collection"
    hive = place(target, "C/Users/alice/NTUSER.DAT", fixture("plaso/test_data/NTUSER.DAT"))
    hivex(hive, UNINSTALL_SCRIPT)
    place(target, "C/Users/bob/Desktop/notes.txt", b"no hive for bob")
    (target / "C/ProgramData").mkdir(parents=True)
    place(target, "C/Amcache.hve", fixture(AMCACHE))  # a loose copy next to Users/
    ctx = open_target(target)
    assert ctx.partial
    sw = installed(ctx)
    entries = {s.name: s for s in sw.software if s.evidence == "uninstall_entry"}
    assert set(entries) == {"AnyDesk", "Notepad++ (64-bit x64)", "Speedy PC Pro"}
    anydesk = entries["AnyDesk"]
    assert (anydesk.category, anydesk.match, anydesk.user) == ("remote_tool", "anydesk", "alice")
    assert anydesk.path == "C:\\Users\\alice\\AppData\\Roaming\\AnyDesk\\AnyDesk.exe"
    assert (anydesk.version, anydesk.publisher) == ("7.1.11", "AnyDesk Software GmbH")
    assert (entries["Speedy PC Pro"].category, entries["Speedy PC Pro"].match) == ("fake_security", "Speedy PC Pro")
    assert entries["Notepad++ (64-bit x64)"].category is None
    tagged = {e.fields["name"]: e.tags for e in sw.events if e.kind == "software.installed"}
    assert tagged == {"AnyDesk": ["remote_tool"], "Notepad++ (64-bit x64)": [], "Speedy PC Pro": ["fake_security"]}
    assert next(e for e in sw.events if e.fields["name"] == "Speedy PC Pro").fields["install_date"] == "20240115"
    # absent sources of a partial collection are said, not errors
    infos = {p.source for p in sw.problems if p.severity == "info"}
    assert {"Uninstall (HKLM)", "event log"} <= infos
    assert not [p for p in sw.problems if p.severity != "info"]
    ex = executions.collect(ctx)
    assert sum(s.ref.source == "Amcache.hve InventoryApplicationFile" for s in ex.software) == 183
    assert ex.sources_read[0].path == "C:/Amcache.hve"


SOFTWARE_SCRIPT = r"""add Microsoft
cd Microsoft
add Windows
add Windows NT
cd Windows
add CurrentVersion
cd CurrentVersion
add Uninstall
cd Uninstall
add TeamViewer
cd TeamViewer
setval 3
DisplayName
string:TeamViewer
DisplayVersion
string:15.51.5
UninstallString
string:"C:\Program Files\TeamViewer\uninstall.exe"
cd \Microsoft\Windows NT
add CurrentVersion
cd CurrentVersion
add ProfileList
cd ProfileList
add S-1-5-21-1111-2222-3333-1001
cd S-1-5-21-1111-2222-3333-1001
setval 1
ProfileImagePath
string:C:\Users\alice
commit
"""

SYSTEM_SCRIPT = """add ControlSet001
add Select
cd Select
setval 1
Current
dword:0x00000001
commit
"""


def test_full_registry_through_dissect(tmp_path: Path) -> None:
    """A volume with SOFTWARE and SYSTEM hives: HKLM and the user's HKCU come through dissect's
    registry plugin (ProfileList maps alice's NTUSER.DAT), and that hive is not read twice. The
    machine hives are copies of the real plaso SAM hive with the needed keys added by hivexsh."""
    target = tmp_path / "target"
    sam = fixture("plaso/test_data/regf/SAM")
    hivex(place(target, "C/Windows/System32/config/SOFTWARE", sam), SOFTWARE_SCRIPT)
    hivex(place(target, "C/Windows/System32/config/SYSTEM", sam), SYSTEM_SCRIPT)
    hivex(place(target, "C/Users/alice/NTUSER.DAT", fixture("plaso/test_data/NTUSER.DAT")), UNINSTALL_SCRIPT)
    ctx = open_target(target)
    assert [(h.name, h.sid) for h in ctx.user_homes()] == [("alice", "S-1-5-21-1111-2222-3333-1001")]
    sw = software.collect(ctx)
    entries = sorted((s.name, s.user, s.match, s.ref.source) for s in sw.software if s.evidence == "uninstall_entry")
    assert entries == [
        ("AnyDesk", "alice", "anydesk", "Uninstall key (NTUSER.DAT)"),
        ("Notepad++ (64-bit x64)", "alice", None, "Uninstall key (NTUSER.DAT)"),
        ("Speedy PC Pro", "alice", "Speedy PC Pro", "Uninstall key (NTUSER.DAT)"),
        ("TeamViewer", None, "teamviewer", "Uninstall key (SOFTWARE hive)"),
    ]
    teamviewer = next(e for e in sw.events if e.fields["name"] == "TeamViewer")
    assert teamviewer.fields["hive"] == "HKLM" and teamviewer.tags == ["remote_tool"]
    assert {r.source for r in sw.sources_read} >= {"registry hive SOFTWARE", "registry hive S-1-5-21-1111-2222-3333-1001"}
    assert not any(p.source == "Uninstall (HKLM)" for p in sw.problems)


def test_user_uninstall_entries_from_a_virtual_hive() -> None:
    """The HKCU reader on dissect's in-memory registry (the shape dissect's registry plugin gives)."""
    from dissect.target.helpers.regutil import VirtualHive

    hive = VirtualHive()
    key = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
    hive.map_value(f"{key}\\TeamViewer", "DisplayName", "TeamViewer")
    hive.map_value(f"{key}\\TeamViewer", "UninstallString", '"C:\\Program Files\\TeamViewer\\uninstall.exe" /S')
    hive.map_value(f"{key}\\KB123", "ParentKeyName", "OperatingSystem")  # no display name: skipped
    out = Collected()
    software.user_uninstall_entries(out, hive, "C:/Users/carol/NTUSER.DAT", "carol")
    assert [(s.name, s.match, s.user, s.path) for s in out.software] == [
        ("TeamViewer", "teamviewer", "carol", "C:\\Program Files\\TeamViewer\\uninstall.exe")
    ]


# --- Prefetch (built here: version 30, uncompressed) ------------------------------------------------------


def filetime(ts: datetime) -> int:
    return int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


def prefetch_file(exe: str, files: list[str], runs: list[datetime], count: int) -> bytes:
    """A Windows 10 (version 30) prefetch file without MAM compression, laid out as dissect reads it."""
    info_size, metric_size = 224, 32
    metrics_offset = 84 + info_size
    strings = b"".join(f.encode("utf-16-le") + b"\0\0" for f in files)
    strings_offset = metrics_offset + metric_size * len(files)
    header = struct.pack("<I4sII60sII", 30, b"SCCA", 0x11, strings_offset + len(strings), exe.encode("utf-16-le").ljust(60, b"\0"), 0x1234ABCD, 0)
    times = [filetime(t) for t in runs] + [0] * (8 - len(runs))
    info = struct.pack("<9I2I", metrics_offset, len(files), 0, 0, strings_offset, len(strings), 0, 0, 0, 0, 0)
    info += struct.pack("<Q7Q2Q3I", times[0], *times[1:8], 0, 0, count, 0, 0) + b"\0" * 88
    assert len(info) == info_size
    metrics, offset = b"", 0  # each entry's name offset is relative to the strings block
    for f in files:
        metrics += struct.pack("<6IQ", 0, 0, 0, offset, len(f), 0, 0)
        offset += (len(f) + 1) * 2
    return header + info + metrics + strings


def test_prefetch_of_a_remote_tool(tmp_path: Path) -> None:
    runs = [utc(2024, 3, 1, 10, 5, 7), utc(2024, 3, 1, 9, 58, 40)]
    pf = prefetch_file(
        "ANYDESK.EXE",
        ["\\VOLUME{01da6b2f3c}\\WINDOWS\\SYSTEM32\\NTDLL.DLL", "\\VOLUME{01da6b2f3c}\\USERS\\ALICE\\DOWNLOADS\\ANYDESK.EXE"],
        runs,
        2,
    )
    target = tmp_path / "target"
    place(target, "C/Windows/Prefetch/ANYDESK.EXE-1A2B3C4D.pf", pf)
    place(target, "C/Windows/Prefetch/BROKEN.EXE-00000000.pf", b"SCCA" + os.urandom(300))
    place(target, "C/Windows/System32/drivers/etc/hosts", b"")
    place(target, "C/Users/alice/Desktop/x.txt", b"")
    ex = executions.collect(open_target(target))
    [sw] = [s for s in ex.software if s.evidence == "prefetch"]
    assert (sw.name, sw.match, sw.category, sw.user) == ("ANYDESK.EXE", "anydesk", "remote_tool", "ALICE")
    assert sw.path.endswith("\\USERS\\ALICE\\DOWNLOADS\\ANYDESK.EXE") and sw.last_run == runs[0]
    events = sorted((e for e in ex.events if e.kind == "software.executed"), key=lambda e: e.ts)
    assert [e.ts for e in events] == sorted(runs)
    assert all(e.tags == ["remote_tool"] and e.tool == "anydesk" and e.fields["run_count"] == 2 for e in events)
    assert [p.path for p in ex.problems if p.source == "Prefetch"] == ["C:/Windows/Prefetch/BROKEN.EXE-00000000.pf"]


# --- hostile input ---------------------------------------------------------------------------------------


def test_corrupt_inputs_become_problems(tmp_path: Path) -> None:
    target = tmp_path / "target"
    system = fixture("plaso/test_data/evtx/System.evtx").read_bytes()
    place(target, f"{LOGS}/System.evtx", system[:200_900])  # truncated: 3 of the 27 chunks in use
    place(target, f"{LOGS}/Application.evtx", b"ElfFile\0" + os.urandom(70_000))
    place(target, "C/Windows/AppCompat/Programs/Amcache.hve", b"regf" + os.urandom(65_536))
    place(target, "C/Users/alice/NTUSER.DAT", os.urandom(8192))
    ctx = open_target(target)
    sw = installed(ctx)
    ex = executions.collect(ctx)
    # the events before the cut are kept (445 events, 12 of the 25 service installs) and the loss is said
    assert sum(s.evidence == "service" for s in sw.software) == 12
    problems = {(p.source, p.message.split(" ")[0]) for p in sw.problems + ex.problems if p.severity != "info"}
    assert ("System.evtx", "truncated:") in problems
    assert "3 of the 27 chunks" in next(p.message for p in sw.problems if p.source == "System.evtx")
    assert ("NTUSER.DAT", "not") in problems and ("Amcache.hve", "not") in problems
    assert any(p.source == "Application.evtx" for p in sw.problems)


# --- matching -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        ("AnyDesk", None, ("remote_tool", "anydesk")),
        (None, "C:\\Users\\a\\Downloads\\AnyDesk (1).exe", ("remote_tool", "anydesk")),
        (None, "C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe", ("remote_tool", "teamviewer")),
        ("ScreenConnect Client (9f1b2c3d4e5f6a7b)", None, ("remote_tool", "screenconnect")),
        (None, "C:\\Program Files (x86)\\Splashtop\\Splashtop Remote\\Server\\SRService.exe", ("remote_tool", "splashtop")),
        ("SpeedyPCPro_setup.exe", None, ("fake_security", "Speedy PC Pro")),
        ("Auto Mechanic 2018", None, ("fake_security", "Auto Mechanic")),
        ("auto mechanic shop locator", None, None),
        ("Microsoft Edge", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", None),
        ("kape.exe", "c:\\users\\x\\desktop\\kape.exe", None),
    ],
)
def test_match_program(name: str | None, path: str | None, expected: tuple[str, str] | None) -> None:
    m = match_program(name, path)
    assert (None if m is None else (m.category, m.key)) == expected


def test_match_download_and_sites() -> None:
    assert match_download("C:\\Users\\a\\Downloads\\setup.exe", "https://download.anydesk.com/AnyDesk.exe").key == "anydesk"
    by_domain = match_download("C:\\Users\\a\\Downloads\\download", "https://get.teamviewer.com/qs")
    assert (by_domain.key, by_domain.how) == ("teamviewer", "download domain teamviewer.com")
    assert match_download("C:\\Users\\a\\Downloads\\report.pdf", "https://example.com/report.pdf") is None
    assert [s.category for s in sites_for_url("https://direct.smbc.co.jp/aib/aibgsjsw5001.jsp")] == ["banking"]
    assert [s.category for s in sites_for_url("https://www.amazon.co.jp/gc/balance")] == ["gift_card"]
    assert sites_for_url("https://www.amazon.co.jp/dp/B0000000") == []
    assert sites_for_url("https://smbc.co.jp.login-check.example/") == []  # look-alike host: not the bank
