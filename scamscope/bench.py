"""Static-scan benchmark: every page is read into memory first, so disk I/O is not timed."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from scamscope.scan import scan_bytes
from scamscope.score import load_model


def _pages(folder: Path) -> list[tuple[str, bytes]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv" and p.suffix != ".md")
    return [(str(p), p.read_bytes()) for p in files]


def run_bench(folder: Path, *, repeat: int = 3) -> dict[str, Any]:
    pages = _pages(Path(folder))
    if not pages:
        return {"pages": 0}
    model = load_model()
    for name, data in pages:  # warm-up: imports, regex compilation, model load
        scan_bytes(data, input_name=name, model=model)
    latencies: list[float] = []
    per_pass: list[float] = []  # pages/s of each pass: on a shared host they vary, so show them
    t0 = time.perf_counter()
    for _ in range(max(1, repeat)):
        tp = time.perf_counter()
        for name, data in pages:
            t = time.perf_counter()
            scan_bytes(data, input_name=name, model=model)
            latencies.append(time.perf_counter() - t)
        per_pass.append(round(len(pages) / (time.perf_counter() - tp), 1))
    wall = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {
        "pages": len(pages),
        "scans": len(latencies),
        "bytes_per_pass": sum(len(d) for _, d in pages),
        "pages_per_second": round(len(latencies) / wall, 1),
        "pages_per_second_each_pass": per_pass,
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }
