"""Remote-access records of the Application event log (ScreenConnect, LogMeIn), read through dissect.eventlog.

No public EVTX with ScreenConnect or LogMeIn records exists in ../shared, and nothing on this machine
writes EVTX, so :func:`write_evtx` below builds one in the binary format Windows uses for classic
(EventLog.WriteEntry) records: a file header, a 64 KiB chunk, records whose BinXML is a template
instance (Event/System/Provider, EventID, Level, TimeCreated, EventRecordID, Channel, Computer and
EventData/Data as a string array) with typed substitution values, and CRC32 checksums. dissect
reads it exactly as it reads a real log (the test checks that on the real Application.evtx of
../shared as well). The ScreenConnect message texts follow public detection rules and write-ups; we
could not check them against a real client log (see scamscope/triage/remote/screenconnect.py).
"""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scamscope.triage.context import open_target
from scamscope.triage.remote import eventlog
from tests.conftest import SHARED, require_shared

# --------------------------------------------------------------------------- EVTX writer (test data only)

STRING, UINT8, UINT16, UINT64, FILETIME, STRING_ARRAY = 0x01, 0x04, 0x06, 0x0A, 0x11, 0x81


def _filetime(ts: datetime) -> int:
    return int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10**7)


class _Bxml:
    """BinXML of one record; ``base`` is the absolute chunk offset of its first byte (names are inline)."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.buf = bytearray()

    def u8(self, v: int) -> None:
        self.buf += struct.pack("<B", v)

    def u16(self, v: int) -> None:
        self.buf += struct.pack("<H", v)

    def u32(self, v: int) -> None:
        self.buf += struct.pack("<I", v)

    def name(self, text: str) -> None:
        here = self.base + len(self.buf) + 4
        self.u32(here)  # the name follows inline
        self.u32(0)  # next name in the chunk's table
        self.u16(sum(ord(c) for c in text) & 0xFFFF)  # hash (not checked by readers)
        self.u16(len(text))
        self.buf += text.encode("utf-16-le") + b"\x00\x00"

    def sub(self, index: int, kind: int) -> None:
        self.u8(0x0E)  # optional substitution
        self.u16(index)
        self.u8(kind)

    def element(
        self, tag: str, attrs: list[tuple[str, int, int]] = (), child: tuple[int, int] | None = None, children=None
    ) -> None:
        self.u8(0x41 if attrs else 0x01)
        self.u16(0xFFFF)  # dependency id
        self.u32(0)  # data size (not used by readers)
        self.name(tag)
        if attrs:
            start = len(self.buf)
            self.u32(0)
            for i, (attr, index, kind) in enumerate(attrs):
                self.u8(0x46 if i < len(attrs) - 1 else 0x06)
                self.name(attr)
                self.sub(index, kind)
            struct.pack_into("<I", self.buf, start, len(self.buf) - start - 4)
        if child is None and not children:
            self.u8(0x03)  # empty element
            return
        self.u8(0x02)
        if child is not None:
            self.sub(*child)
        for build in children or []:
            build()
        self.u8(0x04)


def _record_data(
    base: int, provider: str, event_id: int, record_id: int, ts: datetime, data: list[str], computer: str
) -> bytes:
    b = _Bxml(base)
    b.buf += b"\x0f\x01\x01\x00"  # fragment header
    b.u8(0x0C)  # template instance
    b.u8(0x01)
    b.u32(record_id)  # template id
    b.u32(base + len(b.buf) + 4)  # the definition follows inline
    definition = len(b.buf)
    b.u32(0)
    b.buf += uuid.uuid4().bytes
    b.u32(0)  # size of the template body, set below
    body = len(b.buf)
    b.buf += b"\x0f\x01\x01\x00"

    def system() -> None:
        b.element("Provider", [("Name", 0, STRING), ("EventSourceName", 8, STRING)])
        b.element("EventID", child=(1, UINT16))
        b.element("Level", child=(2, UINT8))
        b.element("TimeCreated", [("SystemTime", 3, FILETIME)])
        b.element("EventRecordID", child=(4, UINT64))
        b.element("Channel", child=(5, STRING))
        b.element("Computer", child=(6, STRING))

    def event_data() -> None:
        b.element("Data", child=(7, STRING_ARRAY))

    b.element(
        "Event",
        children=[
            lambda: b.element("System", children=[system]),
            lambda: b.element("EventData", children=[event_data]),
        ],
    )
    b.u8(0x00)
    struct.pack_into("<I", b.buf, definition + 20, len(b.buf) - body)
    values = [
        provider.encode("utf-16-le"),
        struct.pack("<H", event_id),
        struct.pack("<B", 4),
        struct.pack("<Q", _filetime(ts)),
        struct.pack("<Q", record_id),
        "Application".encode("utf-16-le"),
        computer.encode("utf-16-le"),
        b"".join(s.encode("utf-16-le") + b"\x00\x00" for s in data),
        provider.encode("utf-16-le"),
    ]
    kinds = [STRING, UINT16, UINT8, FILETIME, UINT64, STRING, STRING, STRING_ARRAY, STRING]
    b.u32(len(values))
    for value, kind in zip(values, kinds, strict=True):
        b.u16(len(value))
        b.u8(kind)
        b.u8(0)
    for value in values:
        b.buf += value
    b.u8(0x00)
    return bytes(b.buf)


def write_evtx(path: Path, records: list[tuple[str, int, datetime, list[str]]], computer: str = "VICTIM-PC") -> None:
    """An EVTX file with one chunk holding ``records`` (provider, event id, time, data strings)."""
    chunk = bytearray(0x10000)
    offset = 512
    last = offset
    for number, (provider, event_id, ts, data) in enumerate(records, start=1):
        payload = _record_data(offset + 24, provider, event_id, number, ts, data, computer)
        size = 24 + len(payload) + 4
        record = struct.pack("<IIQQ", 0x2A2A, size, number, _filetime(ts)) + payload + struct.pack("<I", size)
        chunk[offset : offset + size] = record
        last = offset
        offset += size
    n = len(records)
    header = struct.pack("<8sQQQQIII", b"ElfChnk\x00", 1, n, 1, n, 128, last, offset)
    chunk[0 : len(header)] = header
    struct.pack_into("<I", chunk, 52, zlib.crc32(bytes(chunk[512:offset])))
    struct.pack_into("<I", chunk, 124, zlib.crc32(bytes(chunk[0:120]) + bytes(chunk[128:512])))
    file_header = bytearray(4096)
    struct.pack_into("<8sQQQIHHHH", file_header, 0, b"ElfFile\x00", 0, 0, n + 1, 128, 1, 3, 4096, 1)
    struct.pack_into("<I", file_header, 124, zlib.crc32(bytes(file_header[0:120])))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(file_header) + bytes(chunk))


# --------------------------------------------------------------------------- tests

SC = "ScreenConnect Client (3f2e8a1c9b7d4e60)"
T0 = datetime(2024, 5, 14, 1, 2, 3, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + minutes * 60, UTC)


SC_RECORDS = [
    ("Microsoft-Windows-Security-SPP", 1004, _at(-5), ["Windows(R) UL oob License (Public)"]),
    (SC, 0, _at(0), ["Cloud Account Administrator Connected"]),
    (SC, 201, _at(3), ["Transferred files with action 'Transfer':\nsupport_tool.exe\nbank_form.pdf"]),
    (SC, 200, _at(4), ["Executed command of length: 42"]),
    (SC, 0, _at(25.5), ["Cloud Account Administrator Disconnected"]),
    ("LogMeIn", 0, _at(60), ["Remote control session started by tech@example.com from 198.51.100.23"]),
    ("LogMeIn", 0, _at(75), ["Remote control session ended"]),
]


def test_writer_output_is_read_by_dissect_like_a_real_log(tmp_path: Path) -> None:
    from dissect.eventlog import evtx

    path = tmp_path / "Application.evtx"
    write_evtx(path, SC_RECORDS)
    with path.open("rb") as fh:
        records = list(evtx.Evtx(fh))
    assert len(records) == len(SC_RECORDS)
    second = records[1]
    assert (
        str(second["Provider_Name"].get() if hasattr(second["Provider_Name"], "get") else second["Provider_Name"]) == SC
    )
    assert second["Data"] == ["Cloud Account Administrator Connected"]
    assert second["TimeCreated_SystemTime"].get().replace(tzinfo=UTC) == T0
    assert int(second["EventRecordID"]) == 2


def _target(tmp_path: Path, *, partial: bool) -> Path:
    root = tmp_path / "target"
    (root / "C/Users/victim/Desktop").mkdir(parents=True)
    if not partial:
        (root / "C/Windows/System32/config").mkdir(parents=True)
    return root


@pytest.mark.parametrize(
    ("partial", "where"),
    [(False, "Windows/System32/winevt/Logs/Application.evtx"), (True, "Users/victim/Desktop/Application.evtx")],
)
def test_screenconnect_and_logmein_sessions_from_application_evtx(tmp_path: Path, partial: bool, where: str) -> None:
    """A full target (Windows/ present: dissect's Windows plugin) and a partial one (a loose exported log)."""
    root = _target(tmp_path, partial=partial)
    write_evtx(root / "C" / where, SC_RECORDS)
    ctx = open_target(root)
    assert ctx.partial is partial
    got = eventlog.collect(ctx)
    sc = [s for s in got.sessions if s.tool == "screenconnect"]
    assert len(sc) == 1
    s = sc[0]
    assert (s.start, s.end, s.seconds) == (T0, _at(25.5), 25.5 * 60)
    assert s.remote_name == "Cloud Account Administrator"
    assert s.remote_id == "instance 3f2e8a1c9b7d4e60"
    assert [(t.name, t.direction) for t in s.transfers] == [
        ("support_tool.exe", "unknown"),
        ("bank_form.pdf", "unknown"),
    ]
    assert {r.line for r in s.refs} >= {2, 3, 5}  # EventRecordIDs
    assert all(r.path == "C:/" + where for r in s.refs)
    assert "heuristic" in s.time_note and "UTC" in s.time_note
    commands = [e for e in got.events if "remote_command" in e.tags]
    assert len(commands) == 1 and commands[0].fields["command_length"] == 42 and commands[0].ref.line == 4
    lmi = [s for s in got.sessions if s.tool == "logmein"]
    assert len(lmi) == 1
    assert (lmi[0].start, lmi[0].end, lmi[0].remote_ip) == (_at(60), _at(75), "198.51.100.23")
    kinds = {e.kind for e in got.events if e.tool == "screenconnect"}
    assert {"remote.session_start", "remote.session_end", "remote.file_transfer", "remote.log"} <= kinds
    assert all("remote_tool" in e.tags for e in got.events)
    assert not [p for p in got.problems if p.severity != "info"]


def test_loose_evtx_beside_the_volume_of_a_partial_collection(tmp_path: Path) -> None:
    root = _target(tmp_path, partial=True)
    write_evtx(root / "EventLogs/exported.evtx", SC_RECORDS[:2])  # beside C/, not inside it
    write_evtx(root / "C/Users/victim/Desktop/app.evtx", SC_RECORDS[4:5])  # loose inside the volume
    got = eventlog.collect(open_target(root))
    sessions = [s for s in got.sessions if s.tool == "screenconnect"]
    # the connect record is in one file, the disconnect in the other: both were read
    assert len(sessions) == 1 and (sessions[0].start, sessions[0].end) == (T0, _at(25.5))
    assert [r.path for r in sessions[0].refs] == [
        "EventLogs/exported.evtx (in the collection folder)",
        "C:/Users/victim/Desktop/app.evtx",
    ]


def test_truncated_and_garbage_evtx_are_problems_not_exceptions(tmp_path: Path) -> None:
    root = _target(tmp_path, partial=True)
    cut = root / "C/Users/victim/Desktop/cut.evtx"
    write_evtx(cut, [(SC, 0, _at(-60), ["Earlier Technician Connected"])])
    cut.write_bytes(cut.read_bytes()[: 4096 + 0x8000])  # cut in the middle of its chunk
    (root / "C/Users/victim/Desktop/bad.evtx").write_bytes(b"\x00\xff" * 5000)
    write_evtx(root / "C/Users/victim/Desktop/good.evtx", SC_RECORDS[1:5])
    got = eventlog.collect(open_target(root))
    problems = {p.path: p.message for p in got.problems}
    assert "not an EVTX" in problems["C:/Users/victim/Desktop/bad.evtx"]
    assert "truncated" in problems["C:/Users/victim/Desktop/cut.evtx"]
    sc = [s for s in got.sessions if s.tool == "screenconnect"]
    assert [(s.start, s.end) for s in sc] == [(T0, _at(25.5))]  # good.evtx still read; the cut chunk is lost


def test_real_application_evtx_is_read_through_dissect(tmp_path: Path) -> None:
    """The RathbunVM Application.evtx (587 records, no remote-tool provider): read whole, no session."""
    py7zr = pytest.importorskip("py7zr")
    archive = require_shared(
        SHARED / "fixtures/forensics/dfir-artifact-museum/Windows/EventLogs/Win10/RathbunVM/RathbunVM_W10EventLogs.7z"
    )
    root = _target(tmp_path, partial=True)
    logs = root / "C/Windows/System32/winevt/Logs"
    logs.mkdir(parents=True)
    with py7zr.SevenZipFile(archive) as z:
        z.extract(path=logs, targets=["Application.evtx"])
    got = eventlog.collect(open_target(root))
    assert got.sessions == []
    assert any(r.source == "Application.evtx (587 records)" for r in got.sources_read)
    assert not [p for p in got.problems if p.severity != "info"]


def test_no_event_log_is_an_info_problem(tmp_path: Path) -> None:
    got = eventlog.collect(open_target(_target(tmp_path, partial=True)))
    assert got.sessions == [] and [p.severity for p in got.problems] == ["info"]
