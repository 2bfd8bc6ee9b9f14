"""A container end to end: a real NTFS volume built with Debian's tools, as a VHDX, triaged through dissect.

No mounting (no FUSE here): ``mkntfs`` formats a file, ``wimlib-imagex capture`` packs a Windows-like
tree into a WIM and ``wimlib-imagex apply`` writes it straight into the unmounted NTFS volume
(wimlib uses libntfs-3g); ``qemu-img convert`` turns the raw volume into a VHDX. The tree holds
the real AnyDesk traces and a Chrome History with a scam page, so sessions must come out of the
image exactly as they do from a directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scamscope.triage.evidence import sha256_file
from scamscope.triage.pipeline import TriageError, run
from tests.test_triage_pipeline import ANYDESK, CHROME_DIR, CHROME_HISTORY, SCAM_URL, _copy, add_history_rows

TOOLS = {"mkntfs": "ntfs-3g", "wimlib-imagex": "wimtools", "qemu-img": "qemu-utils"}
SIZE = 16 * 1024 * 1024


def _need_tools() -> None:
    missing = [f"{tool} (Debian package {pkg})" for tool, pkg in TOOLS.items() if not shutil.which(tool)]
    if missing:
        pytest.fail("needs " + ", ".join(missing) + ": run scripts/setup.sh, which installs them")


def _sh(*args: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{args[0]} failed: {proc.stderr[-500:]}"


@pytest.fixture(scope="module")
def ntfs_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16 MiB NTFS volume holding Windows/System32, ProgramData/AnyDesk and alice's profile."""
    _need_tools()
    work = tmp_path_factory.mktemp("image")
    tree = work / "tree"
    (tree / "Windows" / "System32" / "config").mkdir(parents=True)  # a Windows volume without its hives
    for name in ("ad_svc.trace", "connection_trace.txt", "service.conf"):
        _copy(ANYDESK / name, tree / "ProgramData" / "AnyDesk" / name)
    _copy(ANYDESK / "ad.trace", tree / "Users" / "alice" / "AppData" / "Roaming" / "AnyDesk" / "ad.trace")
    _copy(CHROME_HISTORY, tree / CHROME_DIR / "History")
    add_history_rows(tree / CHROME_DIR / "History")
    raw = work / "volume.raw"
    with raw.open("wb") as fh:
        fh.truncate(SIZE)
    _sh("mkntfs", "-F", "-f", "-q", "-L", "VICTIM", str(raw))
    _sh("wimlib-imagex", "capture", str(tree), str(work / "tree.wim"), "--no-acls")
    _sh("wimlib-imagex", "apply", str(work / "tree.wim"), "1", str(raw))
    return raw


def test_vhdx_image_triage_finds_the_sessions(ntfs_raw: Path, tmp_path: Path) -> None:
    vhdx = tmp_path / "victim.vhdx"
    _sh("qemu-img", "convert", "-f", "raw", "-O", "vhdx", str(ntfs_raw), str(vhdx))
    digest, mtime = sha256_file(vhdx), vhdx.stat().st_mtime_ns
    # dissect reads a .targetcfg.py beside the evidence; its CACHE_DIR would make dissect write plugin caches there
    (tmp_path / ".targetcfg.py").write_text(f"CACHE_DIR = {str(tmp_path / 'dissect-cache')!r}\n")
    result = run(vhdx, tmp_path / "case", progress=None, pdf=False)
    assert not (tmp_path / "dissect-cache").exists()
    assert result.partial is False  # dissect recognised a Windows volume inside the VHDX
    assert result.tz_source == "none"  # no SYSTEM hive: the time zone is unknown (dissect itself would say UTC)
    sessions = [(s.tool, s.remote_id, s.remote_ip, s.start) for s in result.collected.sessions]
    assert sessions == [
        ("anydesk", "547911884", "12.xx.xx.21", datetime(2022, 8, 23, 10, 20, 17, 125000, tzinfo=UTC)),
        ("anydesk", "442226597", "12.xx.xx.21", datetime(2022, 9, 28, 12, 39, 26, 845000, tzinfo=UTC)),
    ]
    assert any(f.kind == "scam_page" and SCAM_URL in f.detail for f in result.findings)
    assert next(s for s in result.story if s.key == "call_window").status == "inferred"
    # the paths cite the volume as C:
    assert any(r.path == "C:/ProgramData/AnyDesk/ad_svc.trace" for s in result.collected.sessions for r in s.refs)
    assert (sha256_file(vhdx), vhdx.stat().st_mtime_ns) == (digest, mtime)
    assert result.evidence.unchanged and [f.sha256 for f in result.evidence.inputs_before] == [digest]
    assert not [p for p in result.problems if p.severity == "error"]


def _triage_cli(image: Path, case: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scamscope", "triage", str(image), "--out", str(case), "--no-pdf"],
                          capture_output=True, text=True, timeout=120)


def test_truncated_image_gives_partial_results_with_the_damage_listed(ntfs_raw: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.raw"
    cut.write_bytes(ntfs_raw.read_bytes()[: 3 * 1024 * 1024])
    proc = _triage_cli(cut, tmp_path / "case")
    assert proc.returncode == 1, proc.stderr  # the AnyDesk traces lie in the part that is there
    assert "ERROR disk image: truncated: the NTFS volume declares 16.8 MB but the image holds 3.1 MB (81% missing)" in proc.stdout
    # ad_svc.trace is in the lost part; connection_trace.txt and ad.trace survive
    assert "ID 547911884" in proc.stdout and "ID 442226597" in proc.stdout
    assert "Traceback" not in proc.stderr
    doc = json.loads((tmp_path / "case" / "findings.json").read_text(encoding="utf-8"))
    errors = [p for p in doc["problems"] if p["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["source"] == "disk image"
    assert "truncated" in (tmp_path / "case" / "report.html").read_text(encoding="utf-8")


def test_image_cut_before_its_file_table_is_a_clear_error(ntfs_raw: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.raw"
    cut.write_bytes(ntfs_raw.read_bytes()[: 1024 * 1024])
    proc = _triage_cli(cut, tmp_path / "case")
    assert proc.returncode == 2 and proc.stdout == ""
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "the image is truncated: the NTFS volume declares 16.8 MB but the image holds 1.0 MB" in errors[0]
    assert "Traceback" not in proc.stderr


def test_image_of_users_and_programdata_only_is_triaged_as_a_partial_volume(tmp_path: Path) -> None:
    """An image holding a copy of Users/ and ProgramData/ (no Windows/): dissect finds no OS, we still walk it."""
    _need_tools()
    tree = tmp_path / "tree"
    for name in ("ad_svc.trace", "connection_trace.txt"):
        _copy(ANYDESK / name, tree / "ProgramData" / "AnyDesk" / name)
    _copy(ANYDESK / "ad.trace", tree / "Users" / "alice" / "AppData" / "Roaming" / "AnyDesk" / "ad.trace")
    raw = tmp_path / "copy.raw"
    with raw.open("wb") as fh:
        fh.truncate(SIZE)
    _sh("mkntfs", "-F", "-f", "-q", str(raw))
    _sh("wimlib-imagex", "capture", str(tree), str(tmp_path / "tree.wim"), "--no-acls")
    _sh("wimlib-imagex", "apply", str(tmp_path / "tree.wim"), "1", str(raw))
    result = run(raw, tmp_path / "case", progress=None, pdf=False)
    assert result.partial is True
    assert [(s.remote_id, s.user) for s in result.collected.sessions] == [("547911884", None), ("442226597", "alice")]


def test_image_one_folder_down_is_found_and_picked_among_others(ntfs_raw: Path, tmp_path: Path) -> None:
    """EV/disk/victim.vhdx beside EV/copy/volume.raw: both listed, refused until one is picked; alone, opened."""
    ev = tmp_path / "EV"
    (ev / "disk").mkdir(parents=True)
    _sh("qemu-img", "convert", "-f", "raw", "-O", "vhdx", str(ntfs_raw), str(ev / "disk" / "victim.vhdx"))
    (ev / "copy").mkdir()
    os.link(ntfs_raw, ev / "copy" / "volume.raw")
    (ev / "chain-of-custody.txt").write_text("received 2024-05-02")
    with pytest.raises(TriageError) as err:
        run(ev, tmp_path / "refused", progress=None, pdf=False)
    assert "1. copy/volume.raw  (disk image)" in str(err.value) and "2. disk/victim.vhdx  (disk image)" in str(err.value)
    result = run(ev, tmp_path / "case", progress=None, pdf=False, collection="disk/victim.vhdx")
    assert result.partial is False
    assert {(s.remote_id, s.user) for s in result.collected.sessions} == {("547911884", None), ("442226597", "alice")}
    assert any(f.kind == "scam_page" and SCAM_URL in f.detail for f in result.findings)
    assert "opened disk/victim.vhdx (disk image) inside the evidence" in [p.message for p in result.problems]
    (ev / "copy" / "volume.raw").unlink()  # alone in its folder: opened without being asked
    alone = run(ev, tmp_path / "case2", progress=None, pdf=False)
    assert len(alone.collected.sessions) == 2 and not [p for p in alone.problems if p.severity == "error"]
