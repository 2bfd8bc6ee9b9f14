"""Load check of the desk web app: requests per second for a scan's result page, on loopback only.

Starts `scamscope serve` (one uvicorn process, a temporary SQLite file) on 127.0.0.1, logs in,
scans examples/fake-warning-ja.html, then fetches that scan's result page from N client threads
(keep-alive connections, logged-in session) until --requests are done or --seconds have passed,
whichever comes first. Prints requests/s and latency percentiles.

    .venv/bin/python benchmarks/web_load.py [--requests 3000] [--seconds 30] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "examples" / "fake-warning-ja.html"
HOST = "127.0.0.1"  # loopback only, never anything else
PASSWORD = "load-check password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    db = str(tmp / "desk.sqlite3")
    cmd = [sys.executable, "-m", "scamscope"]
    subprocess.run([*cmd, "user", "add", "load", "--db", db, "--password-stdin"], input=(PASSWORD + "\n").encode(), check=True, capture_output=True)
    port = free_port()
    log = (tmp / "server.log").open("wb")
    # as deployed: one uvicorn process, access log on (to a file)
    proc = subprocess.Popen([*cmd, "serve", "--host", HOST, "--port", str(port), "--db", db], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start: see " + str(tmp / "server.log"))


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "load", "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise SystemExit(f"login failed: {r.status_code}")
    return client


def make_scan(client: httpx.Client) -> str:
    token = CSRF.search(client.get("/scans/new").text).group(1)  # type: ignore[union-attr]
    r = client.post("/scans", data={"csrf_token": token}, files={"page_file": ("page.html", PAGE.read_bytes(), "text/html")})
    path = r.headers["location"]
    for _ in range(300):
        if client.get(f"{path}/status.json").json()["done"]:
            return path
        time.sleep(0.1)
    raise SystemExit("the scan did not finish")


def run(base: str, path: str, cookies: httpx.Cookies, total: int, seconds: float, concurrency: int) -> dict[str, float]:
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    issued = 0
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors, issued
        with httpx.Client(base_url=base, cookies=cookies, timeout=30) as c:
            while True:
                with lock:
                    if issued >= total or time.monotonic() >= stop_at:
                        return
                    issued += 1
                t0 = time.perf_counter()
                r = c.get(path)
                dt = time.perf_counter() - t0
                ok = r.status_code == 200 and 'data-verdict="scam"' in r.text
                with lock:
                    latencies.append(dt)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {"requests": len(latencies), "errors": errors, "seconds": wall, "rps": len(latencies) / wall, "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000, help="stop after this many requests (at most 20000)")
    ap.add_argument("--seconds", type=float, default=30.0, help="or after this long (at most 120)")
    ap.add_argument("--concurrency", type=int, default=4, help="client threads (1-32)")
    ap.add_argument("--warmup", type=int, default=50, help="requests before measuring")
    args = ap.parse_args()
    total, seconds, concurrency = min(args.requests, 20000), min(args.seconds, 120.0), max(1, min(args.concurrency, 32))
    with tempfile.TemporaryDirectory(prefix="scamscope-load-") as tmp:
        proc, base = start_server(Path(tmp))
        try:
            client = logged_in(base)
            try:
                path = make_scan(client)
                for _ in range(args.warmup):
                    client.get(path)
                result = run(base, path, client.cookies, total, seconds, concurrency)
            finally:
                client.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"result page {path} on {HOST}, {concurrency} client threads, one uvicorn process")
    print(
        f"{result['requests']:.0f} requests in {result['seconds']:.1f} s: {result['rps']:.0f} requests/s, "
        f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, errors {result['errors']:.0f}"
    )
    if result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
