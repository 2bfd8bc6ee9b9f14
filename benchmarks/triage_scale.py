"""Triage scale: wall time and peak memory of ``scamscope triage`` against browser-history size.

    .venv/bin/python benchmarks/triage_scale.py [--sizes 10000,50000,200000] [--keep DIR]

For each N, builds a minimal partial collection (``C/Users/alice/AppData/Local/Google/Chrome/User
Data/Default/History``) whose History is a real Chrome schema SQLite database (written with Python's
sqlite3, as the tests do) holding N visits to N/4 distinct pages (titles and URLs in the shape of
ordinary browsing, plus one tech-support-scam page visit with its number in the URL), then runs
``scamscope triage C --out CASE --no-pdf`` in a fresh process and prints its wall time and peak
resident memory (``ru_maxrss`` of the child, read with ``resource.getrusage(RUSAGE_CHILDREN)``, one
child per size so the figure is that run's own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROME = "Users/alice/AppData/Local/Google/Chrome/User Data/Default/History"
SCHEMA = """
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
T0 = datetime(2024, 1, 1, tzinfo=UTC)
SCAM = ("https://jp-ms-support-alert.web.app/?phone=0101-844-555-0199",
        "Windows セキュリティ警告 - お使いのPCはウイルスに感染しています サポートに電話 0101-844-555-0199")
SITES = ("www.yahoo.co.jp", "news.example.jp", "shop.example.com", "blog.example.org", "wiki.example.net", "video.example.jp")


def webkit(ts: datetime) -> int:
    return int((ts - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)


def build_history(path: Path, visits: int) -> None:
    """A Chrome History with ``visits`` visits to ``visits // 4`` pages, one of them a scam page (visited once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("insert into meta values ('version', '69')")
    pages = max(1, visits // 4)
    urls = []
    for i in range(pages):
        site = SITES[i % len(SITES)]
        urls.append((i + 1, f"https://{site}/articles/{i}/item?id={i * 7919 % 100000}&ref=top",
                     f"記事 {i} - {site} のページ タイトル", 4, 0, webkit(T0)))
    urls.append((pages + 1, SCAM[0], SCAM[1], 1, 0, webkit(T0)))
    db.executemany("insert into urls(id, url, title, visit_count, typed_count, last_visit_time) values (?,?,?,?,?,?)", urls)
    step = timedelta(days=365) / visits
    rows = ((i + 1, (i % pages) + 1, webkit(T0 + i * step), 0, 805306368) for i in range(visits - 1))
    db.executemany("insert into visits(id, url, visit_time, from_visit, transition) values (?,?,?,?,?)", rows)
    db.execute("insert into visits(id, url, visit_time, from_visit, transition) values (?,?,?,0,805306368)",
               (visits, pages + 1, webkit(T0 + timedelta(days=200, seconds=7))))
    db.commit()
    db.close()


def run_one(evidence: Path, case: Path) -> dict[str, object]:
    cmd = [sys.executable, "-m", "scamscope", "triage", str(evidence), "--out", str(case), "--no-pdf", "--json", "--force"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"triage failed ({proc.returncode}): {proc.stderr[-2000:]}")
    doc = json.loads(proc.stdout)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: sizes run in increasing order
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024), "grew": peak_kb > before,
            "visits": doc["visits_total"], "events": doc["events_total"], "scam_pages": doc["summary"]["scam_pages"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,50000,200000")
    ap.add_argument("--keep", type=Path, help="build the collections under this folder and keep them")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(","))
    base = args.keep or Path(tempfile.mkdtemp(prefix="triage-scale-"))
    print(f"{'visits':>8} {'seconds':>8} {'peak RSS MB':>12} {'KB/visit':>9}  events  scam pages")
    for n in sizes:
        evidence = base / f"ev{n}" / "C"
        if not (evidence / CHROME).exists():
            build_history(evidence / CHROME, n)
        case = base / f"case{n}"
        r = run_one(evidence, case)
        print(f"{n:>8} {r['seconds']:>8} {r['peak_rss_mb']:>12} {int(r['peak_rss_mb']) * 1024 / n:>9.2f}  {r['events']:>6}  {r['scam_pages']}",
              flush=True)
        if not args.keep:
            import shutil

            shutil.rmtree(evidence.parent)
            shutil.rmtree(case, ignore_errors=True)
    if not args.keep:
        os.rmdir(base)


if __name__ == "__main__":
    main()
