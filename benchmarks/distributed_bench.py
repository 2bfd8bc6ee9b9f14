"""Throughput of distributed scanning: pages per second and CPU-seconds per page, with 1 and 2 workers.

    .venv/bin/python benchmarks/distributed_bench.py ../shared/corpus [--pages 40] [--workers 1,2] [--jobs 1]

Serves an evenly spaced sample of the corpus pages (``.html``/``.htm``/``.php``) from 127.0.0.1,
starts a private ``redis-server`` on a free port, then for each worker count starts that many real
``scamscope worker --jobs J`` processes, waits until each has its browser ready (one warm-up page
per worker, not counted), and sends the sample with ``run_remote_batch`` (what ``scan --broker``
does): the whole path of a live scan, OCR and scoring included. Prints one JSON line per worker
count: pages/s, CPU-seconds per page summed over the workers' process trees (Chromium, renderers,
analysis processes and their warm OCR engine), and the verdicts (which must not depend on the
worker count).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from live_sample import served, tree_cpu_seconds

from scamscope.distributed.producer import run_remote_batch
from scamscope.live.capture import CaptureOptions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def run(urls: list[str], broker: str, workers: int, jobs: int) -> dict[str, object]:
    cmd = [sys.executable, "-m", "scamscope", "worker", "--broker", broker, "--jobs", str(jobs), "--allow-private", "--loglevel", "WARNING"]
    procs = [subprocess.Popen([*cmd, "--name", f"bench{i}@%h"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(workers)]
    opts = CaptureOptions(allow_private=True, budget_s=15)
    try:
        # warm-up: each worker takes one page (prefetch 1, so a page per worker when they all wait)
        list(run_remote_batch(urls[: workers * jobs], broker=broker, options=opts))
        cpu0, started = sum(tree_cpu_seconds(p.pid) for p in procs), time.perf_counter()
        results = list(run_remote_batch(urls, broker=broker, options=opts))
        wall, cpu = time.perf_counter() - started, sum(tree_cpu_seconds(p.pid) for p in procs) - cpu0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
    n = len(urls)
    return {"workers": workers, "jobs": jobs, "pages": n, "pages_per_s": round(n / wall, 2), "cpu_s_per_page": round(cpu / n, 3),
            "verdicts": dict(Counter(str(r.verdict) for r in results)), "load_average_1min": round(os.getloadavg()[0], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (bash scripts/setup.sh installs it)")
    with served(args.folder, args.pages) as urls, tempfile.TemporaryDirectory() as tmp:
        redis_proc, broker = start_redis(Path(tmp))
        try:
            for count in (int(x) for x in args.workers.split(",")):
                print(json.dumps(run(urls, broker, count, args.jobs)), flush=True)
        finally:
            redis_proc.terminate()
            redis_proc.wait(20)


if __name__ == "__main__":
    main()
