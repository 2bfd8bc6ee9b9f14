"""Image bombs through the CLI: wall time and peak memory of every process involved.

    .venv/bin/python benchmarks/image_bomb.py [--only png,jpeg,...] [--repeat N] [--timeout 180] [--keep DIR]

Builds hostile images (tests/imagebombs.py: small files, huge pixel counts) and a normal
screenshot, then runs ``.venv/bin/scamscope scan --json FILE`` on each, one at a time, then two
bombs as two processes at once, then two bombs in one process (``--jobs 2``). While a run lasts,
the process tree is sampled every 10 ms from /proc (each process's VmHWM, its peak resident set,
and the sum of VmRSS over the tree); the kernel's own figure for each CLI process (``ru_maxrss``
of it and of the descendants it reaped: tesseract and the analysis workers) is printed beside
it, so a peak between two samples is not missed. Processes: ``cli`` (the scamscope command),
``worker`` (its static-analysis worker processes, where OCR runs), ``tesseract``.

Cases:
  shot      1366x768 PNG screenshot with Japanese text (the ordinary case)
  shot8k    7680x4320 PNG screenshot with text
  png       20000x20000 1-bit PNG (~50 KB)
  pngrgb    20000x20000 8-bit RGB PNG (~1.2 MB)
  jpeg      20000x20000 baseline greyscale JPEG (~1.6 MB)
  webp      16383x16383 lossless WebP (34 bytes)
  gif       20000x20000 one-frame GIF (~270 KB)
  frames    GIF of 300 frames of 2000x2000 (~1.2 MB)
  two-png   two CLI processes at once, each on the 20000x20000 RGB PNG
  two-jpeg  two CLI processes at once, each on the 20000x20000 JPEG
  jobs2     one CLI process, --jobs 2, on the RGB PNG and the JPEG bombs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import imagebombs  # noqa: E402

CLI = str(ROOT / ".venv" / "bin" / "scamscope")
MB = 1024 * 1024
LABELS = {"scamscope": "cli", "tesseract": "tesseract"}  # process names (comm); python*: a worker


NAMES = {
    "shot": "shot.png", "shot8k": "shot8k.png", "png": "bomb.png", "pngrgb": "bomb-rgb.png",
    "jpeg": "bomb.jpg", "webp": "bomb.webp", "gif": "bomb.gif", "frames": "frames.gif",
}


def build_here(folder: Path) -> None:
    lines = ["警告 お使いのコンピューターはウイルスに感染しています", "今すぐサポートに電話してください 0101-844-555-0142"]
    made = {
        "shot": ("shot.png", imagebombs.text_screenshot(lines)),
        "shot8k": ("shot8k.png", imagebombs.text_screenshot(lines * 8, (7680, 4320), font_px=60)),
        "png": ("bomb.png", imagebombs.png_bomb(20000, 20000)),
        "pngrgb": ("bomb-rgb.png", imagebombs.png_bomb(20000, 20000, rgb=True)),
        "jpeg": ("bomb.jpg", imagebombs.jpeg_bomb(20000, 20000)),
        "webp": ("bomb.webp", imagebombs.webp_bomb(16383, 16383)),
        "gif": ("bomb.gif", imagebombs.gif_bomb(20000, 20000)),
        "frames": ("frames.gif", imagebombs.gif_frames(2000, 2000, 300)),
    }
    for name, (file, data) in made.items():
        assert NAMES[name] == file
        (folder / file).write_bytes(data)


def build(folder: Path) -> dict[str, Path]:
    """Build the images in a child process: a process's ru_maxrss starts at the peak of the one
    that forked it (Linux keeps it across exec), so this one must stay small."""
    subprocess.run([sys.executable, __file__, "--build", str(folder)], check=True)
    return {name: folder / file for name, file in NAMES.items()}


@dataclass
class Sample:
    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (name, VmHWM bytes)
    tree_rss: int = 0  # largest sum of VmRSS over all sampled processes at one instant


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def _status(pid: int) -> tuple[str, int, int] | None:
    """(name, VmHWM, VmRSS) in bytes, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return None
    if "VmHWM" not in fields:  # a zombie
        return None
    kb = lambda key: int(fields[key].split()[0]) * 1024  # noqa: E731
    return fields["Name"].strip(), kb("VmHWM"), kb("VmRSS")


