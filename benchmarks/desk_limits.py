"""Desk limits, measured: how many scans a submission burst gets queued, and how much the
database keeps of 90 uploads of 5 MB once they are scanned.

    .venv/bin/python benchmarks/desk_limits.py [--burst 300] [--uploads 90] [--mb 5]

A real desk (``create_app`` served by uvicorn on 127.0.0.1, a SQLite file in a temporary folder,
the default limits unless given) and real HTTP clients. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import re
import socket
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from scamscope.web.app import create_app
from scamscope.web.auth import add_user
from scamscope.web.config import Settings
from scamscope.web.db import transaction

PASSWORD = "correct horse battery staple 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def desk(db: Path, **limits: int) -> Iterator[str]:
    app = create_app(Settings(db_url=f"sqlite:///{db}", **limits))
    with transaction(app.state.db) as session:
        for i in range(10):
            add_user(session, f"user{i}", PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(120)


def login(client: httpx.Client, name: str) -> str:
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    return CSRF.search(client.get("/scans/new").text).group(1)  # type: ignore[union-attr]


def burst(base: str, users: int, per_user: int) -> tuple[Counter[int], float]:
    """``users`` logged-in clients each firing ``per_user`` submissions at once (one thread per request)."""
    sessions = []
    for i in range(users):
        client = httpx.Client(base_url=base, timeout=120)
        sessions.append((client.cookies, login(client, f"user{i}")))
        client.close()
    codes: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(users * per_user)

    def one(cookies: httpx.Cookies, token: str) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as c:
            barrier.wait()
            code = c.post("/scans", data={"csrf_token": token}, files={"page_file": ("p.html", b"<p>hello</p>", "text/html")}).status_code
        with lock:
            codes[code] += 1

    threads = [threading.Thread(target=one, args=s) for s in sessions for _ in range(per_user)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes, time.perf_counter() - start


def db_sizes(db: Path) -> tuple[int, int, int]:
    """(file bytes incl. WAL, bytes of live pages, bytes still held in scans.input_data)"""
    files = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size, pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count", "freelist_count"))
        held = conn.execute("SELECT coalesce(sum(length(input_data)), 0) FROM scans").fetchone()[0]
    return files, (pages - free) * page_size, held


def uploads(base: str, db: Path, n: int, mb: float) -> None:
    page = b"<html><body>" + b"<p>ordinary text of a saved page</p>\n" * int(mb * 1024 * 1024 / 38) + b"</body></html>"
    page = page[: int(mb * 1024 * 1024)]
    before = db_sizes(db)
    with httpx.Client(base_url=base, timeout=300) as client:
        token = login(client, "user0")
        ids = []
        start = time.perf_counter()
        while len(ids) < n:
            r = client.post("/scans", data={"csrf_token": token}, files={"page_file": (f"p{len(ids)}.html", page, "text/html")})
            if r.status_code in (429, 503):
                time.sleep(min(5, int(r.headers.get("retry-after", "1"))))
                continue
            assert r.status_code == 303, r.text[:300]
            ids.append(int(r.headers["location"].rsplit("/", 1)[1]))
        peak = db_sizes(db)
        while any(not client.get(f"/scans/{i}/status.json").json()["done"] for i in ids):
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        states = Counter(client.get(f"/scans/{i}/status.json").json()["status"] for i in ids)
    after = db_sizes(db)
    mib = 1024 * 1024
    print(f"uploads: {n} x {len(page) / mib:.1f} MB scanned in {elapsed:.0f} s ({dict(states)})")
    print(f"uploads: upload bytes held in the database: {peak[2] / mib:.1f} MB right after the last submission, {after[2] / mib:.1f} MB once all were scanned")
    print(f"uploads: live database pages grew {(after[1] - before[1]) / mib:.1f} MB (file with WAL: {before[0] / mib:.1f} -> {after[0] / mib:.1f} MB; SQLite keeps freed pages until VACUUM)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=300, help="submissions in the one-user burst")
    parser.add_argument("--uploads", type=int, default=90)
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "burst.sqlite3"
        with desk(db) as base:
            codes, secs = burst(base, 1, args.burst)
            print(f"burst, 1 user: {args.burst} submissions at once in {secs:.1f} s -> accepted {codes[303]}, 429 {codes[429]}, 503 {codes[503]} (default limits: 20/min per user, 50 queued)")
        db = Path(tmp) / "burst10.sqlite3"
        with desk(db) as base:
            codes, secs = burst(base, 10, 30)
            print(f"burst, 10 users x 30: 300 submissions at once in {secs:.1f} s -> accepted {codes[303]}, 429 {codes[429]}, 503 {codes[503]}")
        db = Path(tmp) / "uploads.sqlite3"
        with desk(db, scans_per_minute=10_000) as base:
            uploads(base, db, args.uploads, args.mb)


if __name__ == "__main__":
    main()
