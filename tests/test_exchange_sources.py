"""Reading scans for exports, campaigns and drafts (scamscope/exchange/sources.py): JSON Lines from
``scan --json`` (bad lines counted, not fatal; time from ``scanned_at`` or the file), selection by
verdict and time. Self-contained."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from scamscope.exchange.sources import SourceError, is_database_url, load, select_records
from scamscope.report.jsonl import write_result
from scamscope.scan import scan_html

KIT = """<html><head><title>Windows Defender - セキュリティ警告</title></head><body style="cursor:none">
<p>お使いのPCはウイルスに感染しています。今すぐサポートに電話してください: 0101-888-555-0199</p></body></html>"""


def test_scan_json_lines_round_trip(tmp_path: Path) -> None:
    buf = io.StringIO()
    write_result(buf, scan_html(KIT, url="https://kit1.web.core.windows.net/index.html?ph=1", input_name="kit.html"))
    write_result(buf, scan_html("<p>Opening hours 9-17</p>", url="https://shop.example/", input_name="shop.html"))
    path = tmp_path / "scans.jsonl"
    path.write_text(buf.getvalue() + "not json\n[1, 2]\n\n", encoding="utf-8")
    loaded = load(str(path))
    assert [r.verdict for r in loaded.records] == ["scam", "benign"]
    assert len(loaded.problems) == 2 and "scans.jsonl:3" in loaded.problems[0]
    kit = loaded.records[0]
    assert kit.id == "jsonl:scans.jsonl:1" and kit.time_source == "record"
    assert kit.urls == ["https://kit1.web.core.windows.net/index.html?ph=1"] and kit.hosts == ["kit1.web.core.windows.net"]
    assert any(p.get("e164") == "+18885550199" for p in kit.phones)
    assert abs((datetime.utcnow() - kit.scanned_at).total_seconds()) < 120
    assert [r.input for r in select_records(loaded.records)] == ["kit.html"]
    assert [r.input for r in select_records(loaded.records, min_verdict="suspicious")] == ["kit.html"]
    assert list(select_records(loaded.records, since=datetime(2999, 1, 1))) == []


def test_time_falls_back_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"input": "a", "verdict": "scam", "url": "https://a.example/"}) + "\n", encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    (record,) = load(str(path)).records
    assert record.time_source == "file mtime" and record.scanned_at == datetime(2023, 11, 14, 22, 13, 20)


def test_live_redirects_and_screenshots_are_read(tmp_path: Path) -> None:
    result = {
        "input": "https://start.example/",
        "verdict": "scam",
        "url": "https://start.example/",
        "live": {"final_url": "https://kit.example/lock.html", "redirects": [{"url": "https://hop.example/r", "status": 302}], "screenshot_sha256": {"after": "ab" * 32}, "downloads": [{"name": "AnyDesk.exe", "sha256": "cd" * 32}]},
    }
    path = tmp_path / "live.jsonl"
    path.write_text(json.dumps(result) + "\n", encoding="utf-8")
    (record,) = load(str(path)).records
    assert record.url == "https://kit.example/lock.html"
    assert record.urls == ["https://start.example/", "https://hop.example/r", "https://kit.example/lock.html"]
    assert record.screenshot_sha256 == ["ab" * 32] and record.downloads[0]["name"] == "AnyDesk.exe"


def test_unreadable_sources(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load(str(tmp_path / "missing.jsonl"))
    with pytest.raises(SourceError):
        load("sqlite://")
    assert is_database_url("postgresql+psycopg://desk@localhost/desk") and is_database_url("sqlite:///x.db")
    assert not is_database_url("scans.jsonl")
