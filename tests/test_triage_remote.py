"""Remote-access collectors on the real fixtures of ../shared (AnyDesk, TeamViewer, Splashtop).

Each test builds a target folder in tmp_path, copies the fixtures to their Windows paths and runs
the collector; the expected values were read off the fixture files by hand (see comments).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scamscope.triage.collectors import all_collectors, collector
from scamscope.triage.context import open_target
from scamscope.triage.remote import anydesk, tool_for
from scamscope.triage.remote.common import Found, Out
from tests.conftest import SHARED, require_shared

FORENSICS = SHARED / "fixtures" / "forensics"
MUSEUM = FORENSICS / "dfir-artifact-museum" / "Windows"
ARTEMIS = FORENSICS / "artemis-api" / "tests" / "test_data" / "anydesk"
PLASO_TV = FORENSICS / "plaso" / "test_data" / "teamviewer"
SPLASHTOP_LOG = "C/Program Files (x86)/Splashtop/Splashtop Remote/Server/log"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def place(root: Path, copies: dict[str, Path]) -> Path:
    """Copy fixtures to ``root/<windows path>``; returns ``root``."""
    for dest, src in copies.items():
        target = root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(require_shared(src), target)
    return root


def make_target(tmp_path: Path, copies: dict[str, Path], *, partial: bool, users: tuple[str, ...] = ("alice",)) -> Path:
    root = tmp_path / ("partial" if partial else "full")
    for user in users:
        (root / "C/Users" / user).mkdir(parents=True, exist_ok=True)
    if not partial:
        (root / "C/Windows/System32/config").mkdir(parents=True, exist_ok=True)  # dissect's Windows plugin, no hives
    return place(root, copies)


# --------------------------------------------------------------------------- AnyDesk


def anydesk_museum(tmp_path: Path, partial: bool) -> Path:
    return make_target(
        tmp_path,
        {
            "C/ProgramData/AnyDesk/ad_svc.trace": MUSEUM / "AnyDesk/ad_svc.trace",
            "C/ProgramData/AnyDesk/connection_trace.txt": MUSEUM / "AnyDesk/connection_trace.txt",
            "C/Users/alice/AppData/Roaming/AnyDesk/ad.trace": MUSEUM / "AnyDesk/ad.trace",
        },
        partial=partial,
    )


@pytest.mark.parametrize("partial", [False, True])
def test_anydesk_sessions_from_the_museum_traces(tmp_path: Path, partial: bool) -> None:
    ctx = open_target(anydesk_museum(tmp_path, partial))
    assert ctx.partial is partial
    got = collector("remote_anydesk")(ctx)
    assert not got.problems
    assert len(got.sessions) == 2
    unattended, accepted = got.sessions
    # ad_svc.trace lines 6-7: "Client-ID: 547911884 (FPR: 67a8dcc336a1)", "Logged in from 12.xx.xx.21:41314 on relay ad3345a7"
    # connection_trace.txt line 1: "Incoming 2022-08-23, 10:23 Passwd 547911884 547911884"
    assert unattended.tool == "anydesk"
    assert (unattended.remote_id, unattended.remote_ip, unattended.direction) == (
        "547911884",
        "12.xx.xx.21",
        "incoming",
    )
    assert unattended.start == utc(2022, 8, 23, 10, 20, 17, 125000) and unattended.end is None
    assert unattended.access == "unattended access password"
    assert unattended.user is None  # the service's trace under ProgramData
    assert {(r.path, r.line) for r in unattended.refs} == {
        ("C:/ProgramData/AnyDesk/ad_svc.trace", 6),
        ("C:/ProgramData/AnyDesk/ad_svc.trace", 7),
        ("C:/ProgramData/AnyDesk/connection_trace.txt", 1),
    }
    # ad.trace lines 1-2 (Client-ID 442226597, Logged in from 12.xx.xx.21:59562); connection_trace line 2 "User"
    assert (accepted.remote_id, accepted.remote_ip, accepted.user) == ("442226597", "12.xx.xx.21", "alice")
    assert accepted.start == utc(2022, 9, 28, 12, 39, 26, 845000)
    assert accepted.access.startswith("accepted by the user at the PC")
    assert "UTC" in accepted.time_note
    # ad.trace lines 8-9: "Preparing files in 'C:\Users\lab\Downloads'", "Preparation of 1 files completed"
    [transfer] = accepted.transfers
    assert (transfer.name, transfer.direction, transfer.ts) == (
        "1 file(s) in C:\\Users\\lab\\Downloads",
        "unknown",
        utc(2022, 9, 28, 12, 41, 20, 1000),
    )
    assert transfer.ref.line == 9
    own = sorted(e.fields["own_id"] for e in got.events if "own_id" in e.fields)
    assert own == ["294433414", "609579424"]
    logins = [e for e in got.events if e.kind == "remote.login"]
    assert sorted((e.fields["remote_ip"], e.fields["port"]) for e in logins) == [
        ("12.xx.xx.21", 41314),
        ("12.xx.xx.21", 59562),
    ]
    starts = [e for e in got.events if e.kind == "remote.session_start"]
    assert [e.ts for e in starts] == [unattended.start, accepted.start]
    assert all(e.tool == "anydesk" and "remote_tool" in e.tags and e.ref.path and e.ref.line for e in got.events)
    assert {r.path for r in got.sources_read} == {
        "C:/ProgramData/AnyDesk/ad_svc.trace",
        "C:/ProgramData/AnyDesk/connection_trace.txt",
        "C:/Users/alice/AppData/Roaming/AnyDesk/ad.trace",
    }


def test_anydesk_linux_traces_one_accepted_session_and_declined_requests(tmp_path: Path) -> None:
    """artemis-api AnyDesk 7.1 traces: the service log and the user's log of the same machine."""
    root = make_target(
        tmp_path,
        {
            "C/ProgramData/AnyDesk/ad_svc.trace": ARTEMIS / "anydesk_var_log.trace",
            "C/Users/ubu/AppData/Roaming/AnyDesk/ad.trace": ARTEMIS / "anydesk.trace",
        },
        partial=True,
        users=("ubu",),
    )
    got = collector("remote_anydesk")(open_target(root))
    # service lines 911-986: Accept request 00:53:50.850, Authenticated by local user 00:53:56.043,
    # Session closed by remote side 00:57:14.134; user trace: "Incoming session request: centos (1001025310)",
    # "Session stopped." at 00:57:14.139
    [session] = got.sessions
    assert (session.remote_id, session.remote_ip, session.remote_name) == ("1001025310", "23.162.8.100", "centos")
    assert (session.start, session.end) == (utc(2025, 9, 22, 0, 53, 50, 850000), utc(2025, 9, 22, 0, 57, 14, 139000))
    assert session.seconds == pytest.approx(203.289)
    assert session.access == "accepted by the user at the PC" and session.user == "ubu"
    assert [t.name for t in session.transfers] == ["1 file(s) in /home/ubu/.local/share"]
    # five more "Accept request from 1001025310" without a session, and three outgoing attempts: events only
    requests = [e for e in got.events if e.message.startswith("AnyDesk: incoming connection request")]
    assert len(requests) == 6
    assert len([e for e in got.events if e.message.startswith("AnyDesk: outgoing connection")]) == 6
    # both traces hold runs of NUL bytes (lines 189/791 and 217/1784): reported, and line 791 still parsed
    nul = [p for p in got.problems if "NUL" in p.message]
    assert {p.path for p in nul} == {
        "C:/ProgramData/AnyDesk/ad_svc.trace",
        "C:/Users/ubu/AppData/Roaming/AnyDesk/ad.trace",
    }
    assert all(p.severity == "info" for p in nul)
    user_trace = Found(open_target(root).root.joinpath("Users/ubu/AppData/Roaming/AnyDesk/ad.trace"), "ubu")
    out = Out("anydesk", "AnyDesk")
    lines = anydesk.parse_trace_lines(out, out.read("ad.trace", user_trace), user_trace)
    assert 791 in {line.number for line in lines}  # "<NUL x35>   info 2025-09-22 01:28:35.520 ... using avx2"


