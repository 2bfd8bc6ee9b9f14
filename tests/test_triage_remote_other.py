"""RustDesk, Supremo, UltraViewer, LogMeIn, Zoho Assist, Quick Assist and ScreenConnect settings files.

No public sample of these tools' logs exists in ../shared: the artifacts below are small ones
written here in the layout the vendors describe (RustDesk's is the layout dissect's rustdesk plugin
parses). The sessions they yield are marked as heuristic readings by the collectors. Quick Assist
is also run on a real Chromium History (plaso's test data) placed where Quick Assist keeps its own.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scamscope.triage.collectors import collector
from scamscope.triage.context import open_target
from tests.conftest import SHARED, require_shared

TOKYO = ZoneInfo("Asia/Tokyo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_rustdesk_log_with_utc_offsets(tmp_path: Path) -> None:
    root = tmp_path / "t"
    write(
        root,
        "C/Users/taro/AppData/Roaming/RustDesk/log/server/rustdesk_rCURRENT.log",
        "\n".join(
            [
                "[2024-05-14 10:00:00.100 +09:00] INFO [src/server.rs:421] Server started",
                "[2024-05-14 10:02:03.500 +09:00] INFO [src/server/connection.rs:1005] #3 Connection opened from 203.0.113.9:50412.",
                "[2024-05-14 10:02:04.000 +09:00] INFO [src/server/connection.rs:1210] Login request: peer_id 123456789, my_name tech",
                "[2024-05-14 10:02:10.000 +09:00] INFO [src/server/connection.rs:1290] Password accepted",
                "[2024-05-14 10:09:00.000 +09:00] INFO [src/server/connection.rs:1900] receive file C:\\Users\\taro\\Downloads\\fix.exe",
                "[2024-05-14 10:31:00.000 +09:00] INFO [src/server/connection.rs:1476] #3 Connection closed: peer closed",
            ]
        ),
    )
    got = collector("remote_rustdesk")(open_target(root))
    [s] = got.sessions
    assert (s.start, s.end) == (utc(2024, 5, 14, 1, 2, 3, 500000), utc(2024, 5, 14, 1, 31))
    assert (s.remote_ip, s.remote_id, s.user) == ("203.0.113.9", "123456789", "taro")
    assert s.access == "Password accepted"
    assert [(t.name, t.direction) for t in s.transfers] == [("C:\\Users\\taro\\Downloads\\fix.exe", "to_victim")]
    assert "UTC offset" in s.time_note and "heuristic" in s.time_note
    assert not got.problems


def test_ultraviewer_connection_log_day_first_local_time(tmp_path: Path) -> None:
    root = tmp_path / "t"
    (root / "C/Users/hanako").mkdir(parents=True)  # a partial collection is recognised by its Users/ folder
    write(
        root,
        "C/Program Files (x86)/UltraViewer/ConnectionLog.Log",
        "\n".join(
            [
                "[14/05/2024 10:15:20] Incoming connection from partner ID: 987 654 321 (IP 198.51.100.77)",
                "[14/05/2024 10:15:31] Password accepted",
                "[14/05/2024 10:20:02] Received file: C:\\Users\\hanako\\Desktop\\remit.xlsx",
                "[14/05/2024 11:02:45] Partner disconnected",
            ]
        ),
    )
    got = collector("remote_ultraviewer")(open_target(root, tz=TOKYO))
    [s] = got.sessions
    assert (s.start, s.end) == (utc(2024, 5, 14, 1, 15, 20), utc(2024, 5, 14, 2, 2, 45))
    assert (s.remote_id, s.remote_ip, s.direction) == ("987 654 321", "198.51.100.77", "incoming")
    assert [t.direction for t in s.transfers] == ["to_victim"]
    assert "Asia/Tokyo" in s.time_note
    assert [e.ref.line for e in got.events if e.kind == "remote.session_start"] == [1]


def test_supremo_zoho_and_logmein_text_logs(tmp_path: Path) -> None:
    root = tmp_path / "t"
    write(
        root,
        "C/ProgramData/SupremoRemoteDesktop/Inc/2024-05-14.log",
        "2024-05-14 09:00:01 Incoming connection from ID 123 456 789\n2024-05-14 09:40:00 Session ended\n",
    )
    write(
        root,
        "C/Users/jiro/AppData/Local/ZohoMeeting/log/agent.log",
        "05/14/2024 01:00:00 PM New session from technician; remote IP 192.0.2.44\n05/14/2024 01:30:00 PM Technician disconnected\n",
    )
    write(
        root,
        "C/ProgramData/LogMeIn/LogMeIn.log",
        "2024-05-14 08:00:00.000 Remote control session started from 198.51.100.5\n2024-05-14 08:45:10.000 Remote control session ended\n",
    )
    ctx = open_target(root)  # no time zone: local times read as UTC, said in a Problem
    supremo = collector("remote_supremo")(ctx)
    [s] = supremo.sessions
    assert (s.start, s.end, s.remote_id) == (utc(2024, 5, 14, 9, 0, 1), utc(2024, 5, 14, 9, 40), "123 456 789")
    assert any("time zone is unknown" in p.message for p in supremo.problems)
    zoho = collector("remote_zohoassist")(ctx)
    [z] = zoho.sessions
    assert (z.start, z.end, z.remote_ip, z.user) == (
        utc(2024, 5, 14, 13, 0),
        utc(2024, 5, 14, 13, 30),
        "192.0.2.44",
        "jiro",
    )  # month-first: "05/14"
    logmein = collector("remote_logmein")(ctx)
    [m] = logmein.sessions
    assert (m.start, m.end, m.remote_ip) == (utc(2024, 5, 14, 8, 0), utc(2024, 5, 14, 8, 45, 10), "198.51.100.5")


def test_text_log_of_binary_garbage_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "t"
    write(root, "C/ProgramData/LogMeIn/LogMeIn.log", bytes(range(256)) * 50)
    got = collector("remote_logmein")(open_target(root))
    assert got.sessions == []
    assert {p.path for p in got.problems if p.severity == "warning"} == {"C:/ProgramData/LogMeIn/LogMeIn.log"}


# --------------------------------------------------------------------------- Quick Assist

QA_HISTORY = "AppData/Local/Temp/QuickAssist/EBWebView/Default/History"


def chromium_history(path: Path, visits: list[tuple[str, str, datetime]]) -> None:
    """A minimal Chromium History (the ``urls`` and ``visits`` tables as Chromium creates them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,"
        "typed_count INTEGER DEFAULT 0 NOT NULL,last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);"
        "CREATE TABLE visits(id INTEGER PRIMARY KEY,url INTEGER NOT NULL,visit_time INTEGER NOT NULL,from_visit INTEGER,"
        "transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,visit_duration INTEGER DEFAULT 0 NOT NULL);"
    )
    for url, title, ts in visits:
        webkit = int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
        cur = db.execute(
            "INSERT INTO urls(url,title,visit_count,last_visit_time) VALUES (?,?,1,?)", (url, title, webkit)
        )
        db.execute("INSERT INTO visits(url,visit_time) VALUES (?,?)", (cur.lastrowid, webkit))
    db.commit()
    db.close()


