"""Live-capture benchmark: pages served on loopback, scanned with --jobs 1 and --jobs N.

    .venv/bin/python benchmarks/live_bench.py DIR [--pages 40] [--jobs 2] [--budget 15] [--ocr auto]

Serves the page files under DIR (e.g. ../shared/corpus/benign and ../shared/corpus/scam, rendered
offline: external resources fail to load, which is fine) from 127.0.0.1, runs the scans through
the same batch runner as ``scamscope scan -i LIST --jobs N`` and prints JSON figures: seconds per
page (p50/p95, from each capture's own timing) and pages per second for the whole batch. The first
pages of each run (one per job) are a warm-up and not counted. One browser is shared by all jobs.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scamscope.batch import run_batch
from scamscope.live.capture import CaptureOptions, LiveCapturer

SUFFIXES = (".html", ".htm", ".php")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def run(urls: list[str], jobs: int, budget: float, ocr: str) -> dict[str, object]:
    opts = CaptureOptions(allow_private=True, budget_s=budget, ocr=ocr)
    with LiveCapturer() as capturer:  # one shared browser, warm
        list(run_batch(urls[:jobs], jobs=jobs, options=opts, capturer=capturer))
        started = time.perf_counter()
        results = list(run_batch(urls, jobs=jobs, options=opts, capturer=capturer))
        wall = time.perf_counter() - started
    secs = sorted(r.extra.get("live", {}).get("seconds", 0.0) for r in results if r.extra.get("live"))
    q = statistics.quantiles(secs, n=20) if len(secs) > 1 else secs * 19
    return {
        "jobs": jobs,
        "ocr": ocr,
        "pages": len(results),
        "pages_per_second": round(len(results) / wall, 2),
        "p50_s": round(statistics.median(secs), 2) if secs else None,
        "p95_s": round(q[18], 2) if secs else None,
        "killed_over_budget": sum(1 for r in results if r.extra.get("live", {}).get("timed_out")),
        "errors": sum(1 for r in results if r.error),
        "verdicts": {v: sum(1 for r in results if r.verdict == v) for v in ("scam", "suspicious", "benign")},
        **_accuracy(urls, results),
    }


def _accuracy(urls: list[str], results: list) -> dict[str, object]:
    """Recall and false positives when the pages sit in scam/ and benign/ folders (as in the corpus)."""
    scam = [r for u, r in zip(urls, results, strict=True) if "/scam/" in u]
    benign = [r for u, r in zip(urls, results, strict=True) if "/benign/" in u]
    out: dict[str, object] = {}
    if scam:
        out["scam_recall"] = round(sum(r.verdict == "scam" for r in scam) / len(scam), 3)
    if benign:
        out["benign_called_scam"] = sum(r.verdict == "scam" for r in benign)
        out["benign_called_suspicious"] = sum(r.verdict == "suspicious" for r in benign)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=40, help="evenly spaced sample size (0: every page)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--budget", type=float, default=15.0)
    ap.add_argument("--ocr", default="auto", choices=("auto", "full", "off"))
    args = ap.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    step = max(1, len(files) // args.pages) if args.pages else 1
    chosen = files[::step][: args.pages] if args.pages else files
    httpd, base = serve(args.folder)
    try:
        urls = [f"{base}/{p.relative_to(args.folder).as_posix()}" for p in chosen]
        for jobs in sorted({1, args.jobs}):
            print(json.dumps(run(urls, jobs, args.budget, args.ocr)), flush=True)
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main()