def test_anydesk_file_transfer_trace_utf16_and_connection_trace(tmp_path: Path) -> None:
    """file_transfer_trace.txt (UTF-16, as AnyDesk writes it) survives an uninstall: transfers without traces."""
    root = tmp_path / "t"
    roaming = root / "C/Users/bob/AppData/Roaming/AnyDesk"
    roaming.mkdir(parents=True)
    (roaming / "connection_trace.txt").write_text(
        "Incoming    2024-05-01, 09:58    User    123456789    123456789\n", encoding="utf-8"
    )
    lines = [
        "Clipboard\t\t2024-05-01, 10:05\tstart \tdownload\t'invoice_viewer.exe' (~0 B out of 4.20 MiB)",
        "Clipboard\t\t2024-05-01, 10:05\tfinish\tdownload\t'invoice_viewer.exe' (4.20 MiB out of 4.20 MiB)",
        "File Manager\t\t2024-05-01, 10:21\tstart \tupload\t'passwords.xlsx' (~0 B out of 18.5 KiB)",
        "Clipboard\t\t2024-06-11, 08:00\tstart \tdownload\t'later.exe' (~0 B out of 1 MiB)",
    ]
    (roaming / "file_transfer_trace.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    got = collector("remote_anydesk")(open_target(root))
    [session] = got.sessions
    assert (session.remote_id, session.start, session.end) == ("123456789", utc(2024, 5, 1, 9, 58), None)
    assert session.access.startswith("accepted by the user")
    assert "to the minute" in session.time_note
    assert [(t.name, t.direction, t.size) for t in session.transfers] == [
        ("invoice_viewer.exe", "to_victim", 4404019),
        ("passwords.xlsx", "from_victim", 18944),
    ]
    transfers = [e for e in got.events if e.kind == "remote.file_transfer"]
    assert [e.fields["file"] for e in transfers] == [
        "invoice_viewer.exe",
        "passwords.xlsx",
        "later.exe",
    ]  # later.exe: no session
    assert transfers[0].ref.line == 1 and transfers[0].message.endswith("onto this PC, 4404019 bytes")


# --------------------------------------------------------------------------- TeamViewer


@pytest.mark.parametrize("partial", [False, True])
def test_teamviewer_incoming_and_outgoing_from_plaso_fixtures(tmp_path: Path, partial: bool) -> None:
    root = make_target(
        tmp_path,
        {
            "C/Program Files/TeamViewer/Connections_incoming.txt": PLASO_TV / "connections_incoming.txt",
            "C/Program Files/TeamViewer/TeamViewer15_Logfile.log": PLASO_TV / "TeamViewer15_Logfile.log",
            "C/Users/IEUser/AppData/Roaming/TeamViewer/Connections.txt": PLASO_TV / "Connections.txt",
        },
        partial=partial,
        users=("IEUser",),
    )
    got = collector("remote_teamviewer")(open_target(root))
    assert not got.problems
    incoming, outgoing = got.sessions
    # connections_incoming.txt: "1660360496 TestUserRedacted 16-02-2024 14:16:32 16-02-2024 14:18:36 IEUser RemoteControl {..}"
    assert (incoming.remote_id, incoming.remote_name, incoming.user, incoming.direction) == (
        "1660360496",
        "TestUserRedacted",
        "IEUser",
        "incoming",
    )
    assert incoming.start == utc(2024, 2, 16, 14, 16, 32)
    # the log (Start: ... (UTC-8:00)) line 964 "06:18:36.100 ... ReceivedEndSession" -> 14:18:36.100 UTC
    assert incoming.end == utc(2024, 2, 16, 14, 18, 36, 100000)
    assert incoming.access == "TeamViewer random password given by the user"  # line 624: dynamic password
    assert ("C:/Program Files/TeamViewer/TeamViewer15_Logfile.log", 624) in {(r.path, r.line) for r in incoming.refs}
    assert "Start: header" in incoming.time_note
    # Connections.txt (space-padded, no partner name): outgoing 20-02-2024 13:10:33 - 13:11:52
    assert (outgoing.direction, outgoing.remote_id, outgoing.remote_name) == ("outgoing", "1660360496", None)
    assert (outgoing.start, outgoing.end, outgoing.seconds) == (
        utc(2024, 2, 20, 13, 10, 33),
        utc(2024, 2, 20, 13, 11, 52),
        79.0,
    )
    # lines 948-955: the partner's two copies onto the PC failed (access denied): events, not transfers
    failed = [e for e in got.events if "transfer_failed" in e.tags]
    assert [(e.fields["file"], e.ts, e.ref.line) for e in failed] == [
        ("cert-bundle.crt", utc(2024, 2, 16, 14, 18, 8, 372000), 950),
        ("test", utc(2024, 2, 16, 14, 18, 18, 42000), 955),
    ]
    assert incoming.transfers == []
    assert any(e.fields.get("own_id") == "1660388656" for e in got.events)


def test_teamviewer_log_without_start_header_uses_the_pc_time_zone(tmp_path: Path) -> None:
    """A QuickSupport log in %TEMP% (own sample: lines in TeamViewer's layout) read with --tz Asia/Tokyo."""
    log = tmp_path / "t/C/Users/hanako/AppData/Local/Temp/TeamViewer/TeamViewer15_Logfile.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "\n".join(
            [
                "2024/05/14 10:00:01.100  4120       4124 G1   AppSessionManager::HandleSessionIncoming: Connection incoming, sessionID = 555",
                "2024/05/14 10:00:01.200  4120       4124 S0   AuthenticationBlocker::Allocate: allocate ok for DyngateID 987654321, attempt number 1",
                "2024/05/14 10:00:02.000  4120       4124 S0   UDPv4: punch received a=203.0.113.7:5555: (*)",
                "2024/05/14 10:00:09.000  4120       4124 D1   AuthenticationPasswordLogin_Passive::RunAuthenticationMethod: authentication using dynamic password was successful",
                "2024/05/14 10:05:00.000  4120       4124 G1   Write file C:\\Users\\hanako\\Desktop\\SecurityFix.exe",
                "2024/05/14 10:07:30.000  4120       4124 G1   Send file C:\\Users\\hanako\\Documents\\bank_statement.pdf",
                "\x00\x07\x1b\x02\x03\x04\x05\x06\x0e\x0f\x10\x11",
                "2024/05/14 10:20:00.000  4120       4124 S0   SessionStatistics[2] Session to 987654321 ended. Estimated capacity=5448kBit/s",
            ]
        ),
        encoding="utf-8",
    )
    got = collector("remote_teamviewer")(open_target(tmp_path / "t", tz=ZoneInfo("Asia/Tokyo")))
    [s] = got.sessions
    assert (s.remote_id, s.remote_ip, s.user) == ("987654321", "203.0.113.7", "hanako")
    assert (s.start, s.end) == (utc(2024, 5, 14, 1, 0, 1, 100000), utc(2024, 5, 14, 1, 20))
    assert "Asia/Tokyo" in s.time_note
    assert [(t.name, t.direction) for t in s.transfers] == [
        ("C:\\Users\\hanako\\Desktop\\SecurityFix.exe", "to_victim"),
        ("C:\\Users\\hanako\\Documents\\bank_statement.pdf", "from_victim"),
    ]
    assert [(p.message, p.path) for p in got.problems] == [
        (
            "1 line(s) of binary garbage skipped (corrupt or partly overwritten log)",
            "C:/Users/hanako/AppData/Local/Temp/TeamViewer/TeamViewer15_Logfile.log",
        )
    ]