def run(cmds: list[list[str]], timeout: float) -> tuple[float, list[subprocess.CompletedProcess[str]], list[int], Sample]:
    """Run commands at once; sample their process trees until all end. Kernel ru_maxrss per command."""
    t0 = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    sample = Sample()
    results: dict[int, tuple[int, int]] = {}  # index -> (status, ru_maxrss bytes)
    while len(results) < len(procs):
        todo = [p.pid for i, p in enumerate(procs) if i not in results]
        seen: set[int] = set()
        total = 0
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            st = _status(pid)
            if st:
                name, hwm, rss = st
                total += rss
                old = sample.peaks.get(pid)
                sample.peaks[pid] = (name, max(hwm, old[1] if old else 0))
            todo.extend(_children(pid))
        sample.tree_rss = max(sample.tree_rss, total)
        for i, p in enumerate(procs):
            if i in results:
                continue
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                results[i] = (status, usage.ru_maxrss * 1024)
            elif time.monotonic() - t0 > timeout:
                p.kill()
        time.sleep(0.01)
    wall = time.monotonic() - t0
    done = []
    for i, p in enumerate(procs):
        p.returncode = os.waitstatus_to_exitcode(results[i][0])
        out, err = p.communicate()
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return wall, done, [results[i][1] for i in range(len(procs))], sample


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    rows = []
    for line in proc.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        what = f"error: {row['error']}" if row.get("error") else f"{row['verdict']} ({len(row.get('ocr_text') or '')} chars OCR)"
        rows.append(f"{Path(row['input']).name}: {what}")
    if not rows:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        rows.append(f"exit {proc.returncode}, no JSON: {tail[:160]}")
    return "; ".join(rows)


def report(name: str, walls: list[float], procs: list[subprocess.CompletedProcess[str]], kernel: list[int], sample: Sample) -> None:
    """One case; memory from the last run (it varies by a few MB), wall time over all runs."""
    by_name: dict[str, int] = {}
    counts: dict[str, int] = {}
    for pname, hwm in sample.peaks.values():
        label = LABELS.get(pname, "worker" if pname.startswith("python") else pname)
        by_name[label] = max(by_name.get(label, 0), hwm)
        counts[label] = counts.get(label, 0) + 1
    peaks = ", ".join(f"{k} {v / MB:.0f} MB" for k, v in sorted(by_name.items()))
    wall = f"{statistics.median(walls):5.1f} s" + (f" (median of {len(walls)}: {min(walls):.1f}-{max(walls):.1f})" if len(walls) > 1 else "")
    print(f"{name:8} wall {wall} | peak RSS per process: {peaks} | tree sum {sample.tree_rss / MB:.0f} MB"
          f" | kernel ru_maxrss {', '.join(f'{k / MB:.0f}' for k in kernel)} MB | exit {', '.join(str(p.returncode) for p in procs)}")
    print(f"{'':8} processes seen: {dict(sorted(counts.items()))}")
    for p in procs:
        print(f"{'':8} {describe(p)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated cases (default: all)")
    ap.add_argument("--timeout", type=float, default=180.0, help="kill a run after this many seconds")
    ap.add_argument("--keep", type=Path, help="write the images here and keep them")
    ap.add_argument("--repeat", type=int, default=1, help="run each case this many times: median wall time")
    ap.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # internal: build into this folder
    args = ap.parse_args()
    if args.build:
        build_here(args.build)
        return
    cases = ["shot", "shot8k", "png", "pngrgb", "jpeg", "webp", "gif", "frames", "two-png", "two-jpeg", "jobs2"]
    chosen = [c for c in args.only.split(",") if c] or cases
    folder = args.keep or Path(tempfile.mkdtemp(prefix="scamscope-bombs-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = build(folder)
    print(f"{os.cpu_count()} cores; images in {folder}: " + ", ".join(f"{p.name} {p.stat().st_size:,} B" for p in files.values()))
    for case in chosen:
        if case == "two-png":
            cmds = [[CLI, "scan", "--json", str(files["pngrgb"])]] * 2
        elif case == "two-jpeg":
            cmds = [[CLI, "scan", "--json", str(files["jpeg"])]] * 2
        elif case == "jobs2":
            cmds = [[CLI, "scan", "--json", "--jobs", "2", str(files["pngrgb"]), str(files["jpeg"])]]
        elif case in files:
            cmds = [[CLI, "scan", "--json", str(files[case])]]
        else:
            sys.exit(f"unknown case {case!r} (choose from {', '.join(cases)})")
        walls = []
        for _ in range(max(1, args.repeat)):
            wall, procs, kernel, sample = run(cmds, args.timeout)
            walls.append(wall)
        report(case, walls, procs, kernel, sample)
    if not args.keep:
        for p in files.values():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
