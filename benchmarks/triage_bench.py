"""Triage speed: ``scamscope triage`` on a collection vs ``target-query`` running dissect's own functions on it.

    .venv/bin/python benchmarks/triage_bench.py [--repeat 3] [--keep DIR]

Builds a Windows-like collection from the real artifacts in ../shared/fixtures/forensics (AnyDesk,
TeamViewer and Splashtop logs, plaso's Chrome History and Firefox places.sqlite, Amcache.hve,
System.evtx and the Application.evtx of the RathbunVM event logs, a SAM and an NTUSER.DAT; no
SOFTWARE or SYSTEM hive exists among the fixtures) and times, each as a fresh process like a user
runs it (Python start-up and imports included on both sides), median of ``--repeat`` runs:

- ``scamscope triage C --out CASE --no-pdf`` and the same with report.pdf;
- ``target-query`` with the dissect functions that cover the same artifacts and can run on this
  collection: ``remoteaccess.logs,remoteaccess.incoming,remoteaccess.filetransfer`` on the target,
  and ``evtx`` on the two event logs (``--direct``: without a SYSTEM hive dissect cannot resolve
  ``%windir%``). Browser history and Amcache have no target-query run here: dissect's plugins find
  user profiles and the Amcache path through the SOFTWARE/SYSTEM hives, which are absent; the
  triage reads those files with dissect's readers (``dissect.database.sqlite3``, the Amcache plugin
  on the hive) after walking ``Users/*`` itself.

The difference between the triage (no PDF) and the sum of the target-query runs is our overhead:
collectors' own parsing, scoring every visited URL/title with the detection core, linking,
findings, reports and hashing the evidence twice. A negative figure means the triage took less
time than target-query: the two target-query runs each pay Python start-up and dissect's imports
(printed separately), and ``evtx`` serialises every record to JSON while the triage's collectors
keep only the event ids they need.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SCAMSCOPE_SHARED", ROOT.parent / "shared"))
F = SHARED / "fixtures" / "forensics"
BIN = ROOT / ".venv" / "bin"
REMOTE_FUNCTIONS = "remoteaccess.logs,remoteaccess.incoming,remoteaccess.filetransfer"

PLACES = {
    "ProgramData/AnyDesk/ad_svc.trace": "dfir-artifact-museum/Windows/AnyDesk/ad_svc.trace",
    "ProgramData/AnyDesk/connection_trace.txt": "dfir-artifact-museum/Windows/AnyDesk/connection_trace.txt",
    "ProgramData/AnyDesk/service.conf": "dfir-artifact-museum/Windows/AnyDesk/service.conf",
    "Users/alice/AppData/Roaming/AnyDesk/ad.trace": "dfir-artifact-museum/Windows/AnyDesk/ad.trace",
    "Program Files/TeamViewer/Connections_incoming.txt": "plaso/test_data/teamviewer/connections_incoming.txt",
    "Program Files/TeamViewer/TeamViewer15_Logfile.log": "plaso/test_data/teamviewer/TeamViewer15_Logfile.log",
    "Users/alice/AppData/Roaming/TeamViewer/Connections.txt": "plaso/test_data/teamviewer/Connections.txt",
    "Program Files (x86)/Splashtop/Splashtop Remote/Server/log/SPLog.txt": "dfir-artifact-museum/Windows/Splashtop/SPLog.txt",
    "Program Files (x86)/Splashtop/Splashtop Remote/Server/log/FTCLog.txt": "dfir-artifact-museum/Windows/Splashtop/FTCLog.txt",
    "Users/alice/AppData/Local/Google/Chrome/User Data/Default/History": "plaso/test_data/chrome/History",
    "Users/alice/AppData/Roaming/Mozilla/Firefox/Profiles/abcd.default/places.sqlite": "plaso/test_data/firefox/places.sqlite",
    "Windows/AppCompat/Programs/Amcache.hve": "dfir-artifact-museum/Windows/Amcache/Win10/RathbunVM/Amcache.hve",
    "Windows/AppCompat/Programs/Amcache.hve.LOG1": "dfir-artifact-museum/Windows/Amcache/Win10/RathbunVM/Amcache.hve.LOG1",
    "Windows/AppCompat/Programs/Amcache.hve.LOG2": "dfir-artifact-museum/Windows/Amcache/Win10/RathbunVM/Amcache.hve.LOG2",
    "Windows/System32/winevt/Logs/System.evtx": "plaso/test_data/evtx/System.evtx",
    "Windows/System32/config/SAM": "plaso/test_data/regf/SAM",
    "Users/alice/NTUSER.DAT": "plaso/test_data/NTUSER.DAT",
}
EVENT_LOGS_7Z = "dfir-artifact-museum/Windows/EventLogs/Win10/RathbunVM/RathbunVM_W10EventLogs.7z"


def build(root: Path) -> Path:
    """The collection (a copy of a C: volume) under ``root/C``."""
    import py7zr

    c = root / "C"
    for dest, src in PLACES.items():
        (c / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(F / src, c / dest)
    logs = c / "Windows" / "System32" / "winevt" / "Logs"
    with py7zr.SevenZipFile(F / EVENT_LOGS_7Z) as z:
        z.extract(path=logs, targets=["Application.evtx"])
    return c


def timed(cmd: list[str], repeat: int) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    times, proc = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    assert proc is not None
    return statistics.median(times), proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="Build the collection here and keep it (default: a temporary folder).")
    args = ap.parse_args()
    if not F.is_dir():
        sys.exit(f"needs the fixtures in {F}")
    work = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    try:
        target = build(args.keep or work / "evidence")
        files = [p for p in target.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        case = work / "case"
        triage = [str(BIN / "scamscope"), "triage", str(target), "--out", str(case)]
        t_triage, proc = timed([*triage, "--no-pdf"], args.repeat)
        if proc.returncode not in (0, 1):
            sys.exit(f"triage failed: {proc.stderr.decode()[-500:]}")
        doc = json.loads((case / "findings.json").read_text(encoding="utf-8"))
        t_pdf, _ = timed(triage, 1)
        query = [str(BIN / "target-query"), "--no-cache", "-q", "-j"]
        t_remote, p_remote = timed([*query, "-f", REMOTE_FUNCTIONS, str(target)], args.repeat)
        evtx = [str(p) for p in sorted((target / "Windows" / "System32" / "winevt" / "Logs").glob("*.evtx"))]
        t_evtx, p_evtx = timed([*query, "--direct", "-f", "evtx", *evtx], args.repeat)
        t_start, _ = timed([str(BIN / "target-query"), "--version"], args.repeat)
        n_remote, n_evtx = len(p_remote.stdout.splitlines()), len(p_evtx.stdout.splitlines())
        t_query = t_remote + t_evtx
        collectors = sorted(doc["collectors"], key=lambda c: -c["seconds"])
        print(f"collection: {len(files)} files, {size / 1e6:.1f} MB ({target})")
        print(f"median of {args.repeat} run(s), each a fresh process; machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print()
        print(f"{'what':<72} {'seconds':>8}")
        print(f"{'scamscope triage --no-pdf':<72} {t_triage:8.2f}")
        print(f"{'scamscope triage (with report.pdf)':<72} {t_pdf:8.2f}")
        print(f"{f'target-query -f remoteaccess.{{logs,incoming,filetransfer}} ({n_remote} records)':<72} {t_remote:8.2f}")
        print(f"{f'target-query --direct -f evtx (2 logs, {n_evtx} records)':<72} {t_evtx:8.2f}")
        print(f"{'target-query, both runs':<72} {t_query:8.2f}")
        print(f"{'overhead of the triage (no PDF) over target-query':<72} {t_triage - t_query:8.2f}")
        print(f"{'(target-query --version alone: start-up and imports)':<72} {t_start:8.2f}")
        print()
        print("triage results: " + ", ".join(f"{k} {doc[k] if isinstance(doc[k], int) else len(doc[k])}"
                                            for k in ("events_total", "sessions", "findings", "visits_total")))
        print("slowest collectors (in-process seconds): " + ", ".join(f"{c['name']} {c['seconds']:.2f}" for c in collectors[:5]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