# --------------------------------------------------------------------------- Splashtop


def splashtop_target(tmp_path: Path) -> Path:
    return make_target(
        tmp_path,
        {
            f"{SPLASHTOP_LOG}/SPLog.txt": MUSEUM / "Splashtop/SPLog.txt",
            f"{SPLASHTOP_LOG}/FTCLog.txt": MUSEUM / "Splashtop/FTCLog.txt",
        },
        partial=True,
    )


def test_splashtop_session_and_upload_in_japan_time(tmp_path: Path) -> None:
    got = collector("remote_splashtop")(open_target(splashtop_target(tmp_path), tz=ZoneInfo("Asia/Tokyo")))
    assert not got.problems
    [s] = got.sessions
    # SPLog.txt line 1 "<1>Sep  1 11:40:53 [SM_04020]:[Auth-L] ok, client (mechant_host) can connect", year from FTCLog (2022)
    assert s.start == utc(2022, 9, 1, 2, 40, 53)
    assert (s.remote_id, s.remote_name, s.remote_ip) == ("mechant_host", "john doe", "123.231.123.231")
    assert "Asia/Tokyo" in s.time_note and "FTCLog" in s.time_note
    # line 11 "[FTC] UploadRequest ... filePath[C:\Users\lab\Desktop\mechant.7z]", size 1885074 from the JSON of line 12
    [t] = s.transfers
    assert (t.name, t.direction, t.size, t.ts, t.ref.line) == (
        "C:\\Users\\lab\\Desktop\\mechant.7z",
        "to_victim",
        1885074,
        utc(2022, 9, 1, 2, 42, 12),
        11,
    )
    assert any(e.ref.path.endswith("FTCLog.txt") and e.ref.line == 1 and "Upload" in e.message for e in got.events)


