"""Triage browser collector: Chrome/Edge/Firefox history and downloads of every user profile,
scored with the detection core and tagged (scam page, banking, payment, gift card, remote-tool
download).

The real Chrome History and Firefox places.sqlite come from ../shared/fixtures/forensics (plaso's
test data); the expected values were read from them. The scam-incident History is written here
with Python's sqlite3 in Chrome's own schema (test data, never evidence).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from scamscope.triage.collectors import browser
from scamscope.triage.context import open_target
from scamscope.triage.types import Collected
from tests.conftest import SHARED, require_shared, without_dac_override

FX = SHARED / "fixtures" / "forensics"
CHROME = "AppData/Local/Google/Chrome/User Data/Default/History"
EDGE = "AppData/Local/Microsoft/Edge/User Data/Profile 1/History"
FIREFOX = "AppData/Roaming/Mozilla/Firefox/Profiles/x1y2z3.default-release/places.sqlite"

# Chromium's History schema (history_database.cc / visit_database.cc / download_database.cc), trimmed
# to the columns recent versions write
CHROME_SCHEMA = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT, url INTEGER NOT NULL, visit_time INTEGER NOT NULL,
  from_visit INTEGER, external_referrer_url TEXT, transition INTEGER DEFAULT 0 NOT NULL, segment_id INTEGER,
  visit_duration INTEGER DEFAULT 0 NOT NULL, incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,
  opener_visit INTEGER, originator_cache_guid TEXT, originator_visit_id INTEGER, originator_from_visit INTEGER,
  originator_opener_visit INTEGER, is_known_to_sync BOOLEAN DEFAULT FALSE NOT NULL,
  consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL, visited_link_id INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE downloads (id INTEGER PRIMARY KEY, guid VARCHAR NOT NULL, current_path LONGVARCHAR NOT NULL,
  target_path LONGVARCHAR NOT NULL, start_time INTEGER NOT NULL, received_bytes INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL, state INTEGER NOT NULL, danger_type INTEGER NOT NULL,
  interrupt_reason INTEGER NOT NULL, hash BLOB NOT NULL, end_time INTEGER NOT NULL, opened INTEGER NOT NULL,
  last_access_time INTEGER NOT NULL, transient INTEGER NOT NULL, referrer VARCHAR NOT NULL,
  site_url VARCHAR NOT NULL, embedder_download_data VARCHAR NOT NULL, tab_url VARCHAR NOT NULL,
  tab_referrer_url VARCHAR NOT NULL, http_method VARCHAR NOT NULL, by_ext_id VARCHAR NOT NULL,
  by_ext_name VARCHAR NOT NULL, by_web_app_id VARCHAR NOT NULL, etag VARCHAR NOT NULL,
  last_modified VARCHAR NOT NULL, mime_type VARCHAR(255) NOT NULL, original_mime_type VARCHAR(255) NOT NULL);
CREATE TABLE downloads_url_chains (id INTEGER NOT NULL, chain_index INTEGER NOT NULL, url LONGVARCHAR NOT NULL,
  PRIMARY KEY (id, chain_index));
"""

T0 = datetime(2024, 3, 1, 9, 40, 12, tzinfo=UTC)
SEARCH = "https://www.google.co.jp/search?q=%E3%82%A6%E3%82%A4%E3%83%AB%E3%82%B9"
SCAM = "https://jp-ms-support-alert.web.app/?ph=05050501234"
SCAM_TITLE = "Windows セキュリティ警告 - お使いのPCはウイルスに感染しています"
ANYDESK_PAGE = "https://anydesk.com/ja/downloads/windows"
ANYDESK_EXE = "https://download.anydesk.com/AnyDesk.exe"
BANK = "https://direct.smbc.co.jp/aib/aibgsjsw5001.jsp"
GIFT = "https://www.amazon.co.jp/gc/"

# (seconds after T0, url, title) of the incident
VISITS = [
    (0, SEARCH, "ウイルスに感染しています - Google 検索"),
    (53, SCAM, SCAM_TITLE),
    (738, ANYDESK_PAGE, "AnyDesk のダウンロード"),
    (2088, BANK, "SMBCダイレクト | 三井住友銀行"),
    (3048, GIFT, "Amazonギフトカード"),
    (3948, "https://www.yahoo.co.jp/", "Yahoo! JAPAN"),
]


def webkit(ts: datetime) -> int:
    return int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)


