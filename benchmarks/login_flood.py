"""Login flood against the desk web app, on loopback only.

Starts `scamscope serve` (one uvicorn process, a temporary SQLite file, an account made with
`scamscope user add`) on 127.0.0.1, then sends --attempts concurrent wrong passwords for that one
account, each with its own X-Forwarded-For (which the server must not believe) and sent again
while the server answers "busy" (503), while a client polls
/healthz and the server's RSS is sampled. Prints how many passwords the server really checked
(counted from the line it logs per Argon2 verification), the answers, /healthz latency during the
flood and the server's peak RSS.

    .venv/bin/python benchmarks/login_flood.py [--attempts 150]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# the desk test helpers: loopback host, CSRF pattern, the server's log line per password check,
# the /healthz poller; shared with tests/test_web_auth.py's flood test
from tests.desk_server import CSRF, HOST, PASSWORD_CHECK, WATCHER, free_port, guess_until_answered  # noqa: E402

PASSWORD = "flood check passphrase"


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """The process's resident set size now (VmRSS) or its peak since it started (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    db = str(tmp / "desk.sqlite3")
    cmd = [sys.executable, "-m", "scamscope"]
    subprocess.run([*cmd, "user", "add", "victim", "--db", db, "--password-stdin"], input=(PASSWORD + "\n").encode(), check=True, capture_output=True)
    port = free_port()
    log_path = tmp / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([*cmd, "serve", "--host", HOST, "--port", str(port), "--db", db], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base, log_path
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start: see {log_path}")


def flood(base: str, pid: int, attempts: int, tmp: Path) -> dict[str, object]:
    """The flood; /healthz is polled from a process of its own, so that the 150 client threads here
    do not slow the poller down (its latency is the server's)."""
    token = CSRF.search(httpx.get(f"{base}/login").text).group(1)  # type: ignore[union-attr]
    barrier = threading.Barrier(attempts)
    stop = tmp / "stop-watch"
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, base, str(stop)], stdout=subprocess.PIPE, text=True)

    def attempt(i: int) -> tuple[int, int]:
        barrier.wait()
        spoofed = {"X-Forwarded-For": f"198.51.{i // 250}.{i % 250 + 1}"}
        return guess_until_answered(base, token, "victim", f"guess {i:05d}", spoofed, max_tries=1000, timeout=300)

    time.sleep(0.5)  # the poller is running before the flood starts
    t0 = time.perf_counter()
    try:
        with ThreadPoolExecutor(attempts) as pool:
            results = list(pool.map(attempt, range(attempts)))
    finally:
        elapsed = time.perf_counter() - t0
        stop.touch()
        out, _ = watcher.communicate(timeout=120)
    polls = [json.loads(line) for line in out.splitlines() if line.strip()]
    statuses = Counter(status for status, _ in results)
    return {"statuses": statuses, "requests": sum(tries for _, tries in results), "elapsed": elapsed, "health": [s for _, s in polls], "health_status": Counter(c for c, _ in polls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scamscope-flood-") as tmp:
        proc, base, log_path = start_server(Path(tmp))
        try:
            idle_rss, start_peak = rss_mib(proc.pid), rss_mib(proc.pid, "VmHWM")
            checks_before = log_path.read_text(errors="replace").count(PASSWORD_CHECK)
            out = flood(base, proc.pid, args.attempts, Path(tmp))
            checks = log_path.read_text(errors="replace").count(PASSWORD_CHECK) - checks_before
            flood_peak = rss_mib(proc.pid, "VmHWM")
            token = CSRF.search(httpx.get(f"{base}/login").text).group(1)  # type: ignore[union-attr]
            right = httpx.post(f"{base}/login", data={"username": "victim", "password": PASSWORD, "csrf_token": token}, headers={"Cookie": f"scamscope_login_csrf={token}"}).status_code
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    health = sorted(out["health"])  # type: ignore[arg-type]
    statuses: Counter[int] = out["statuses"]  # type: ignore[assignment]
    print(f"concurrent wrong attempts:         {args.attempts} (one account, rotating X-Forwarded-For), done in {out['elapsed']:.2f} s")
    print(f"password checks performed:         {checks} of {args.attempts}")
    print(f"requests sent:                     {out['requests']} (guesses answered 503 'busy' were sent again)")
    print("final answers:                     " + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    print(f"right password right after:        {right} ({'refused, back-off holds' if right == 429 else 'accepted' if right == 303 else 'other'})")
    print(f"/healthz during the flood:         {len(health)} requests (from 0.5 s before), p50 {statistics.median(health) * 1000:.0f} ms, max {health[-1] * 1000:.0f} ms, statuses {dict(out['health_status'])}")  # type: ignore[arg-type]
    print(f"server RSS:                        idle {idle_rss:.0f} MiB; peak (VmHWM) {start_peak:.0f} MiB before the flood, {flood_peak:.0f} MiB after it")


if __name__ == "__main__":
    main()