def test_splashtop_without_time_zone_reads_utc_and_says_so(tmp_path: Path) -> None:
    got = collector("remote_splashtop")(open_target(splashtop_target(tmp_path)))
    [s] = got.sessions
    assert s.start == utc(2022, 9, 1, 11, 40, 53)
    assert "unknown" in s.time_note
    assert [p.severity for p in got.problems] == ["info"]


# --------------------------------------------------------------------------- hostile input


def test_corrupt_and_truncated_logs_are_problems_and_other_sessions_survive(tmp_path: Path) -> None:
    root = anydesk_museum(tmp_path, partial=True)
    svc = root / "C/ProgramData/AnyDesk/ad_svc.trace"
    good = svc.read_bytes()
    # binary garbage before and inside the trace, and its last line cut in half
    svc.write_bytes(
        bytes(range(256)) * 40
        + b"\n"
        + good[:300]
        + b"\n\x89PNG\r\n\x1a\n"
        + bytes(200)
        + b"\xff\xfe" * 500
        + b"\n"
        + good[300:-12]
    )
    (root / "C/Users/alice/AppData/Roaming/AnyDesk/file_transfer_trace.txt").write_bytes(
        b"\x00\x01\x02garbage\xff" * 100
    )
    (root / "C/Users/alice/AppData/Roaming/AnyDesk/ad_2.trace").mkdir()  # a folder where a log is expected
    tv = root / "C/Program Files/TeamViewer"
    tv.mkdir(parents=True)
    (tv / "Connections_incoming.txt").write_bytes(b"1234\tname\t99-99-2024 99:99:99\n" + bytes(range(256)))
    (tv / "TeamViewer15_Logfile.log").write_bytes(b"\x00" * 5000)
    results = {name: collect(open_target(root)) for name, collect in all_collectors() if name.startswith("remote_")}
    anydesk = results["remote_anydesk"]
    # the ad.trace session is intact; the cut ad_svc.trace still yields its login line, whose end is cut off
    assert sorted((s.remote_id, s.remote_ip) for s in anydesk.sessions) == [
        ("442226597", "12.xx.xx.21"),
        ("547911884", "12.xx.xx.21"),
    ]
    messages = " | ".join(f"{p.path}: {p.message}" for p in anydesk.problems)
    assert "ad_svc.trace: " in messages and "binary garbage" in messages
    assert "file_transfer_trace.txt" in messages
    tv_problems = results["remote_teamviewer"].problems
    assert any("Connections_incoming.txt" in (p.path or "") and "skipped" in p.message for p in tv_problems)
    assert results["remote_teamviewer"].sessions == []
    assert all(not [p for p in c.problems if p.severity == "error"] for c in results.values())


