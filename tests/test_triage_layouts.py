"""Every layout an examiner hands over: collections one or two folders down, several in one folder,
tars in any member order, tar.gz, zip, a Velociraptor zip in a folder; and the exit status when no
user profile could be found.

The volume is built from real artifacts (tests.test_triage_pipeline.build_collection: AnyDesk traces,
TeamViewer list, a Chrome History with a scam page, all under ``C/``) plus the real SYSTEM hive of a
Windows 10 machine in Pacific time (regipy), and packed at test time into each layout. Each test
asserts that alice's profile was examined (her AnyDesk session and her Chrome visits come out), not
just that something opened.
"""

from __future__ import annotations

import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scamscope.triage.context import open_target
from scamscope.triage.layouts import find_candidates, member_parts
from scamscope.triage.pipeline import TriageError, TriageResult, run
from tests.conftest import require_shared, without_dac_override
from tests.test_triage_pipeline import ANYDESK, CHROME_HISTORY, FORENSICS, SCAM_URL, add_history_rows, build_collection

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_HIVE = FORENSICS / "regipy" / "SYSTEM_WIN_10_1709.xz"
VELOCIRAPTOR_ZIP = FORENSICS / "velociraptor" / "Collection-WIN-E5K9RC5GU23-2021-11-21T18_05_56-08_00.zip"
ALICE_SESSION = ("anydesk", "442226597", "alice")  # from C/Users/alice/AppData/Roaming/AnyDesk/ad.trace
SERVICE_SESSION_START = datetime(2022, 8, 23, 10, 20, 17, 125000, tzinfo=UTC)  # ProgramData/AnyDesk/ad_svc.trace


def copy_tree(src: Path, dst: Path) -> Path:
    """A copy made of hard links (the same bytes, no extra disk space)."""
    shutil.copytree(src, dst, copy_function=os.link)
    return dst