def chrome_history(path: Path, visits: list[tuple[int, str, str]], downloads: list[dict], *, dangling: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(CHROME_SCHEMA)
    con.execute("INSERT INTO meta VALUES ('version', '66')")
    ids: dict[str, int] = {}
    for seconds, url, title in visits:
        ts = webkit(T0 + timedelta(seconds=seconds))
        if url not in ids:
            ids[url] = con.execute("INSERT INTO urls (url, title, visit_count, last_visit_time) VALUES (?, ?, 1, ?)", (url, title, ts)).lastrowid
        con.execute("INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, ?)", (ids[url], ts, 0x30000001))
    for _ in range(dangling):
        con.execute("INSERT INTO visits (url, visit_time) VALUES (9999, ?)", (webkit(T0),))
    for i, d in enumerate(downloads, 1):
        start = webkit(T0 + timedelta(seconds=d["at"]))
        con.execute(
            "INSERT INTO downloads VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, 0, x'', ?, 0, 0, 0, ?, '', '', ?, '', 'GET', '', '', '', '', '', ?, ?)",
            (i, f"guid-{i}", d["path"], d["path"], start, d["size"], d["size"], start + 4_000_000, d["tab"], d["tab"], d["mime"], d["mime"]),
        )
        for n, url in enumerate(d["chain"]):
            con.execute("INSERT INTO downloads_url_chains VALUES (?, ?, ?)", (i, n, url))
    con.commit()
    con.close()


INCIDENT_DOWNLOADS = [
    {"at": 749, "path": "C:\\Users\\carol\\Downloads\\AnyDesk.exe", "size": 5_123_456, "tab": ANYDESK_PAGE,
     "mime": "application/x-msdownload", "chain": ["https://anydesk.com/ja/downloads/windows?dl=1", ANYDESK_EXE]},
    {"at": 4000, "path": "C:\\Users\\carol\\Downloads\\明細.pdf", "size": 81_920, "tab": "https://www.yahoo.co.jp/",
     "mime": "application/pdf", "chain": ["https://example.com/statement.pdf"]},
]


def place(target: Path, rel: str, source: Path | bytes) -> Path:
    dest = target / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        dest.write_bytes(source)
    else:
        shutil.copyfile(source, dest)
    return dest


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """A partial collection (Users/ and ProgramData/ only): alice's real Chrome History, bob's real
    Firefox places.sqlite, carol's scam incident in a Chrome History written here."""
    target = tmp_path_factory.mktemp("browser") / "target"
    place(target, f"C/Users/alice/{CHROME}", require_shared(FX / "plaso/test_data/chrome/History"))
    place(target, f"C/Users/bob/{FIREFOX}", require_shared(FX / "plaso/test_data/firefox/places.sqlite"))
    chrome_history(target / f"C/Users/carol/{CHROME}", VISITS, INCIDENT_DOWNLOADS, dangling=1)
    (target / "C/ProgramData").mkdir(parents=True)
    ctx = open_target(target)
    assert ctx.partial
    return browser.collect(ctx)


def of(c: Collected, user: str, kind: str = "visit") -> list:
    """Every visit (or download) of ``user``, read back from the timeline events: only notable visits are
    kept as Visit records, every visit is an event."""
    out = []
    for e in c.events:
        if e.user != user or e.kind != f"browser.{kind}":
            continue
        f = e.all_fields()
        out.append(SimpleNamespace(ts=e.ts, url=f["url"], title=f["title"] if kind == "visit" else e.message.split("downloaded ", 1)[1].split(" from ")[0],
                                   browser=f["browser"], ref=e.ref, user=e.user, kind=kind, target_path=f.get("target_path"),
                                   verdict=f.get("verdict"), score=f.get("score"), evidence=f.get("evidence", []), tags=e.tags))
    return out


def test_real_chrome_history(collected: Collected) -> None:
    visits, downloads = of(collected, "alice"), of(collected, "alice", "download")
    assert (len(visits), len(downloads)) == (69, 2)
    first = min(visits, key=lambda v: (v.ts, v.ref.line))
    assert (first.url, first.title, first.ts) == ("http://start.ubuntu.com/10.04/Google/", "Ubuntu Start Page", datetime(2011, 4, 7, 12, 3, 11, tzinfo=UTC))
    assert first.browser == "chrome" and first.ref.path == f"C:/Users/alice/{CHROME}" and first.ref.line == 1
    # schema version 20: downloads with full_path and Unix-time start_time
    cats = next(d for d in downloads if d.title == "funcats_scr.exe")
    assert cats.url == "http://fatloss4idiotsx.com/download/funcats/funcats_scr.exe"
    assert cats.target_path == "/home/john/Downloads/funcats_scr.exe"
    assert cats.ts == datetime(2011, 5, 23, 8, 35, 30, tzinfo=UTC)
    event = next(e for e in collected.events if e.kind == "browser.download" and e.ref == cats.ref)
    assert (event.fields["size"], event.fields["state"]) == (1132155, "complete")
    assert all(v.verdict == "benign" and "scam_page" not in v.tags for v in visits + downloads)


def test_real_firefox_history(collected: Collected) -> None:
    [visit] = of(collected, "bob")
    assert (visit.url, visit.title, visit.browser) == ("http://news.google.com/", "Google News", "firefox")
    assert visit.ts == datetime(2011, 7, 1, 11, 16, 21, 371935, tzinfo=UTC)
    assert not of(collected, "bob", "download")  # places.sqlite of 2011: no download annotations


def test_scam_incident_tags_and_scores(collected: Collected) -> None:
    visits = {v.url: v for v in of(collected, "carol")}
    assert len(visits) == len(VISITS)
    scam = visits[SCAM]
    assert scam.verdict == "scam" and scam.score >= 0.4 and "scam_page" in scam.tags
    assert {"text.infection_claim", "brand.hosting_platform"} <= set(scam.evidence)
    assert scam.ts == T0 + timedelta(seconds=53) and scam.title == SCAM_TITLE
    # a results page repeating the warning text is not a scam page
    assert visits[SEARCH].tags == ["search"] and "text.infection_claim" in visits[SEARCH].evidence
    assert visits[BANK].tags == ["banking"] and visits[GIFT].tags == ["gift_card"]
    assert visits[ANYDESK_PAGE].tags == ["remote_tool_site"]
    assert visits["https://www.yahoo.co.jp/"].tags == [] and visits["https://www.yahoo.co.jp/"].verdict == "benign"
    [anydesk, pdf] = sorted(of(collected, "carol", "download"), key=lambda v: v.ts)
    assert anydesk.url == ANYDESK_EXE and anydesk.target_path == "C:\\Users\\carol\\Downloads\\AnyDesk.exe"
    assert "remote_tool_download" in anydesk.tags and anydesk.ts == T0 + timedelta(seconds=749)
    assert "remote_tool_download" not in pdf.tags and pdf.title == "明細.pdf"
    event = next(e for e in collected.events if e.kind == "browser.download" and e.fields["url"] == ANYDESK_EXE)
    assert (event.tool, event.fields["match"], event.fields["size"]) == ("anydesk", "anydesk", 5_123_456)
    assert event.fields["tab_url"] == ANYDESK_PAGE and event.timestamp_desc == "Download Started"
    scam_event = next(e for e in collected.events if e.kind == "browser.visit" and e.all_fields()["url"] == SCAM)
    assert "scam_page" in scam_event.tags and scam_event.all_fields()["verdict"] == "scam" and scam_event.user == "carol"
    # the one visit row pointing to a missing URL row is reported, not fatal
    assert any(p.source == "Chrome Default History" and "missing URL rows" in p.message for p in collected.problems)


def test_events_match_visits(collected: Collected) -> None:
    assert len(collected.events) == collected.visits_read == 69 + 2 + 1 + len(VISITS) + 2
    # notable visits only are kept as records: the incident's tagged pages and the downloads
    kept = {v.url for v in collected.visits}
    assert {SEARCH, SCAM, ANYDESK_PAGE, BANK, GIFT, ANYDESK_EXE} <= kept and "https://www.yahoo.co.jp/" not in kept
    assert all(v.tags or v.kind == "download" or v.verdict in ("scam", "suspicious") for v in collected.visits)
    assert all(e.ts.tzinfo is not None and e.kind in ("browser.visit", "browser.download") for e in collected.events)
    assert {r.path for r in collected.sources_read} == {
        f"C:/Users/alice/{CHROME}", f"C:/Users/bob/{FIREFOX}", f"C:/Users/carol/{CHROME}"
    }


def test_wal_visits_are_read(tmp_path: Path) -> None:
    """A History whose last visits are still in History-wal (browser not closed): dissect applies the WAL."""
    target = tmp_path / "target"
    db = target / f"C/Users/dave/{EDGE}"
    chrome_history(db, VISITS[:1], [])
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    con.execute("PRAGMA wal_autocheckpoint=0")
    url_id = con.execute("INSERT INTO urls (url, title, last_visit_time) VALUES (?, ?, 0)", (SCAM, SCAM_TITLE)).lastrowid
    con.execute("INSERT INTO visits (url, visit_time) VALUES (?, ?)", (url_id, webkit(T0 + timedelta(seconds=53))))
    con.commit()
    evidence = tmp_path / "evidence"
    shutil.copytree(target, evidence)  # copied while the database is open: the WAL is not checkpointed
    con.close()
    assert (evidence / f"C/Users/dave/{EDGE}-wal").stat().st_size > 0
    c = browser.collect(open_target(evidence))
    assert [v.url for v in sorted(c.visits, key=lambda v: v.ts)] == [SEARCH, SCAM]
    assert [v.browser for v in c.visits] == ["edge", "edge"]
    assert c.sources_read[0].source == "Edge Profile 1 History (with -wal)"
    assert not (evidence / f"C/Users/dave/{EDGE}-journal").exists()


def test_corrupt_databases_become_problems(tmp_path: Path) -> None:
    target = tmp_path / "target"
    history = require_shared(FX / "plaso/test_data/chrome/History").read_bytes()
    place(target, f"C/Users/alice/{CHROME}", history[:20_000])  # truncated inside the visits table
    place(target, f"C/Users/bob/{FIREFOX}", b"SQLite format 3\0" + os.urandom(4000))
    place(target, f"C/Users/carol/{EDGE}", b"")
    chrome_history(target / f"C/Users/dave/{CHROME}", VISITS[:2], [])
    c = browser.collect(open_target(target))
    assert sorted(v.url for v in c.visits) == sorted([SEARCH, SCAM])  # the sound database still read in full
    by_user = {p.path.split("/")[2]: p for p in c.problems}
    assert set(by_user) >= {"alice", "bob", "carol"}
    assert all(p.severity == "warning" for p in c.problems)
    assert "not a readable SQLite database" in by_user["carol"].message


def test_no_browser_profiles_is_said(tmp_path: Path) -> None:
    place(tmp_path / "t", "C/Users/erin/Desktop/a.txt", b"")
    (tmp_path / "t/C/ProgramData").mkdir()
    c = browser.collect(open_target(tmp_path / "t"))
    assert not c.visits and [p.severity for p in c.problems] == ["info"]


def test_thousands_of_visits_take_seconds(tmp_path: Path) -> None:
    visits = [(i * 7, f"https://site{i % 1500}.example.jp/page/{i % 300}", f"ページ {i % 1500}") for i in range(6000)]
    chrome_history(tmp_path / f"t/C/Users/frank/{CHROME}", visits, [])
    (tmp_path / "t/C/ProgramData").mkdir()
    ctx = open_target(tmp_path / "t")
    browser.Scorer().score("warm-up", "https://example.com/")  # the detection model loads once per process
    start = time.perf_counter()
    c = browser.collect(ctx)
    elapsed = time.perf_counter() - start
    assert c.visits_read == len(c.events) == 6000
    assert elapsed < 20, f"{elapsed:.1f}s for 6000 visits (1500 distinct pages)"


UNPRIVILEGED = """
import json, sys
from pathlib import Path
from scamscope.triage.collectors import browser
from scamscope.triage.context import open_target
c = browser.collect(open_target(Path(sys.argv[1])))
print(json.dumps({"urls": sorted(v.url for v in c.visits), "events": len(c.events),
                  "problems": [[p.source, p.message, p.path, p.severity] for p in c.problems]}))
"""


def test_unreadable_profile_folder_is_a_problem_not_a_silence(tmp_path: Path) -> None:
    """Firefox's history one folder below an unreadable AppData/Roaming: named as an error with its path and
    reason (run without root's DAC override, so the permission applies), while Chrome's history under Local is read."""
    import json
    import subprocess
    import sys

    root = tmp_path / "t"
    chrome_history(root / f"C/Users/gina/{CHROME}", VISITS[:2], [])
    place(root, f"C/Users/gina/{FIREFOX}", require_shared(FX / "plaso/test_data/firefox/places.sqlite").read_bytes())
    (root / "C/ProgramData").mkdir(parents=True)
    prefix = without_dac_override()

    def read() -> dict:
        proc = subprocess.run([*prefix, sys.executable, "-c", UNPRIVILEGED, str(root)], capture_output=True, text=True, timeout=300,
                              cwd=Path(__file__).resolve().parent.parent)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout)

    readable = read()
    roaming = root / "C/Users/gina/AppData/Roaming"
    roaming.chmod(0)
    try:
        locked = read()
    finally:
        roaming.chmod(0o755)
    assert readable["events"] == 2 + 1 and not [p for p in readable["problems"] if p[3] != "info"]  # 2 Chrome visits, 1 Firefox
    assert locked["events"] == 2 and locked["urls"] == sorted([SEARCH, SCAM])
    [problem] = [p for p in locked["problems"] if p[2] == "C:/Users/gina/AppData/Roaming"]
    assert problem[0] == "browser history" and problem[3] == "error"
    assert "Permission denied" in problem[1] and "not examined" in problem[1]