def test_every_remote_collector_on_an_empty_partial_collection(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    (root / "C/Users/nobody").mkdir(parents=True)
    (root / "C/ProgramData").mkdir(parents=True)
    ctx = open_target(root)
    names = [name for name, _ in all_collectors()]
    assert {
        "remote_anydesk",
        "remote_teamviewer",
        "remote_splashtop",
        "eventlogs",
        "remote_quickassist",
        "remote_rustdesk",
    } <= set(names)
    for name, collect in all_collectors():
        if name.startswith("remote_") or name == "eventlogs":
            got = collect(ctx)
            assert got.sessions == [] and got.events == []
            assert got.problems and all(p.severity == "info" for p in got.problems), name


# --------------------------------------------------------------------------- tool_for


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("AnyDesk.exe", "anydesk"),
        ("C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe", "anydesk"),
        ("AnyDesk (1).exe", "anydesk"),
        ("TeamViewer 15", "teamviewer"),
        ("TeamViewerQS.exe", "teamviewer"),
        ("ScreenConnect Client (3f2e8a1c9b7d4e60)", "screenconnect"),
        ("ScreenConnect.ClientService.exe", "screenconnect"),
        ("ConnectWise Control Client", "screenconnect"),
        ("SRService.exe", "splashtop"),
        ("Quick Assist", "quickassist"),
        ("QuickAssist.exe", "quickassist"),
        ("LMI_Rescue.exe", "logmein"),
        ("UltraViewer_Desktop.exe", "ultraviewer"),
        ("Zoho Assist", "zohoassist"),
        ("rustdesk-1.2.3-x86_64.exe", "rustdesk"),
        ("notepad.exe", None),
        ("C:\\Users\\supremo\\Desktop\\notes.txt", None),
        ("", None),
    ],
)
def test_tool_for(text: str, key: str | None) -> None:
    assert tool_for(text) == key


