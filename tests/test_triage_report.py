"""The triage report for people, URL parameters and scale.

- phone numbers carried in visited URLs' parameters become a finding with the detection core's
  explanation, without false positives from ordinary pages;
- every time is shown in UTC and in the PC's local time (or the report says once that the zone is
  unknown);
- the report's timeline lists the events around the story and counts the rest;
- IDs and IPs are never broken across lines (laid out by real Chromium, print media, A4);
- "none found" statements are qualified when their source could not be read;
- the report modules do not import the pipeline; a history of thousands of visits keeps one copy of
  each page's text.

Evidence is built from the real artifacts of ../shared (see tests/test_triage_pipeline.py) plus a few
synthetic Chrome History rows written here.
"""

from __future__ import annotations

import ast
import base64
import importlib.util
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scamscope.triage.collectors.browser import url_phones
from scamscope.triage.pipeline import run
from scamscope.triage.report.terminal import summary_lines
from tests.conftest import without_dac_override
from tests.test_triage_pipeline import ANYDESK, CHROME_DIR, CHROME_HISTORY, SCAM_TITLE, _copy, _webkit, build_collection

ROOT = Path(__file__).resolve().parent.parent
PHONE_SCAM = "https://win-alert.example-support.xyz/index.html?phone=0101-844-555-0142"
B64_SCAM = "https://win-alert.example-support.xyz/warn.html?n=" + base64.b64encode(b"0101-888-555-0177").decode()
FRAGMENT_SCAM = "https://win-alert.example-support.xyz/x.html#tel=%2B18885550166"
SHOP_ID = "https://shop.example.co.jp/item?id=0120444444"
SHOP_TEL = "https://shop.example.co.jp/contact?tel=0120-444-444"
PLAIN_PHONE = "https://blog.example.com/post?phone=0101-844-555-0155"  # no scam text, but a disguised international number


def _add_visits(history: Path, rows: list[tuple[str, str, datetime]]) -> None:
    db = sqlite3.connect(history)
    for url, title, ts in rows:
        cur = db.execute("insert into urls(url, title, visit_count, typed_count, last_visit_time) values (?, ?, 1, 0, ?)",
                         (url, title, _webkit(ts)))
        db.execute("insert into visits(url, visit_time, from_visit, transition) values (?, ?, 0, 805306368)", (cur.lastrowid, _webkit(ts)))
    db.commit()
    db.close()


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def tokyo(tmp_path_factory: pytest.TempPathFactory):
    """The pipeline's collection, plus phone-carrying URLs and 300 ordinary visits a year before the scam, run with --tz Asia/Tokyo."""
    root = build_collection(tmp_path_factory.mktemp("evidence"))
    rows = [(PHONE_SCAM, SCAM_TITLE, _t("2022-08-23T10:06:00")), (B64_SCAM, SCAM_TITLE, _t("2022-08-23T10:07:00")),
            (FRAGMENT_SCAM, SCAM_TITLE, _t("2022-08-23T10:08:00")), (SHOP_ID, "商品ページ", _t("2022-08-23T09:00:00")),
            (SHOP_TEL, "お問い合わせ", _t("2022-08-23T09:01:00")), (PLAIN_PHONE, "A blog post", _t("2022-08-23T11:00:00"))]
    rows += [(f"https://news.example.jp/a/{i}", f"ニュース {i}", _t("2021-06-01T00:00:00") + timedelta(minutes=7 * i)) for i in range(300)]
    _add_visits(root / "C" / CHROME_DIR / "History", rows)
    return run(root, tmp_path_factory.mktemp("case") / "case", tz=ZoneInfo("Asia/Tokyo"), progress=None, pdf=False)


