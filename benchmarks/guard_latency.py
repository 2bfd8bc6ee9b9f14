"""Latency the guard's static scoring adds per HTML response, against the same proxy without it.

Two proxies run side by side, each in its own process (mitmproxy keeps process-wide state):
**base** is the guard's proxy with the egress guard only (``GuardConfig(scoring=False)``), **guard**
is the full guard. Every corpus HTML page is served on loopback and fetched through both, in
alternation, ``--rounds`` times, over keep-alive connections, as a browser navigation (``Accept:
text/html``, ``Sec-Fetch-Dest: document``). The time is from sending the request to the last
byte of the answer (the block page, for a blocked kit). Printed: per page, the median over rounds
of guard minus base; then p50/p90 over pages; the same for a non-HTML file (1 MB image), which
must stream through untouched; and the guard's own scoring time from its decision log.

    .venv/bin/python benchmarks/guard_latency.py ../shared/corpus [--rounds 5] [--pages 0]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.guard_support import serve  # noqa: E402 - the tests' origin server (keep-alive, no Nagle stalls)

CHILD = """
import sys, json, time
from scamscope.guard.server import Guard, GuardConfig
scoring = sys.argv[1] == "1"
g = Guard(GuardConfig(listen_port=0, confdir=sys.argv[2], log_path=sys.argv[3] if scoring else None, scoring=scoring, allow_hosts=[sys.argv[4]], workers=2))
print(g.start(), flush=True)
sys.stdin.read()
g.stop()
"""


def start_proxy(scoring: bool, tmp: Path, allow: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "1" if scoring else "0", str(tmp / ("ca-g" if scoring else "ca-b")), str(tmp / "decisions.jsonl"), allow],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def fetch(conn: http.client.HTTPConnection, url: str, html: bool) -> float:
    headers = {"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"} if html else {"Accept": "image/*", "Sec-Fetch-Dest": "image"}
    start = time.perf_counter()
    conn.request("GET", url, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", type=int, default=0, help="0: every HTML page of the corpus")
    args = ap.parse_args()

    rows = list(csv.DictReader((args.corpus / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
    files = [args.corpus / r["label"] / r["file"] for r in rows if r["file"].endswith((".html", ".htm"))]
    if args.pages:
        files = files[:: max(1, len(files) // args.pages)][: args.pages]
    pages = {f"/p/{i}.html": (200, {"Content-Type": "text/html"}, f.read_bytes()) for i, f in enumerate(files)}
    pages["/image.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4096)
    with serve(pages) as origin, tempfile.TemporaryDirectory() as td:
        allow = f"127.0.0.1:{origin.port}"
        tmp = Path(td)
        base_proc, base_port = start_proxy(False, tmp, allow)
        guard_proc, guard_port = start_proxy(True, tmp, allow)
        try:
            conns = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for name, port in (("base", base_port), ("guard", guard_port))}
            times: dict[str, dict[str, list[float]]] = {"base": {}, "guard": {}}
            paths = list(pages)
            for path in paths:  # warm-up: connections, workers, caches
                for name in conns:
                    fetch(conns[name], f"http://{allow}{path}", path.endswith(".html"))
            for r in range(args.rounds):
                for path in paths:
                    order = ("base", "guard") if r % 2 == 0 else ("guard", "base")
                    for name in order:
                        t = fetch(conns[name], f"http://{allow}{path}", path.endswith(".html"))
                        times[name].setdefault(path, []).append(t)
        finally:
            for proc in (base_proc, guard_proc):
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(30)
        decisions = [json.loads(line) for line in (tmp / "decisions.jsonl").read_text().splitlines() if line.strip()]

    html_paths = [p for p in paths if p.endswith(".html")]
    added = [statistics.median(times["guard"][p]) - statistics.median(times["base"][p]) for p in html_paths]
    base_all = [statistics.median(times["base"][p]) for p in html_paths]
    guard_all = [statistics.median(times["guard"][p]) for p in html_paths]
    img_added = statistics.median(times["guard"]["/image.png"]) - statistics.median(times["base"]["/image.png"])
    scoring = [d["ms"] for d in decisions if isinstance(d.get("ms"), (int, float))]
    actions: dict[str, int] = {}
    for d in decisions:
        actions[d["action"]] = actions.get(d["action"], 0) + 1
    print(f"{len(html_paths)} HTML pages x {args.rounds} rounds through each proxy (warm, keep-alive)")
    print(f"  base proxy (egress guard only): p50 {statistics.median(base_all):.2f} ms, p90 {pct(base_all, 0.9):.2f} ms")
    print(f"  guard (scoring):                p50 {statistics.median(guard_all):.2f} ms, p90 {pct(guard_all, 0.9):.2f} ms")
    print(f"  added per HTML response:        p50 {statistics.median(added):.2f} ms, p90 {pct(added, 0.9):.2f} ms, max {max(added):.2f} ms")
    print(f"  guard's scoring time (log):     p50 {statistics.median(scoring):.2f} ms, p90 {pct(scoring, 0.9):.2f} ms")
    print(f"  non-HTML (1 MB image) added:    {img_added:.2f} ms (median of {args.rounds})")
    print(f"  decisions: {json.dumps(actions, sort_keys=True)}")


if __name__ == "__main__":
    main()
