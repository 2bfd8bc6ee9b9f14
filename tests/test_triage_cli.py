"""``scamscope triage`` end to end in a subprocess, as a user runs it: summary, exit status, case folder, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_triage_pipeline import build_collection, fingerprint

ROOT = Path(__file__).resolve().parent.parent


def triage(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scamscope", "triage", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_collection(tmp_path_factory.mktemp("evidence"))


def test_summary_exit_status_and_case_folder_with_pdf(evidence: Path, tmp_path: Path) -> None:
    before = fingerprint(evidence)
    case = tmp_path / "case"
    proc = triage(str(evidence), "--out", str(case))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert out.startswith("SCAM INDICATORS FOUND")
    assert "remote-access tools: AnyDesk (2 session(s)), TeamViewer (1 session(s))" in out
    assert "S01 anydesk incoming 2022-08-23 10:20:17 UTC  ID 547911884, IP 12.xx.xx.21" in out
    assert "first contact: 2022-08-23 10:05:00 UTC; last contact: 2024-02-16 14:18:36 UTC" in out
    assert "files moved: 1 file(s) in C:\\Users\\lab\\Downloads (unknown)" in out
    # progress on stderr, one line per step, never a traceback
    assert "triage: hashing the evidence" in proc.stderr and "remote_anydesk: " in proc.stderr
    assert "Traceback" not in proc.stderr
    names = {p.name for p in case.iterdir()}
    assert names == {"report.html", "report.pdf", "findings.json", "timeline.jsonl", "timeline.csv", "evidence.json"}
    pdf = (case / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 20_000
    ev = json.loads((case / "evidence.json").read_text(encoding="utf-8"))
    assert ev["unchanged"] and ev["command"] == ["scamscope", "triage", str(evidence), "--out", str(case)]
    assert ev["versions"]["chromium (report.pdf)"]
    assert fingerprint(evidence) == before


def test_json_output_and_time_zone_option(evidence: Path, tmp_path: Path) -> None:
    proc = triage(str(evidence), "--out", str(tmp_path / "case"), "--json", "--no-pdf", "--tz", "Asia/Tokyo")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert {k: doc["time_zone"][k] for k in ("local", "source")} == {"local": "Asia/Tokyo", "source": "--tz"}
    assert doc["time_zone"]["confidence"] in ("high", "medium") and doc["time_zone"]["detail"]
    assert doc["summary"]["scam_indicators"] is True and doc["summary"]["sessions"] == 3
    assert not (tmp_path / "case" / "report.pdf").exists()
    assert json.loads((tmp_path / "case" / "evidence.json").read_text())["tz_source"] == "--tz"
    # the summary a person reads gives every time in UTC and in the PC's local time, and says which zone
    proc = triage(str(evidence), "--out", str(tmp_path / "case2"), "--no-pdf", "--tz", "Asia/Tokyo")
    assert "S01 anydesk incoming 2022-08-23 10:20:17 UTC (19:20:17 JST)  ID 547911884, IP 12.xx.xx.21" in proc.stdout
    assert "first contact: 2022-08-23 10:05:00 UTC (19:05:00 JST)" in proc.stdout
    assert "times: UTC and local time (Asia/Tokyo, JST; source: --tz)" in proc.stdout


def test_errors_are_one_line_and_exit_2(evidence: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.img"
    junk.write_bytes(os.urandom(64 * 1024))
    empty = tmp_path / "empty"
    (empty / "Users" / "bob").mkdir(parents=True)  # folders, but not a single file
    cases = [
        ((str(junk), "--out", str(tmp_path / "c1")), "dissect.target"),
        ((str(evidence), "--out", str(evidence / "C" / "case")), "inside the evidence"),
        ((str(tmp_path / "absent"), "--out", str(tmp_path / "c2")), "no such file"),
        ((str(evidence), "--out", str(tmp_path / "c3"), "--tz", "Mars/Olympus"), "unknown time zone"),
        ((str(empty), "--out", str(tmp_path / "c4")), "holds no file"),  # not a false all-clear (exit 0)
    ]
    for args, message in cases:
        proc = triage(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (evidence / "C" / "case").exists()


def test_clean_target_exits_0(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    (root / "Users" / "bob" / "Documents").mkdir(parents=True)
    (root / "Users" / "bob" / "Documents" / "note.txt").write_text("shopping list")
    proc = triage(str(root), "--out", str(tmp_path / "case"), "--no-pdf")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("no scam indicator found")
    assert "remote-access tools: none" in proc.stdout and "first contact: not found" in proc.stdout


def test_case_folder_rules(evidence: Path, tmp_path: Path) -> None:
    """A used case folder is refused (a stale report.pdf beside new findings contradicts them) unless
    --force, which empties it first; never the folder that holds an evidence file, never a folder
    the evidence is inside of, and --force follows no link out of the case folder."""
    case = tmp_path / "case"
    (case / "old").mkdir(parents=True)
    (case / "report.pdf").write_bytes(b"%PDF- stale report of another case")
    (case / "old" / "notes.txt").write_text("earlier run")
    keep = tmp_path / "elsewhere"
    keep.mkdir()
    (keep / "precious.txt").write_text("not the case's")
    (case / "link").symlink_to(keep, target_is_directory=True)
    proc = triage(str(evidence), "--out", str(case), "--no-pdf", "--json")
    assert proc.returncode == 2 and "is not empty" in proc.stderr and "--force" in proc.stderr, proc.stderr
    assert (case / "report.pdf").exists() and "Traceback" not in proc.stderr
    proc = triage(str(evidence), "--out", str(case), "--no-pdf", "--json", "--force")
    assert proc.returncode == 1, proc.stderr
    assert {p.name for p in case.iterdir()} == {"report.html", "findings.json", "timeline.jsonl", "timeline.csv", "evidence.json"}
    assert (keep / "precious.txt").read_text() == "not the case's"
    # an evidence file's own folder, with or without --force
    ev = tmp_path / "ev"
    ev.mkdir()
    image = ev / "disk.img"
    image.write_bytes(os.urandom(4096))
    for extra in ((), ("--force",)):
        proc = triage(str(image), "--out", str(ev), "--no-pdf", *extra)
        assert proc.returncode == 2 and "holds the evidence" in proc.stderr, proc.stderr
    # a used folder that holds the evidence is never emptied
    proc = triage(str(image), "--out", str(tmp_path), "--no-pdf", "--force")
    assert proc.returncode == 2 and "evidence" in proc.stderr and image.exists() and (keep / "precious.txt").exists()