def test_quick_assist_sittings_from_its_webview_history(tmp_path: Path) -> None:
    root = tmp_path / "t"
    base = "https://remoteassistance.support.services.microsoft.com"
    chromium_history(
        root / "C/Users/hanako" / QA_HISTORY,
        [
            (f"{base}/", "Quick Assist", utc(2024, 5, 14, 1, 0)),
            (f"{base}/sharescreen", "Share screen", utc(2024, 5, 14, 1, 2)),
            (f"{base}/sharescreen", "Share screen", utc(2024, 5, 14, 1, 31)),
            (f"{base}/", "Quick Assist", utc(2024, 5, 20, 3, 0)),
        ],
    )
    got = collector("remote_quickassist")(open_target(root))
    first, second = got.sessions
    assert (first.start, first.end, first.direction, first.user) == (
        utc(2024, 5, 14, 1, 0),
        utc(2024, 5, 14, 1, 31),
        "incoming",
        "hanako",
    )
    assert first.access == "security code entered in Quick Assist"
    assert [r.line for r in first.refs] == [1, 3]
    assert (second.start, second.end, second.direction) == (utc(2024, 5, 20, 3, 0), None, "unknown")
    assert len([e for e in got.events if e.kind == "remote.log"]) == 4
    assert not got.problems