def test_phone_numbers_in_url_parameters_become_a_finding(tokyo) -> None:
    [f] = [f for f in tokyo.findings if f.kind == "phone_numbers"]
    numbers = {n["e164"]: n for n in f.data["numbers"]}
    # ?phone=, base64 ?n= and #tel= on the scam pages, and the disguised 0101 number behind ?phone= on a plain page
    assert set(numbers) == {"+18445550142", "+18885550177", "+18885550166", "+18445550155"}
    assert f.severity == "high"
    first = numbers["+18445550142"]
    assert "010 + country code 1" in first["explanation"] and "URL parameter 'phone'" in first["explanation"]
    assert "base64" in numbers["+18885550177"]["explanation"]
    # the shop's ?id=0120… and ?tel=0120… (an ordinary toll-free number) are not indicators
    assert not any("0120" in (n["raw"] or "") for n in f.data["numbers"])
    by_id = {e.id: e for e in tokyo.collected.events}
    assert any(PHONE_SCAM in by_id[i].message for i in f.evidence if i in by_id)
    # listed with the indicators: summary, terminal, findings.json, report
    lines = summary_lines(tokyo)
    assert any(line.startswith("phone number in a visited URL: 0101-844-555-0142") for line in lines)
    doc = json.loads((tokyo.out / "findings.json").read_text(encoding="utf-8"))
    assert {n["e164"] for n in doc["summary"]["phone_numbers"]} == set(numbers)
    assert "0101-844-555-0142" in (tokyo.out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("url", "title", "scam", "expected"), [
    (SHOP_ID, "商品ページ", False, []),
    (SHOP_TEL, "お問い合わせ", False, []),  # a Japanese toll-free number in a contact link is ordinary
    ("https://shop.example.com/?ref=01018445550142", "Shop", False, []),  # not a phone parameter
    ("https://shop.example.com/?n=" + base64.b64encode(b"0101-844-555-0142").decode(), "Shop", False, []),  # base64 counts on scam pages only
    (PLAIN_PHONE, "A blog post", False, ["+18445550155"]),
    ("https://a.example/?n=" + base64.b64encode(b"0101-844-555-0142").decode(), SCAM_TITLE, True, ["+18445550142"]),
    ("https://a.example/#phone=0101-844-555-0142", SCAM_TITLE, True, ["+18445550142"]),
    ("https://a.example/?tel=%2B18445550142", "Windows alert", True, ["+18445550142"]),
])
def test_url_phone_rules(url: str, title: str, scam: bool, expected: list[str]) -> None:
    assert [p.e164 for p in url_phones(url, title, scam)] == expected


def test_times_in_utc_and_local_time(tokyo) -> None:
    lines = summary_lines(tokyo)
    assert any("S01 anydesk incoming 2022-08-23 10:20:17 UTC (19:20:17 JST)" in line for line in lines)
    assert any(line.startswith("first contact: 2022-08-23 10:05:00 UTC (19:05:00 JST)") for line in lines), lines
    assert any("times: UTC and local time (Asia/Tokyo, JST; source: --tz)" in line for line in lines)
    html = (tokyo.out / "report.html").read_text(encoding="utf-8")
    assert "19:20:17 JST" in html and "time (UTC / JST)" in html and "zone is unknown" not in html
    sessions = next(f for f in tokyo.findings if f.kind == "remote_sessions" and f.tool == "anydesk")
    assert "2022-08-23 10:20:17 UTC (19:20:17 JST)" in sessions.detail
    # a day boundary: the local date is given when it differs from the UTC date
    tv = next(f for f in tokyo.findings if f.kind == "remote_sessions" and f.tool == "teamviewer")
    assert "2024-02-16 14:16:32 UTC (23:16:32 JST)" in tv.detail