def tar_members(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return tar.getnames()


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``full``: C/ with Windows/System32/config/SYSTEM (real, Pacific time), ``partial``: C/ without Windows/."""
    work = tmp_path_factory.mktemp("volumes")
    partial = build_collection(work / "partial")
    full = copy_tree(partial, work / "full")
    config = full / "C" / "Windows" / "System32" / "config"
    config.mkdir(parents=True)
    (config / "SYSTEM").write_bytes(lzma.decompress(require_shared(SYSTEM_HIVE).read_bytes()))
    return {"partial": partial / "C", "full": full / "C"}


def velociraptor_zip(dst: Path) -> Path:
    """The real Velociraptor offline-collector zip, with AnyDesk traces and a Chrome History added in
    its own layout (uploads/auto/C%3A/...), as a collection of a victim's PC would hold them."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(require_shared(VELOCIRAPTOR_ZIP), dst)
    history = dst.parent / ".History.tmp"
    shutil.copyfile(require_shared(CHROME_HISTORY), history)
    add_history_rows(history)
    c = "uploads/auto/C%3A"
    with zipfile.ZipFile(dst, "a") as z:
        for name in ("ad_svc.trace", "connection_trace.txt"):
            z.write(require_shared(ANYDESK / name), f"{c}/ProgramData/AnyDesk/{name}")
        z.write(ANYDESK / "ad.trace", f"{c}/Users/Administrator/AppData/Roaming/AnyDesk/ad.trace")
        z.write(history, f"{c}/Users/Administrator/AppData/Local/Google/Chrome/User Data/Default/History")
    history.unlink()
    return dst


def triage(evidence: Path, case: Path, **kw: object) -> TriageResult:
    return run(evidence, case, progress=None, pdf=False, **kw)  # type: ignore[arg-type]


def assert_alice_examined(result: TriageResult, user: str = "alice") -> None:
    """The user's profile was read: her AnyDesk trace gives a session, her Chrome History the scam visit."""
    sessions = {(s.tool, s.remote_id, s.user) for s in result.collected.sessions}
    assert ("anydesk", "442226597", user) in sessions, sessions
    assert any(s.start == SERVICE_SESSION_START for s in result.collected.sessions)  # the machine-wide trace too
    assert any(v.url == SCAM_URL for v in result.collected.visits)
    assert any(f.kind == "scam_page" for f in result.findings)
    assert not [p for p in result.problems if p.source == "user profiles" and p.severity == "error"]


def assert_pacific(result: TriageResult) -> None:
    assert (result.local_tz, result.tz_source) == ("America/Los_Angeles", "registry TimeZoneKeyName")
    assert result.partial is False


# --- folders ------------------------------------------------------------------------------------


def test_collection_one_folder_down(volumes: dict[str, Path], tmp_path: Path) -> None:
    """EV/KAPE_out/C/{Users,ProgramData} (no Windows/): was a partial collection with 0 profiles, exit 0."""
    ev = tmp_path / "EV"
    copy_tree(volumes["partial"], ev / "KAPE_out" / "C")
    (ev / "export.zip").write_bytes(b"PK\x03\x04" + os.urandom(3000))  # a damaged archive beside it
    result = triage(ev, tmp_path / "case")
    assert_alice_examined(result)
    assert result.partial is True
    said = [(p.severity, p.message, p.path) for p in result.problems if p.source == "collections"]
    assert ("info", "opened KAPE_out (folder, C: (Users/ProgramData only)) inside the evidence", str(ev / "KAPE_out")) in said
    assert ("warning", "could not read this archive (BadZipFile: File is not a zip file); a collection inside it would be missed",
            str(ev / "export.zip")) in said


def test_collection_two_folders_down(volumes: dict[str, Path], tmp_path: Path) -> None:
    """A KAPE output (C/$Extend/$J beside C/Windows: dissect's KAPE loader takes it) two folders down."""
    ev = tmp_path / "EV"
    copy_tree(volumes["full"], ev / "case-17" / "KAPE_out" / "C")
    (ev / "case-17" / "KAPE_out" / "C" / "$Extend").mkdir()
    (ev / "case-17" / "KAPE_out" / "C" / "$Extend" / "$J").write_bytes(bytes(64))
    result = triage(ev, tmp_path / "case")
    assert_alice_examined(result)
    assert_pacific(result)
    assert "opened case-17/KAPE_out (KAPE collection, C: (Windows volume)) inside the evidence" in [p.message for p in result.problems]
    assert any(r.path == "C:/ProgramData/AnyDesk/ad_svc.trace" for s in result.collected.sessions for r in s.refs)


@pytest.fixture(scope="module")
def two_collections(volumes: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """EV/case-17/KAPE_out/C/... (alice's PC) and EV/host1/Collection-....zip (a Velociraptor collection)."""
    ev = tmp_path_factory.mktemp("two") / "EV"
    copy_tree(volumes["full"], ev / "case-17" / "KAPE_out" / "C")
    velociraptor_zip(ev / "host1" / VELOCIRAPTOR_ZIP.name)
    return ev


def test_two_collections_are_listed_and_refused(two_collections: Path, tmp_path: Path) -> None:
    with pytest.raises(TriageError) as err:
        triage(two_collections, tmp_path / "case")
    text = str(err.value)
    assert "holds 2 collections or volumes" in text
    assert "  1. case-17/KAPE_out  (folder, C: (Windows volume))" in text
    assert f"  2. host1/{VELOCIRAPTOR_ZIP.name}  (Velociraptor collection)" in text
    assert "--collection 1" in text
    assert not (tmp_path / "case").exists() or not any((tmp_path / "case").iterdir())


def test_collection_option_picks_each(two_collections: Path) -> None:
    by_number = {n: open_target(two_collections, collection=n) for n in ("1", "2")}
    assert [h.name for h in by_number["1"].user_homes()] == ["alice"]
    assert [h.name for h in by_number["2"].user_homes()] == ["Administrator"]
    # by the path as listed, and by the path on disk
    ctx = open_target(two_collections, collection="case-17/KAPE_out")
    assert [h.name for h in ctx.user_homes()] == ["alice"] and ctx.opened == "case-17/KAPE_out"
    ctx = open_target(two_collections, collection=str(two_collections / "host1" / VELOCIRAPTOR_ZIP.name))
    assert [h.name for h in ctx.user_homes()] == ["Administrator"]
    for wrong in ("3", "case-99"):
        with pytest.raises(ValueError, match=f"--collection {wrong}: no such collection"):
            open_target(two_collections, collection=wrong)


def test_velociraptor_zip_one_folder_down(two_collections: Path, tmp_path: Path) -> None:
    ev = tmp_path / "EV"
    velociraptor_zip(ev / "host1" / VELOCIRAPTOR_ZIP.name)
    result = triage(ev, tmp_path / "case")
    assert_alice_examined(result, user="Administrator")


# --- tars and zips ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tars(volumes: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Made with GNU tar as an examiner would: ``cd C && tar cf ../v.tar Users Windows ...`` etc."""
    out = tmp_path_factory.mktemp("tars")
    c = volumes["full"]

    def tar(*args: str, cwd: Path) -> None:
        subprocess.run(["tar", *args], cwd=cwd, check=True, capture_output=True, timeout=60)

    tar("cf", str(out / "users-first.tar"), "Users", "Windows", "ProgramData", "Program Files", cwd=c)
    tar("cf", str(out / "windows-first.tar"), "Windows", "Users", "ProgramData", "Program Files", cwd=c)
    tar("cf", str(out / "dot.tar"), ".", cwd=c)
    tar("czf", str(out / "kape.tar.gz"), "C", cwd=c.parent)
    return {p.name: p for p in out.iterdir()}


@pytest.fixture(scope="module")
def tar_results(tars: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, TriageResult]:
    return {name: triage(path, tmp_path_factory.mktemp("case") / "case") for name, path in tars.items()}


def test_tar_member_order_does_not_matter(tars: dict[str, Path], tar_results: dict[str, TriageResult]) -> None:
    names = tar_members(tars["users-first.tar"])
    assert member_parts(names[0])[0] == "Users"  # the order dissect's tar loader gets wrong
    for name in ("users-first.tar", "windows-first.tar"):
        assert_alice_examined(tar_results[name])
        assert_pacific(tar_results[name])
    sessions = [sorted((s.tool, s.remote_id, s.user or "", s.start) for s in tar_results[n].collected.sessions)
                for n in ("users-first.tar", "windows-first.tar")]
    assert sessions[0] == sessions[1]


def test_dot_prefixed_tar(tars: dict[str, Path], tar_results: dict[str, TriageResult]) -> None:
    assert all(n == "." or n.startswith("./") for n in tar_members(tars["dot.tar"]))
    result = tar_results["dot.tar"]
    assert_alice_examined(result)
    assert_pacific(result)  # was a partial collection whose report said the hives were missing
    assert not any("hives are missing" in p.message for p in result.problems)


def test_tar_gz_of_a_kape_output(tars: dict[str, Path], tar_results: dict[str, TriageResult]) -> None:
    assert tar_members(tars["kape.tar.gz"])[0] == "C"
    result = tar_results["kape.tar.gz"]  # was refused: "no Windows system"
    assert_alice_examined(result)
    assert_pacific(result)


def test_tgz_and_nested_folder_inside_zip(volumes: dict[str, Path], tars: dict[str, Path], tmp_path: Path) -> None:
    """A .tgz is looked into like a .tar.gz; a zip holding EV/KAPE_out/C/... two folders down is triaged."""
    tgz = tmp_path / "kape.tgz"
    os.link(tars["kape.tar.gz"], tgz)
    [c] = find_candidates(tgz).candidates
    assert (c.kind, c.label, [v.windows for v in c.volumes]) == ("tar", "kape.tgz", [True])
    archive = tmp_path / "evidence.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(volumes["full"].rglob("*")):
            if f.is_file():
                z.write(f, "case-17/KAPE_out/C/" + f.relative_to(volumes["full"]).as_posix())
    result = triage(archive, tmp_path / "case")
    assert_alice_examined(result)
    assert_pacific(result)
    assert [p.message for p in result.problems if p.source == "collections"] == [
        "opened evidence.zip/case-17/KAPE_out (zip archive, C: (Windows volume)) inside the evidence"]


def test_truncated_tar_keeps_what_precedes_the_cut(tars: dict[str, Path], tmp_path: Path) -> None:
    """users-first.tar cut inside its last big member (the SYSTEM hive): the profiles before it are triaged,
    and the damage is a listed problem with the archive's path."""
    names = tar_members(tars["users-first.tar"])
    assert names.index("Windows/System32/config/SYSTEM") > max(i for i, n in enumerate(names) if n.startswith("Users/"))
    cut = tmp_path / "cut.tar"
    data = tars["users-first.tar"].read_bytes()
    cut.write_bytes(data[: len(data) - 8 * 1024 * 1024])  # the hive is 15 MB; ProgramData and Program Files follow it
    result = triage(cut, tmp_path / "case")
    assert ("anydesk", "442226597", "alice") in {(s.tool, s.remote_id, s.user) for s in result.collected.sessions}
    assert any(v.url == SCAM_URL for v in result.collected.visits)
    [damage] = [p for p in result.problems if p.source == "collections"]
    assert damage.severity == "warning" and damage.path == str(cut) and "damaged or cut short after" in damage.message
    assert "ReadError" in damage.message


def test_two_volumes_in_one_tar_are_listed_and_picked(tmp_path: Path) -> None:
    """host1/C/ and host2/ (a bare volume) in one tar; a Users/ folder deep in a profile is not a third volume."""
    archive = tmp_path / "hosts.tar"
    files = {"./host1/C/Users/alice/AppData/Roaming/AnyDesk/ad.trace": require_shared(ANYDESK / "ad.trace"),
             "./host1/C/Users/alice/Documents/backup/Users/old/a.txt": None,
             "./host2/ProgramData/AnyDesk/ad_svc.trace": require_shared(ANYDESK / "ad_svc.trace"),
             "./host2/Users/bob/NTUSER.DAT": None}
    with tarfile.open(archive, "w") as tar:
        for name, src in files.items():
            data = src.read_bytes() if src else b"x"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    labels = [(c.label, c.description) for c in find_candidates(archive).candidates]
    assert labels == [("hosts.tar/host1", "tar archive, C: (Users/ProgramData only)"), ("hosts.tar/host2", "tar archive, C: (Users/ProgramData only)")]
    with pytest.raises(ValueError, match="holds 2 collections"):
        open_target(archive)
    assert [h.name for h in open_target(archive, collection="hosts.tar/host1").user_homes()] == ["alice"]
    ctx = open_target(archive, collection="2")
    assert [h.name for h in ctx.user_homes()] == ["bob"]
    assert [p.name for p in ctx.root.joinpath("programdata/anydesk").iterdir()] == ["ad_svc.trace"]  # case-insensitive


def test_archive_without_a_volume_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "notes.tar"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("no volume here")
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "notes", arcname="notes")
    with pytest.raises(TriageError, match="no Windows volume, KAPE or Velociraptor collection found in the archive"):
        triage(archive, tmp_path / "case")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(b"\x1f\x8b\x08\x00" + bytes(60))  # gzip magic, then nothing
    with pytest.raises(ValueError, match=r"cut.tar.gz: no Windows volume.*; could not read this archive \(ReadError"):
        open_target(cut)
    os.mkfifo(tmp_path / "pipe")  # never opened: reading it would block
    with pytest.raises(ValueError, match="a FIFO, socket or character device is never opened"):
        open_target(tmp_path / "pipe")


def test_search_limits_are_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile deeper than the search goes, or past its entry budget, is not found in silence."""
    deep = tmp_path / "deep"
    folder = deep.joinpath(*[f"level{i}" for i in range(1, 8)])  # Users/ 8 levels below the evidence
    (folder / "Users" / "bob").mkdir(parents=True)
    (folder / "Users" / "bob" / "a.txt").write_text("x")
    ctx = open_target(deep)
    assert not ctx.user_homes()
    said = {(p.source, p.severity): p.message for p in ctx.problems}
    assert said[("collections", "info")] == "did not look for collections deeper than 6 folder levels (1 folder(s) not searched)"
    assert said[("user profiles", "error")].startswith("no user profile found: looked in Users/ of the folder mapped as C:, in "
                                                       f"{deep} (no collection or volume recognised in it)")
    assert [h.name for h in open_target(folder).user_homes()] == ["bob"]  # given directly, it is found
    wide = tmp_path / "wide"
    for i in range(30):
        (wide / f"d{i:02d}").mkdir(parents=True)
    (wide / "d29" / "C" / "Users" / "bob").mkdir(parents=True)
    monkeypatch.setattr("scamscope.triage.layouts.MAX_ENTRIES", 20)
    found = find_candidates(wide)
    assert not found.candidates
    assert found.notes == [("warning", "stopped looking for collections after 20 folder entries; give the folder of the collection itself",
                            str(wide))]


# --- exit status: no user profile is not "nothing found" -------------------------------------------


def cli(*args: str | Path, caps: bool = True) -> subprocess.CompletedProcess[str]:
    """``scamscope triage`` in a subprocess; ``caps=False`` drops root's right to read any file."""
    drop = [] if caps else without_dac_override()
    return subprocess.run([*drop, sys.executable, "-m", "scamscope", "triage", *map(str, args), "--no-pdf"],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)


def problems_of(case: Path) -> list[dict[str, str]]:
    return json.loads((case / "findings.json").read_text(encoding="utf-8"))["problems"]


def test_cli_exit_status_follows_the_profiles_examined(volumes: dict[str, Path], two_collections: Path, tmp_path: Path) -> None:
    # a Windows volume with its SYSTEM hive but no Users/: nothing examined per user -> exit 2, not 0
    bare = tmp_path / "bare"
    copy_tree(volumes["full"] / "Windows", bare / "C" / "Windows")
    proc = cli(bare, "-o", tmp_path / "c1")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [error] = [p for p in problems_of(tmp_path / "c1") if p["severity"] == "error"]
    assert error["source"] == "user profiles" and "no user profile found: looked in Users/ of the Windows volume" in error["message"]
    # a clean profile two folders down: examined, nothing found -> exit 0
    clean = tmp_path / "clean"
    (clean / "case-3" / "export" / "C" / "Users" / "bob" / "Documents").mkdir(parents=True)
    (clean / "case-3" / "export" / "C" / "Users" / "bob" / "Documents" / "note.txt").write_text("shopping list")
    proc = cli(clean, "-o", tmp_path / "c2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("no scam indicator found")
    # two collections: refused with the list (exit 2), then each picked
    proc = cli(two_collections, "-o", tmp_path / "c3")
    assert proc.returncode == 2 and "1. case-17/KAPE_out" in proc.stderr and "--collection" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli(two_collections, "-o", tmp_path / "c4", "--collection", "2")
    assert proc.returncode == 1, proc.stderr
    assert "ID 442226597" in proc.stdout


def test_unreadable_folder_hiding_the_collection_is_an_error(volumes: dict[str, Path], tmp_path: Path) -> None:
    """Root reads everything: the triage runs without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, as a user would."""
    ev = tmp_path / "EV"
    copy_tree(volumes["partial"], ev / "locked" / "KAPE_out" / "C")
    (ev / "readme.txt").write_text("collection of alice's PC")
    (ev / "locked").chmod(0)
    try:
        probe = subprocess.run([*without_dac_override(), "ls", str(ev / "locked")],
                               capture_output=True, timeout=30)
        assert probe.returncode != 0, "the folder is still readable: the test would prove nothing"
        proc = cli(ev, "-o", tmp_path / "case", caps=False)
    finally:
        (ev / "locked").chmod(0o755)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    problems = problems_of(tmp_path / "case")
    assert any(p["source"] == "collections" and p["path"] == str(ev / "locked") and "could not look inside" in p["message"]
               and "Permission denied" in p["message"] for p in problems)
    assert any(p["source"] == "user profiles" and p["severity"] == "error" for p in problems)