def test_quick_assist_on_a_real_chromium_history(tmp_path: Path) -> None:
    """plaso's Chrome History (69 visits, 2011) placed at Quick Assist's path: read whole through dissect."""
    src = require_shared(SHARED / "fixtures/forensics/plaso/test_data/chrome/History")
    dest = tmp_path / "t/C/Users/hanako" / QA_HISTORY
    dest.parent.mkdir(parents=True)
    shutil.copyfile(src, dest)
    got = collector("remote_quickassist")(open_target(tmp_path / "t"))
    assert len([e for e in got.events if e.kind == "remote.log"]) == 69
    assert got.sessions and got.sessions[0].start == utc(2011, 4, 7, 12, 3, 11)


def test_quick_assist_corrupt_history(tmp_path: Path) -> None:
    write(tmp_path / "t", "C/Users/hanako/" + QA_HISTORY, b"SQLite format 3\x00" + b"\xff" * 3000)
    got = collector("remote_quickassist")(open_target(tmp_path / "t"))
    assert got.sessions == [] and len(got.problems) == 1 and got.problems[0].severity == "warning"


# --------------------------------------------------------------------------- ScreenConnect settings


def test_screenconnect_user_config(tmp_path: Path) -> None:
    root = tmp_path / "t"
    config = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <userSettings>
    <ScreenConnect.ApplicationSettings>
      <setting name="RelayHostName" serializeAs="String"><value>instance-4x7qzp-relay.screenconnect.com</value></setting>
      <setting name="WindowState" serializeAs="String"><value>Normal</value></setting>
    </ScreenConnect.ApplicationSettings>
  </userSettings>
</configuration>"""
    write(root, "C/Users/hanako/AppData/Local/ScreenConnect Client (3f2e8a1c9b7d4e60)/user.config", config)
    write(
        root,
        "C/Users/hanako/AppData/Local/ScreenConnect Client (aaaa1111bbbb2222)/user.config",
        "<configuration><userSettings>",
    )
    write(
        root,
        "C/Users/hanako/AppData/Local/ScreenConnect Client (cccc3333dddd4444)/user.config",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    )
    got = collector("remote_screenconnect")(open_target(root))
    [event] = got.events
    assert event.fields["hosts"] == ["instance-4x7qzp-relay.screenconnect.com"]
    assert event.fields["instance"] == "3f2e8a1c9b7d4e60" and event.user == "hanako"
    assert event.fields["settings"]["RelayHostName"] == "instance-4x7qzp-relay.screenconnect.com"
    messages = sorted(p.message.split(":")[0] for p in got.problems)
    assert messages == [
        "holds a DTD / entity declarations (not a .NET settings file)",
        "not well-formed XML (corrupt or truncated)",
    ]


@pytest.mark.parametrize("collect", [collector("remote_rustdesk"), collector("remote_quickassist"), collector("remote_screenconnect")])
def test_absent_sources_are_info_problems(tmp_path: Path, collect) -> None:
    (tmp_path / "t/C/Users/a").mkdir(parents=True)
    got = collect(open_target(tmp_path / "t"))
    assert got.sessions == [] and [p.severity for p in got.problems] == ["info"]