# --------------------------------------------------------------------------- dissect's plugins as file finders


def test_files_found_by_dissects_plugins_go_through_the_same_parsers(tmp_path: Path) -> None:
    """Where dissect's anydesk / teamviewer plugins run (here a Linux directory target, the only kind we can
    build without Windows hives), the files they find are parsed by our parsers like walked ones."""
    from dissect.target import Target

    from scamscope.triage.context import TriageContext

    root = tmp_path / "linux"
    for folder in ("etc", "usr", "opt"):
        (root / folder).mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\nubu:x:1000:1000::/home/ubu:/bin/bash\n")
    (root / "etc/os-release").write_text('NAME="Ubuntu"\nID=ubuntu\n')
    place(
        root,
        {
            "var/log/anydesk/anydesk.trace": ARTEMIS / "anydesk_var_log.trace",
            "home/ubu/.anydesk/anydesk.trace": ARTEMIS / "anydesk.trace",
            "var/log/teamviewer15/TeamViewer15_Logfile.log": PLASO_TV / "TeamViewer15_Logfile.log",
        },
    )
    target = Target.open(root)
    assert target.os == "linux"
    ctx = TriageContext(target=target, root=target.fs.path("/"), partial=False)
    got = collector("remote_anydesk")(ctx)
    [session] = got.sessions
    assert (session.remote_id, session.remote_ip, session.user) == ("1001025310", "23.162.8.100", "ubu")
    assert {r.path for r in got.sources_read} == {"var/log/anydesk/anydesk.trace", "/home/ubu/.anydesk/anydesk.trace"}
    tv = collector("remote_teamviewer")(ctx)
    [tv_session] = tv.sessions  # from the log alone: no Connections_incoming.txt here
    assert (tv_session.remote_id, tv_session.remote_name) == ("1660360496", "TestAccountRedacted")
    assert tv_session.start == utc(2024, 2, 16, 14, 16, 32, 736000)


def test_hostile_long_lines_do_not_hang_the_parsers(tmp_path: Path) -> None:
    """Lines crafted to make regular expressions backtrack: cut to 4096 characters, parsed in bounded time."""
    import time

    root = tmp_path / "hostile/C"
    lines = {
        "ProgramData/AnyDesk/ad_svc.trace": ["info 2024-01-01 00:00:00.000 " + "x.y " * 2000 + "z"] * 100,
        "ProgramData/AnyDesk/connection_trace.txt": ["Incoming " + "2024-01-01, 10:00 " * 300] * 100,
        "Users/x/AppData/Roaming/AnyDesk/file_transfer_trace.txt": [
            "Clipboard " + "2024-01-01, 10:00 " * 300 + "'" * 3000
        ]
        * 100,
        "Program Files/TeamViewer/Connections_incoming.txt": ["1 " + "16-02-2024 14:16:32 " * 250 + "u RemoteControl"]
        * 100,
        "ProgramData/LogMeIn/LogMeIn.log": ["2024-01-01 10:00:00 upload " + "file." * 1000 + " files " + "a." * 1500]
        * 100,
        f"{SPLASHTOP_LOG[2:]}/SPLog.txt": ["<1>Sep  1 11:40:53 OnUploadRequest => {" + "{" * 5000] * 100,
    }
    for rel, content in lines.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("\n".join(content))
    ctx = open_target(tmp_path / "hostile")
    started = time.monotonic()
    results = [collect(ctx) for name, collect in all_collectors() if name.startswith("remote_")]
    assert time.monotonic() - started < 20
    problems = [p for r in results for p in r.problems]
    assert sum("cut before parsing" in p.message for p in problems) == len(lines)
    assert not [p for p in problems if p.severity == "error"]
    assert not [s for r in results for s in r.sessions if s.tool in ("anydesk", "teamviewer", "splashtop")]


def test_splashtop_year_from_modification_time_with_rollover(tmp_path: Path) -> None:
    """Without FTCLog.txt the year comes from SPLog's modification time; December lines before January: previous year."""
    import os

    log = tmp_path / "t" / SPLASHTOP_LOG / "SPLog.txt"
    log.parent.mkdir(parents=True)
    (tmp_path / "t/C/Users/a").mkdir(parents=True)
    log.write_text(
        "<1>Dec 31 23:50:00 [SM_04020]:[Auth-L] ok, client (scam-pc) can connect to AV server\n"
        "<1>Dec 31 23:50:05 [AP_07144]:[Banner] Got client 1 public IP 203.0.113.50\n"
        "<1>Jan  1 00:10:00 [SM_04020]:[Auth-L] ok, client (scam-pc) can connect to AV server\n"
    )
    stamp = datetime(2024, 1, 2, 12, 0, tzinfo=UTC).timestamp()
    os.utime(log, (stamp, stamp))
    got = collector("remote_splashtop")(open_target(tmp_path / "t", tz=UTC))
    assert [(s.start, s.remote_ip) for s in got.sessions] == [
        (utc(2023, 12, 31, 23, 50), "203.0.113.50"),
        (utc(2024, 1, 1, 0, 10), None),
    ]
    assert all("modification time" in s.time_note for s in got.sessions)
