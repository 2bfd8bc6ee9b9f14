"""Cost of the egress guard per request: the same loopback page fetched directly and through the guard.

    .venv/bin/python benchmarks/egress_bench.py [--requests 500] [--clients 4]

Starts a small HTTP server on 127.0.0.1 and the egress proxy (mitmproxy with the guard addon,
in-process, the way live capture runs it), then fetches the page ``--requests`` times from
``--clients`` threads with keep-alive connections, once directly and once through the proxy, and
prints JSON: requests/s and p50/p95 latency of each, and the proxy's start-up time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from scamscope.netguard import Policy
from scamscope.proxy import EgressGuard, ProxyRunner

BODY = b"<html><body>" + b"x" * 20_000 + b"</body></html>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs (40 ms) dominate the direct figures

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


def measure(url: str, requests: int, clients: int, proxy: str | None) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with httpx.Client(proxy=proxy, timeout=10) as client:
            for _ in range(n):
                t = time.perf_counter()
                r = client.get(url)
                assert r.status_code == 200 and len(r.content) == len(BODY), r.status_code
                with lock:
                    latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, [requests // clients] * clients))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=20)
    return {"requests": len(latencies), "requests_per_second": round(len(latencies) / wall, 1), "p50_ms": round(statistics.median(latencies) * 1000, 2), "p95_ms": round(q[18] * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    guard = EgressGuard()
    guard.allow("bench", Policy.of(allow_hosts=[f"127.0.0.1:{httpd.server_address[1]}"]))
    with tempfile.TemporaryDirectory(prefix="scamscope-egress-bench-") as confdir:
        runner = ProxyRunner([guard], confdir)
        t = time.perf_counter()
        port = runner.start()
        startup = time.perf_counter() - t
        try:
            direct = measure(url, args.requests, args.clients, None)
            guarded = measure(url, args.requests, args.clients, f"http://bench:{guard.secret}@127.0.0.1:{port}")
        finally:
            runner.stop()
            httpd.shutdown()
    print(json.dumps({"proxy_start_s": round(startup, 2), "direct": direct, "through_guard": guarded}))


if __name__ == "__main__":
    main()
