"""Where the CPU of a live scan goes: per stage of the capture, then OCR + scoring.

    .venv/bin/python benchmarks/live_cpu_stages.py DIR [--pages 30] [--ocr auto|off|full]

Serves the page files under DIR from 127.0.0.1 and scans an evenly spaced sample one page at a
time, the whole path of ``scamscope scan URL`` (capture in the warm browser, OCR, signals, score),
with ``SCAMSCOPE_STAGE_CPU`` set so the capture worker charges its process tree's CPU (Chromium,
its renderers and GPU process, Playwright's driver, the egress proxy thread) to each stage:

* ``context``: new browser context with the proxy and instrumentation, new page;
* ``load``: navigation until ``load``;
* ``settle``: the adaptive wait after ``load``;
* ``screenshot``: both PNG screenshots;
* ``click_gate``: click, keys, right click and the wait after them;
* ``read``: title, DOM, text of every frame, image regions, final counts;
* ``unload``: closing the page as a victim would (unload prompts);
* ``close``: closing the context (the renderer exits).

``analysis`` is the rest of the tree's CPU: the static-analysis worker (OCR's Tesseract included).
Prints JSON: CPU seconds per page (mean) by stage, in total, and wall seconds per page.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

os.environ["SCAMSCOPE_STAGE_CPU"] = "1"

from live_sample import served, tree_cpu_seconds  # noqa: E402

from scamscope.bounded import StaticPool  # noqa: E402
from scamscope.live.capture import CaptureOptions, LiveCapturer  # noqa: E402
from scamscope.scan import _result_of_capture  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--ocr", default="auto", choices=("auto", "off", "full"))
    args = ap.parse_args()
    opts = CaptureOptions(allow_private=True, budget_s=15, ocr=args.ocr)
    stages: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    me = os.getpid()
    pool = StaticPool(1)
    try:
        with served(args.folder, args.pages) as urls, LiveCapturer() as capturer:
            warm = capturer.capture(urls[0], opts)  # warm-up: browser, proxy, analysis worker
            _result_of_capture(urls[0], warm, None, args.ocr, pool=pool)
            cpu0, started = tree_cpu_seconds(me), time.perf_counter()
            for url in urls:
                capture = capturer.capture(url, opts)
                stages.update(getattr(capture, "stages", {}))  # older trees: totals only
                verdicts[_result_of_capture(url, capture, None, args.ocr, pool=pool).verdict] += 1
            total, wall = tree_cpu_seconds(me) - cpu0, time.perf_counter() - started
    finally:
        pool.close()
    n = len(urls)
    per_stage = {k: round(v / n, 3) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])}
    per_stage["analysis"] = round((total - sum(stages.values())) / n, 3)
    print(json.dumps({"pages": n, "ocr": args.ocr, "cpu_s_per_page": round(total / n, 3), "stages": per_stage,
                      "wall_s_per_page": round(wall / n, 2), "verdicts": dict(verdicts), "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
