"""Fuzzing the triage log parsers (hypothesis): the logs of a suspect's disk are hostile input too.

Hostile lines are written to where AnyDesk (ad_svc.trace, connection_trace.txt, file transfers),
TeamViewer (Connections_incoming.txt, the log file), Splashtop (SPLog, FTCLog), ScreenConnect
(user.config), Supremo, UltraViewer, LogMeIn, RustDesk and Zoho Assist keep them in a collection,
and every remote-access collector runs on it (dissect opens the folder as a target, as the
triage does). ScreenConnect's event-log messages go straight to its event parser. Properties:
no collector raises, and each example finishes within a time bound. The [[log]] entries of the
regression corpus run in a child process with a time limit, so that a regression fails the
test instead of hanging the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscope.triage.collectors import all_collectors
from scamscope.triage.context import open_target
from scamscope.triage.remote import screenconnect
from scamscope.triage.remote.common import Out
from scamscope.triage.remote.heuristic import Item
from scamscope.triage.types import Ref
from tests.fuzzing import CORPUS_BOUND_S, TOKENS, bounded, corpus

ROOT = Path(__file__).resolve().parent.parent

FILES = (
    "C/ProgramData/AnyDesk/ad_svc.trace",
    "C/ProgramData/AnyDesk/connection_trace.txt",
    "C/ProgramData/AnyDesk/file_transfer_trace.txt",
    "C/Users/alice/AppData/Roaming/AnyDesk/ad.trace",
    "C/Program Files/TeamViewer/Connections_incoming.txt",
    "C/Program Files/TeamViewer/TeamViewer15_Logfile.log",
    "C/Program Files (x86)/Splashtop/Splashtop Remote/Server/log/SPLog.txt",
    "C/Program Files (x86)/Splashtop/Splashtop Remote/Server/log/FTCLog.txt",
    "C/Program Files (x86)/ScreenConnect Client (0123456789abcdef)/user.config",
    "C/ProgramData/SupremoRemoteDesktop/Inc/x.log",
    "C/Program Files (x86)/UltraViewer/x.log",
    "C/ProgramData/LogMeIn/x.log",
    "C/Windows/ServiceProfiles/LocalService/AppData/Roaming/RustDesk/log/server/x.log",
    "C/ProgramData/ZohoMeeting/log/x.log",
)

# how lines of these logs start, and words their parsers look for
PREFIXES = (
    "   info 2023-01-01 10:00:00.123       gsvc   1234   5678  app.backend_session - ",
    "  error 2023-01-01 10:00:00.123       back   1234   5678  ",
    "Incoming    2023-01-01, 10:00    User    123456789    123456789  ",
    "123456789\tname\t01-01-2023 10:00:00\t01-01-2023 10:10:00\tuser\tRemoteControl\t{guid}\n",
    "2023/01/01 10:00:00.123  1234  5678 S0   ",
    "<6>Jan 01 10:00:00.123 ",
    "2023-01-01 10:00:00 ",
    "1/2/2023 10:00:00 AM ",
    "[2023-01-01 10:00:00.123456 +09:00] ",
    "",
)
LOG_WORDS = (
    "Incoming session request:", "Accepting from", "Remote OS", "Client-ID:", "outgoing connection request for address ",
    "Session stopped", "Connected", "Disconnected", "OnDownloadRequest", "OnUploadRequest", "=>", "{", "}",
    "\"fileID\":", "\"fullPath\":", "[FTC] UploadRequest, fileID[", "filePath[", "]", "disp name ", "Got client 1 public IP ",
    "[Auth", "] ok, client (", ") can connect", "Write file ", "Send file ", "authentication using ", " was successful",
    "out of ", "KiB", "MB", "Upload", "Download", "ID", "partner", "new connection", "Connection opened from ",
    "::ffff:", "receive file", "C:\\Users\\", "session ended", "logged in", "1.2.3.4", "h=", "relay:", ".screenconnect.com",
    "Transferred files with action 'x':", "Executed command of length: ", "(0123456789abcdef)",
)  # fmt: skip

_line = st.tuples(
    st.sampled_from(PREFIXES),
    st.lists(
        st.one_of(
            st.sampled_from(LOG_WORDS),
            st.sampled_from(TOKENS),
            st.text(max_size=10),
            st.builds(lambda t, n: t * n, st.sampled_from(LOG_WORDS + tuple(TOKENS)), st.integers(1, 300)),
        ),
        max_size=25,
    ),
).map(lambda t: t[0] + "".join(t[1]))
hostile_log = st.lists(_line, max_size=40).map("\n".join)


def _collection(root: Path, content: str | bytes) -> Path:
    (root / "C/Users/alice").mkdir(parents=True, exist_ok=True)
    (root / "C/Windows/System32").mkdir(parents=True, exist_ok=True)
    for rel in FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return root


def _collect_all(root: Path) -> int:
    """Run every remote-access collector on the collection; the number of records found."""
    ctx = open_target(root)
    found = 0
    for name, collect in all_collectors():
        if name.startswith("remote_"):
            got = collect(ctx)
            found += len(got.sessions) + len(got.events)
    return found


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _collection(tmp_path_factory.mktemp("fuzz-triage"), "")
    _collect_all(root)  # dissect's imports and first open, outside the per-example bound
    return root


@given(hostile_log)
def test_remote_collectors_on_hostile_logs(target: Path, text: str) -> None:
    _collection(target, text)
    with bounded(what=text):
        assert _collect_all(target) >= 0


@given(st.one_of(st.binary(max_size=4000), hostile_log.map(lambda t: t.encode("utf-16-le", "surrogatepass"))))
def test_remote_collectors_on_hostile_bytes(target: Path, data: bytes) -> None:
    _collection(target, data)
    with bounded(what=data):
        assert _collect_all(target) >= 0


@given(st.lists(st.tuples(hostile_log, st.sampled_from(["ScreenConnect Client (0123456789abcdef)", "ScreenConnect", ""])), max_size=20))
def test_screenconnect_event_messages(messages: list[tuple[str, str]]) -> None:
    out = Out("screenconnect", "ScreenConnect")
    ts = datetime(2023, 1, 1, tzinfo=UTC)
    items = [Item(ts, msg, Ref("System.evtx", "x", i), None, {"provider": provider}) for i, (msg, provider) in enumerate(messages)]
    with bounded(what=messages[:3]):
        screenconnect.from_events(out, items)


# --- the regression corpus ------------------------------------------------------------------------------

_LOG_SPECS = corpus("log")


def _run_specs(base: str) -> None:
    """In the child process: each [[log]] spec in a collection of its own; prints its time as JSON."""
    import time

    for i, spec in enumerate(_LOG_SPECS):
        root = Path(base) / f"spec{i}"
        (root / "C/Users/alice").mkdir(parents=True, exist_ok=True)
        path = root / spec.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.build(), encoding="utf-8")
        start = time.monotonic()
        error = None
        try:
            _collect_all(root)
        except Exception as exc:  # reported to the parent, which fails the spec's test
            error = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"name": spec.name, "seconds": time.monotonic() - start, "error": error}), flush=True)


@pytest.fixture(scope="module")
def spec_times(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("fuzz-logs")
    code = f"from tests.test_fuzz_triage import _run_specs; _run_specs({str(base)!r})"
    limit = 60 + CORPUS_BOUND_S * len(_LOG_SPECS)
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=limit, check=False)
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    rows = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {row["name"]: row for row in rows}


@pytest.mark.parametrize("name", [s.name for s in _LOG_SPECS])
def test_pathological_log(spec_times: dict[str, dict], name: str) -> None:
    row = spec_times.get(name)
    assert row is not None, "the collectors did not finish this input within the time limit (or crashed)"
    assert row["error"] is None, row["error"]
    assert row["seconds"] < CORPUS_BOUND_S, row
