"""CPU seconds per live-captured page: less sensitive to other load on the machine than wall time.

    .venv/bin/python benchmarks/live_cpu_bench.py DIR [--pages 30]

Serves the page files under DIR from 127.0.0.1 and captures an evenly spaced sample one after the
other with one warm capture worker (``--ocr off``: only the capture is measured). Prints JSON: CPU
seconds per page of the whole worker process tree (Python worker with the egress proxy thread,
Playwright's driver, Chromium and its renderers, exited children included), of the Python worker
process alone, and the wall time per page.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scamscope.live.capture import CaptureOptions, LiveCapturer, tree_members

SUFFIXES = (".html", ".htm", ".php")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime + cutime + cstime of ``pids`` (reaped children count in their parent)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        ticks += sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=30)
    args = ap.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    files = files[:: max(1, len(files) // args.pages)][: args.pages]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(args.folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    urls = [f"{base}/{p.relative_to(args.folder).as_posix()}" for p in files]
    opts = CaptureOptions(allow_private=True, budget_s=15, ocr="off")
    try:
        with LiveCapturer() as capturer:
            capturer.capture(urls[0], opts)  # warm-up
            worker = capturer.worker_pid or -1
            tree0, own0, started = cpu_seconds(tree_members(worker)), cpu_seconds([worker]), time.perf_counter()
            for url in urls:
                capturer.capture(url, opts)
            tree1, own1, wall = cpu_seconds(tree_members(worker)), cpu_seconds([worker]), time.perf_counter() - started
    finally:
        httpd.shutdown()
    n = len(urls)
    print(json.dumps({"pages": n, "cpu_s_per_page": round((tree1 - tree0) / n, 3), "python_worker_cpu_s_per_page": round((own1 - own0) / n, 3), "wall_s_per_page": round(wall / n, 2)}))


if __name__ == "__main__":
    main()
