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
import json
import time
from pathlib import Path

from live_sample import served, tree_cpu_seconds

from scamscope.live.capture import CaptureOptions, LiveCapturer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=30)
    args = ap.parse_args()
    opts = CaptureOptions(allow_private=True, budget_s=15, ocr="off")
    with served(args.folder, args.pages) as urls, LiveCapturer() as capturer:
        capturer.capture(urls[0], opts)  # warm-up
        worker = capturer.worker_pid or -1
        tree0, own0, started = tree_cpu_seconds(worker), tree_cpu_seconds(worker) - children_cpu(worker), time.perf_counter()
        for url in urls:
            capturer.capture(url, opts)
        tree1, own1, wall = tree_cpu_seconds(worker), tree_cpu_seconds(worker) - children_cpu(worker), time.perf_counter() - started
    n = len(urls)
    print(json.dumps({"pages": n, "cpu_s_per_page": round((tree1 - tree0) / n, 3), "python_worker_cpu_s_per_page": round((own1 - own0) / n, 3), "wall_s_per_page": round(wall / n, 2)}))


def children_cpu(pid: int) -> float:
    """CPU of everything below ``pid`` (its own process excluded)."""
    from scamscope.live.capture import tree_members

    return sum(tree_cpu_seconds(child) for child in tree_members(pid) if _parent(child) == pid)


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat[stat.rfind(")") + 2 :].split()[1])


if __name__ == "__main__":
    main()