def test_unknown_zone_is_said_once(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    for name in ("ad_svc.trace", "connection_trace.txt"):
        _copy(ANYDESK / name, root / "C" / "ProgramData" / "AnyDesk" / name)
    (root / "C" / "Users" / "alice" / "Desktop").mkdir(parents=True)
    result = run(root, tmp_path / "case", progress=None, pdf=False)
    html = (result.out / "report.html").read_text(encoding="utf-8")
    assert html.count("The PC's time zone is unknown") == 1 and " JST" not in html
    assert "times: UTC (the PC's time zone is unknown: no local time shown)" in summary_lines(result)
    # no browser history could be read: "no scam page" is unknown, not a fact
    assert "unknown: no browser history could be read" in html
    assert "Qualified: no browser history could be read, so this is unknown." in html
    assert any(line.startswith("scam page visits: unknown: no browser history could be read") for line in summary_lines(result))
    doc = json.loads((result.out / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["coverage"]["browser_histories_read"] == 0


def test_report_timeline_shows_the_story_and_counts_the_rest(tokyo) -> None:
    html = (tokyo.out / "report.html").read_text(encoding="utf-8")
    events = tokyo.collected.events
    old = [e for e in events if "news.example.jp/a/" in e.message]
    assert len(old) == 300
    assert not any(f'id="{e.id}"' in html for e in old)  # a year before the story: counted, not listed
    assert any(f'id="{e.id}"' in html for e in events if PHONE_SCAM in e.message)
    cited = {i for f in tokyo.findings for i in f.evidence if i.startswith("E")}
    assert all(f'id="{i}"' in html for i in cited)
    assert "other events: " in html and "browser.visit" in html.split('id="timeline-omitted"')[1].split("</p>")[0]
    assert "full timeline in timeline.csv / timeline.jsonl" in html
    # the full timeline is still in the machine-readable files
    assert len((tokyo.out / "timeline.jsonl").read_text(encoding="utf-8").splitlines()) == len(events)


def test_ids_and_ips_never_break_across_lines(tokyo, tmp_path: Path) -> None:
    """Laid out by real Chromium with print media at A4 width: every ID/IP token is on one line."""
    from scamscope.triage.report.pdf import html_to_pdf
    from tests.guard_support import headless_chromium

    html = tokyo.out / "report.html"
    with headless_chromium() as browser:
        page = browser.new_page(viewport={"width": 700, "height": 1000})  # A4 minus the PDF margins, at 96 dpi
        page.emulate_media(media="print")
        page.goto(html.resolve().as_uri())
        tokens = page.evaluate("""() => [...document.querySelectorAll('#S01, #S02, #S03')].flatMap(row =>
            [...row.querySelectorAll('.tok')].map(t => [t.textContent, t.getClientRects().length]))""")
    assert ["ID\u00a0547911884", 1] in tokens and ["IP\u00a012.xx.xx.21", 1] in tokens
    assert all(lines == 1 for _, lines in tokens), tokens
    pdf = tmp_path / "report.pdf"
    assert html_to_pdf(html, pdf) and pdf.read_bytes().startswith(b"%PDF-")


def test_report_does_not_import_the_pipeline() -> None:
    for path in sorted((ROOT / "scamscope" / "triage" / "report").glob("*.py")) + [ROOT / "scamscope/triage/result.py",
                                                                                  ROOT / "scamscope/triage/fmt.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
                [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert "scamscope.triage.pipeline" not in names, path
    from scamscope.triage import pipeline, result

    assert pipeline.TriageResult is result.TriageResult and pipeline.first_last_contact is result.first_last_contact


def test_large_history_shares_each_page_once(tmp_path: Path) -> None:
    """The scale benchmark's synthetic Chrome History (2,000 visits to 500 pages and one scam page): all
    visits on the timeline, the scam page and its number found, and each page's text held once."""
    spec = importlib.util.spec_from_file_location("triage_scale", ROOT / "benchmarks" / "triage_scale.py")
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    root = tmp_path / "ev" / "C"
    bench.build_history(root / bench.CHROME, 2000)
    result = run(root, tmp_path / "case", progress=None, pdf=False)
    visits = [e for e in result.collected.events if e.kind == "browser.visit"]
    assert len(visits) == 2000 == result.collected.visits_read
    assert [v.url for v in result.collected.visits] == [bench.SCAM[0]]  # plain visits are timeline events only
    assert [f.kind for f in result.findings if f.severity == "high"][:2] == ["scam_page", "phone_numbers"]
    fields = {id(e.fields) for e in visits}
    messages = {id(e.message) for e in visits}
    assert len(fields) == len(messages) == 501  # one per page, not one per visit
    rows = (result.out / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2000 and all('"url": "https://' in r for r in rows)


def test_unreadable_remote_logs_qualify_none_found(tmp_path: Path) -> None:
    """AnyDesk's folder unreadable (the CLI run without root's DAC override): "no remote tool" and "no
    session" are qualified, not stated as facts; with the folder readable the sessions are there."""
    import subprocess
    import sys

    root = tmp_path / "ev"
    for name in ("ad_svc.trace", "connection_trace.txt"):
        _copy(ANYDESK / name, root / "C" / "ProgramData" / "AnyDesk" / name)
    history = root / "C" / CHROME_DIR / "History"
    _copy(CHROME_HISTORY, history)
    prefix = without_dac_override()
    folder = root / "C" / "ProgramData" / "AnyDesk"
    folder.chmod(0)
    try:
        proc = subprocess.run([*prefix, sys.executable, "-m", "scamscope", "triage", str(root), "--out", str(tmp_path / "case"), "--no-pdf"],
                              capture_output=True, text=True, timeout=300, cwd=ROOT)
    finally:
        folder.chmod(0o755)
    assert proc.returncode in (0, 1, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "remote-access tools: none (" in proc.stdout and "could not be read in full, so a session may be missing" in proc.stdout
    html = (tmp_path / "case" / "report.html").read_text(encoding="utf-8")
    assert "Qualified: " in html and "so a session may be missing" in html
    doc = json.loads((tmp_path / "case" / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["coverage"]["remote_log_problems"] >= 1 and doc["summary"]["sessions"] == 0
    readable = run(root, tmp_path / "case2", progress=None, pdf=False)  # the same evidence, readable: the session is found
    assert "547911884" in {s.remote_id for s in readable.collected.sessions}
    assert any(line.startswith("remote-access tools: AnyDesk (") for line in summary_lines(readable))
