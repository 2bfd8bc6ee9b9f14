"""Desk limits (issue 9): queue cap and per-user rate under concurrent submissions against a real
server on loopback, uploaded bytes dropped when a scan ends, the retry cap of resumed scans (a real
server killed mid-scan, again and again), no-store headers, NUL characters in every form field,
ids out of range, crafted host names, and what reaches the server log (SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from scamscope.web.app import create_app
from scamscope.web.auth import add_user
from scamscope.web.config import Settings
from scamscope.web.db import transaction
from scamscope.web.jobs import GAVE_UP, MAX_ATTEMPTS
from scamscope.web.models import Case, Indicator, Scan, User
from tests.test_web_api import postgres  # noqa: F401  (the throwaway PostgreSQL cluster fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
BENIGN_PAGE = ROOT / "examples" / "ordinary-ja.html"
SCAM_PAGE = ROOT / "examples" / "fake-warning-ja.html"
STRONG = "correct horse battery staple 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BAD_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200  # a PNG signature, then nothing an image decoder accepts

EN = {"Accept-Language": "en"}  # the assertions read English messages (the desk defaults to Japanese)


# --- helpers (also used by test_web_retention.py) -----------------------------------------------


def make_desk(db_url: str, **overrides: Any) -> FastAPI:
    """A desk app on ``db_url`` with users alice (staff), bob (staff) and root (admin)."""
    app = create_app(Settings(db_url=db_url, **overrides))
    with transaction(app.state.db) as db:
        if db.scalar(select(func.count()).select_from(User)) == 0:
            add_user(db, "root", STRONG, role="admin")
            add_user(db, "alice", STRONG, role="staff")
            add_user(db, "bob", STRONG, role="staff")
    return app


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


def login(client: Any, name: str) -> str:
    """Log in (TestClient or httpx.Client); returns the session's CSRF token."""
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": name, "password": STRONG, "csrf_token": token, "next": "/scans/new"})
    assert r.status_code == 303, r.text
    return CSRF.search(client.get("/scans/new").text).group(1)  # type: ignore[union-attr]


def submit_page(
    client: Any, token: str, data: bytes = b"", field: str = "page_file", mime: str = "text/html", **extra: str
) -> Any:
    return client.post(
        "/scans", data={"csrf_token": token, **extra}, files={field: ("p.html", data or BENIGN_PAGE.read_bytes(), mime)}
    )


def scan_id_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def wait_finished(app: FastAPI, ids: list[int], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.state.db() as db:
            if db.scalar(
                select(func.count()).select_from(Scan).where(Scan.id.in_(ids), Scan.status.in_(("done", "error")))
            ) == len(ids):
                return
        time.sleep(0.1)
    raise AssertionError(f"scans {ids} not finished after {timeout} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a loopback port, in this process (lifespan included)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(60)


def burst(base: str, cookies: httpx.Cookies, token: str, n: int, json: bool = False) -> list[httpx.Response]:
    """``n`` scan submissions at the same moment, one connection each."""
    barrier = threading.Barrier(n)
    out: list[httpx.Response | None] = [None] * n
    page = BENIGN_PAGE.read_bytes()

    def one(i: int) -> None:
        with httpx.Client(
            base_url=base, cookies=cookies, timeout=60, headers={"Accept": "application/json", **EN} if json else EN
        ) as client:
            barrier.wait()
            out[i] = client.post(
                "/scans", data={"csrf_token": token}, files={"page_file": (f"p{i}.html", page, "text/html")}
            )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


@contextmanager
def blocked_workers(app: FastAPI) -> Iterator[threading.Event]:
    """Keep the app's only scan worker busy until the block ends (or the event is set), so that
    accepted scans stay queued: the queue then fills as fast as it is submitted to."""
    assert app.state.settings.scan_workers == 1
    gate = threading.Event()
    app.state.runner._pool.submit(gate.wait)  # the real pool, given a task that waits
    try:
        yield gate
    finally:
        gate.set()


# --- queue cap and per-user rate -----------------------------------------------------------------


def test_queue_cap_admits_exactly_the_cap_under_a_concurrent_burst(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path), scan_workers=1, max_queued_scans=5, scans_per_minute=1000)
    with live_server(app) as base, httpx.Client(headers=EN, base_url=base, follow_redirects=False, timeout=60) as client:
        token = login(client, "alice")
        with blocked_workers(app) as gate:
            answers = burst(base, client.cookies, token, 24)
            codes = Counter(r.status_code for r in answers)
            assert codes == {303: 5, 503: 19}, codes
            for r in answers:
                if r.status_code == 503:
                    assert r.headers["retry-after"] == "30"
                    assert "The scanner is busy: 5 scans are waiting or running (at most 5)" in r.text
                    assert 'name="page_file"' in r.text  # the form again, with the message
            r = client.post(
                "/scans",
                data={"csrf_token": token},
                files={"page_file": ("p.html", b"<p>x</p>", "text/html")},
                headers={"Accept": "application/json"},
            )
            assert r.status_code == 503 and r.headers["retry-after"] == "30"
            assert r.json() == {
                "error": "The scanner is busy: 5 scans are waiting or running (at most 5). Try again in a minute.",
                "retry_after_s": 30,
            }
            with app.state.db() as db:
                assert db.scalar(select(func.count()).select_from(Scan)) == 5
                assert db.scalar(select(func.count()).select_from(Scan).where(Scan.status == "queued")) == 5
            gate.set()
            wait_finished(app, [scan_id_of(r) for r in answers if r.status_code == 303])
        assert submit_page(client, token).status_code == 303  # room again once the queue drained


def test_per_user_rate_limit_under_a_concurrent_burst(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path), max_queued_scans=1000, scans_per_minute=7)
    with (
        live_server(app) as base,
        httpx.Client(headers=EN, base_url=base, timeout=60) as alice,
        httpx.Client(headers=EN, base_url=base, timeout=60) as bob,
    ):
        token = login(alice, "alice")
        answers = burst(base, alice.cookies, token, 20)
        codes = Counter(r.status_code for r in answers)
        assert codes == {303: 7, 429: 13}, codes
        for r in answers:
            if r.status_code == 429:
                assert 1 <= int(r.headers["retry-after"]) <= 60
                assert "You have submitted 7 scans in the last minute, the most allowed" in r.text
        r = alice.post(
            "/scans",
            data={"csrf_token": token},
            files={"page_file": ("p.html", b"<p>x</p>", "text/html")},
            headers={"Accept": "application/json"},
        )
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
        assert r.json()["error"].startswith("You have submitted 7 scans in the last minute") and r.json()[
            "retry_after_s"
        ] == int(r.headers["retry-after"])
        # another user has a rate of their own
        bob_token = login(bob, "bob")
        assert submit_page(bob, bob_token).status_code == 303
        # a refused or invalid submission does not use up the rate: bob can still send 6 more
        assert bob.post("/scans", data={"csrf_token": bob_token}).status_code == 400
        assert Counter(submit_page(bob, bob_token).status_code for _ in range(7)) == {303: 6, 429: 1}
        with app.state.db() as db:
            by_user = dict(db.execute(select(Scan.created_by, func.count()).group_by(Scan.created_by)).all())
        assert sorted(by_user.values()) == [7, 7]


def test_limits_are_serve_options_and_refuse_nonsense() -> None:
    from typer.testing import CliRunner

    from scamscope.cli import app as cli

    help_text = CliRunner().invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--max-queued", "--scans-per-minute", "--retain-days"):
        assert option in help_text
    for args in (["--max-queued", "0"], ["--scans-per-minute", "-1"], ["--retain-days", "0"], ["--max-queued", "abc"]):
        r = CliRunner().invoke(cli, ["serve", *args])
        assert r.exit_code == 2 and "Traceback" not in r.output, args


# --- uploaded bytes, retry cap -------------------------------------------------------------------


def test_uploaded_bytes_are_dropped_when_the_scan_ends_done_or_error(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path), scan_workers=1)
    page = BENIGN_PAGE.read_bytes()
    with TestClient(app, headers=EN, follow_redirects=False) as client:
        token = login(client, "alice")
        with blocked_workers(app) as gate:
            done_id = scan_id_of(submit_page(client, token, page))
            error_id = scan_id_of(submit_page(client, token, BAD_PNG, field="screenshot", mime="image/png"))
            with app.state.db() as db:  # kept while the scan waits: a restart would run it again
                assert db.get(Scan, done_id).input_data == page  # type: ignore[union-attr]
                assert db.get(Scan, error_id).input_data == BAD_PNG  # type: ignore[union-attr]
            gate.set()
            wait_finished(app, [done_id, error_id])
    with app.state.db() as db:
        done, error = db.get(Scan, done_id), db.get(Scan, error_id)
        assert done is not None and error is not None
        assert done.status == "done" and error.status == "error" and "OCR failed" in (error.error or "")
        assert done.input_data is None and error.input_data is None
        assert (done.sha256, done.size) == (hashlib.sha256(page).hexdigest(), len(page))
        assert (error.sha256, error.size) == (hashlib.sha256(BAD_PNG).hexdigest(), len(BAD_PNG))


def test_resume_runs_a_scan_until_its_last_try_then_gives_up(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    app = make_desk(url)
    page = BENIGN_PAGE.read_bytes()
    with transaction(app.state.db) as db:  # what servers killed mid-scan leave behind
        db.add(
            Scan(
                id=1,
                kind="html",
                status="running",
                stage="analysing the page",
                input_data=page,
                size=len(page),
                sha256="x",
                attempts=MAX_ATTEMPTS,
            )
        )
        db.add(
            Scan(
                id=2,
                kind="html",
                status="running",
                stage="analysing the page",
                input_data=page,
                size=len(page),
                sha256="x",
                attempts=MAX_ATTEMPTS - 1,
            )
        )
        db.add(
            Scan(
                id=3,
                kind="html",
                status="queued",
                stage="waiting",
                input_data=page,
                size=len(page),
                sha256="x",
                attempts=0,
            )
        )
    app.state.engine.dispose()
    again = make_desk(url)
    with TestClient(again, headers=EN):
        wait_finished(again, [1, 2, 3])
    with again.state.db() as db:
        given_up, last_try, never_started = db.get(Scan, 1), db.get(Scan, 2), db.get(Scan, 3)
        assert given_up is not None and last_try is not None and never_started is not None
        assert (
            given_up.status == "error"
            and given_up.error == GAVE_UP.format(n=MAX_ATTEMPTS)
            and given_up.attempts == MAX_ATTEMPTS
        )
        assert given_up.result is None and given_up.input_data is None and given_up.finished_at is not None
        assert last_try.status == "done" and last_try.attempts == MAX_ATTEMPTS and last_try.verdict == "benign"
        assert never_started.status == "done" and never_started.attempts == 1


def _descendants(pid: int) -> set[int]:
    """Processes below ``pid`` (from /proc), so that a test can kill what its server started."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _start_serve(db: str, port: int, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "scamscope", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the server did not answer /healthz in 60 s"
        time.sleep(0.2)


def _kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and every process group below it (its browser worker has its own)."""
    groups = {proc.pid}
    for pid in _descendants(proc.pid):
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            pass
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def test_a_scan_that_kills_the_server_is_given_up_after_max_attempts(tmp_path: Path) -> None:
    """The attack: a page that takes the server down while it is scanned. Each restart ran it again,
    forever. Here a real ``scamscope serve`` is SIGKILLed while the scan runs, MAX_ATTEMPTS times."""
    db = str(tmp_path / "desk.sqlite3")
    make_desk(f"sqlite:///{db}").state.engine.dispose()
    hang = socket.socket()  # a page that never answers: the scan stays running for the whole budget
    hang.bind(("127.0.0.1", 0))
    hang.listen(64)
    target = f"http://127.0.0.1:{hang.getsockname()[1]}/warning"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            proc = _start_serve(
                db, port, tmp_path / f"server{attempt}.log", "--allow-private", "--budget", "20", "--workers", "1"
            )
            try:
                if attempt == 1:
                    with httpx.Client(headers=EN, base_url=base, timeout=30) as client:
                        token = login(client, "alice")
                        scan_id_of(client.post("/scans", data={"csrf_token": token, "url": target}))
                deadline = time.monotonic() + 60
                while True:  # running, in its browser: now the server dies
                    with sqlite3.connect(db) as conn:
                        status, attempts = conn.execute("SELECT status, attempts FROM scans WHERE id = 1").fetchone()
                    browser_up = any(
                        b"chrom" in Path(f"/proc/{p}/comm").read_bytes()
                        for p in _descendants(proc.pid)
                        if Path(f"/proc/{p}/comm").exists()
                    )
                    if status == "running" and attempts == attempt and browser_up:
                        break
                    assert time.monotonic() < deadline, (
                        f"try {attempt}: scan {status}, {attempts} tries, browser up: {browser_up}"
                    )
                    time.sleep(0.1)
            finally:
                _kill_hard(proc)
        log = tmp_path / "final.log"
        proc = _start_serve(db, port, log, "--allow-private", "--budget", "20", "--workers", "1")
        try:
            with httpx.Client(headers=EN, base_url=base, timeout=30) as client:
                login(client, "alice")
                status = client.get("/scans/1/status.json").json()
            assert status["status"] == "error" and status["error"] == GAVE_UP.format(n=MAX_ATTEMPTS)
            time.sleep(1.0)
            with sqlite3.connect(db) as conn:
                assert conn.execute("SELECT status, attempts FROM scans WHERE id = 1").fetchone() == (
                    "error",
                    MAX_ATTEMPTS,
                )  # not run again
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    finally:
        hang.close()
    # the app's own log goes to stderr, timestamped, next to uvicorn's lines
    text = log.read_text()
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} WARNING scamscope\.web\.jobs: scan 1: given up after {MAX_ATTEMPTS} tries",
        text,
        re.M,
    ), text
    assert "Application startup complete" in text and "Traceback" not in text


# --- caching, NUL characters, ids ----------------------------------------------------------------


def test_no_store_on_every_page_with_scan_results_or_personal_data(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 120), "white").save(buf, format="PNG")
    app = make_desk(sqlite_url(tmp_path))
    with TestClient(app, headers=EN, follow_redirects=False) as client:
        token = login(client, "root")
        shot_id = scan_id_of(submit_page(client, token, buf.getvalue(), field="screenshot", mime="image/png"))
        page_id = scan_id_of(submit_page(client, token, SCAM_PAGE.read_bytes()))
        wait_finished(app, [shot_id, page_id])
        r = client.post(
            "/cases",
            data={
                "csrf_token": token,
                "opened_on": "2026-11-02",
                "channel": "phone",
                "category": "called",
                "status": "open",
                "caller_name": "山田",
                "scan_id": str(page_id),
            },
        )
        case_id = scan_id_of(r)
        shot = client.get(f"/scans/{shot_id}/screenshot")
        assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
        assert shot.headers["cache-control"] == "no-store"
        for path in (f"/cases/{case_id}", f"/cases/{case_id}/edit", "/cases", f"/scans/{page_id}", f"/scans/{page_id}/status.json", "/scans",
                     "/indicators", "/indicators.csv", "/trends", "/scans/new", f"/scans/{page_id}/delete", f"/cases/{case_id}/delete"):  # fmt: skip
            r = client.get(path)
            assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path


NUL_CASE_FIELDS = {
    "opened_on": "2026-11-0\x002",
    "channel": "pho\x00ne",
    "category": "\x00called",
    "caller_name": "山\x00田",
    "caller_contact": "090\x00-1",
    "notes": "a\x00b",
    "status": "op\x00en",
}


def nul_attack(client: Any, token: str) -> None:
    """NUL characters in every field of every form: stripped, never a server error."""
    seen: list[int] = []

    def post(path: str, data: dict[str, str], **kw: Any) -> Any:
        r = client.post(path, data={"csrf_token": token, **data}, **kw)
        assert r.status_code < 500 and "Traceback" not in r.text, (path, data, r.status_code)
        seen.append(r.status_code)
        return r

    r = post("/cases", NUL_CASE_FIELDS)
    case_id = scan_id_of(r)
    page = client.get(f"/cases/{case_id}").text
    assert "山田" in page and "090-1" in page
    scan_id = scan_id_of(
        post(
            "/scans",
            {"page_url": "https://exa\x00mple.com/\x00", "case_id": f"{case_id}\x00"},
            files={"page_file": ("a\x00.html", b"<p>hi\x00</p>", "text/html")},
        )
    )
    for field in NUL_CASE_FIELDS:  # each field alone
        post(
            f"/cases/{case_id}",
            {**{k: v.replace("\x00", "") for k, v in NUL_CASE_FIELDS.items()}, field: NUL_CASE_FIELDS[field] + "\x00"},
        )
    post("/cases", {**NUL_CASE_FIELDS, "scan_id": f"\x00{scan_id}"})
    post("/cases", {**NUL_CASE_FIELDS, "scan_id": "\x00"})
    post("/scans", {"url": "http://127.0.0.1\x00/"})
    post("/scans", {"url": "\x00"})
    post("/scans", {"case_id": "\x00", "url": "x"})
    post(f"/scans/{scan_id}/link", {"case_id": f"{case_id}\x00"})
    post(f"/cases/{case_id}/scans", {"scan_id": f"{scan_id}\x00"})
    post(f"/cases/{case_id}/scans/{scan_id}/remove", {"x\x00": "\x00"})
    post("/advice/attach", {"lang": "e\x00n", "case_id": f"{case_id}\x00", "paid": "ca\x00rd", "called": "\x00yes"})
    for path in ("/indicators?q=%00", "/indicators.csv?q=a%00b", "/indicators?kind=%00", "/cases?status=%00", "/cases?category=o%00", "/scans?verdict=%00",
                 "/scans?status=%00", "/advice/result?lang=%00", "/advice/q?lang=en&step=%00", "/trends?months=%00", "/scans/new?case=%00", "/cases/new?scan=%00"):  # fmt: skip
        r = client.get(path)
        assert r.status_code < 500 and "Traceback" not in r.text, path
    assert 303 in seen


def test_nul_characters_in_every_form_field_sqlite(tmp_path: Path) -> None:
    with TestClient(make_desk(sqlite_url(tmp_path)), headers=EN, follow_redirects=False) as client:
        nul_attack(client, login(client, "alice"))
        r = client.post("/login", data={"username": "al\x00ice", "password": STRONG + "\x00", "csrf_token": "\x00"})
        assert r.status_code == 403


def test_nul_characters_in_every_form_field_postgresql(postgres: str) -> None:  # noqa: F811
    app = make_desk(postgres)
    with TestClient(app, headers=EN, follow_redirects=False) as client:
        nul_attack(client, login(client, "alice"))
    with app.state.db() as db:
        names = db.scalars(select(Case.caller_name)).all()
    assert names and set(names) == {"山田"}


OUT_OF_RANGE = ["2147483648", "99999999999999999999", str(2**63), "-1", "0", "abc"]


def out_of_range_attack(client: Any, token: str) -> None:
    case_id = scan_id_of(
        client.post(
            "/cases",
            data={
                "csrf_token": token,
                "opened_on": "2026-11-02",
                "channel": "phone",
                "category": "called",
                "status": "open",
            },
        )
    )
    scan_id = scan_id_of(submit_page(client, token))
    for bad in OUT_OF_RANGE:
        gets = [f"/scans/{bad}", f"/scans/{bad}/status.json", f"/scans/{bad}/screenshot", f"/scans/{bad}/delete", f"/cases/{bad}", f"/cases/{bad}/edit",
                f"/cases/{bad}/delete", f"/cases/{case_id}/advice/{bad}", f"/cases/{bad}/advice/1", f"/indicators/{bad}"]  # fmt: skip
        for path in gets:
            r = client.get(path)
            assert r.status_code == 404, (path, r.status_code, r.text[:300])
        posts = [(f"/scans/{bad}/link", {"case_id": str(case_id)}), (f"/scans/{bad}/delete", {}), (f"/cases/{bad}", {}), (f"/cases/{bad}/scans", {"scan_id": str(scan_id)}),
                 (f"/cases/{bad}/scans/{scan_id}/remove", {}), (f"/cases/{case_id}/scans/{bad}/remove", {}), (f"/cases/{bad}/delete", {})]  # fmt: skip
        if bad != "abc":  # ids in forms: a number no row can have
            posts += [("/scans", {"case_id": bad, "url": "https://example.com/"}), (f"/scans/{scan_id}/link", {"case_id": bad}), (f"/cases/{case_id}/scans", {"scan_id": bad}),
                      ("/cases", {"opened_on": "2026-11-02", "channel": "phone", "category": "called", "status": "open", "scan_id": bad}),
                      ("/advice/attach", {"lang": "en", "case_id": bad})]  # fmt: skip
        for path, data in posts:
            r = client.post(path, data={"csrf_token": token, **data})
            assert r.status_code == 404, (path, data, r.status_code, r.text[:300])
        r = client.get(f"/scans/{bad}/status.json")
        assert r.json() == {"error": "There is no such page."} or r.json()["error"].startswith("There is no scan")
        assert client.get("/scans/new", params={"case": bad}).status_code in (400, 404)


def test_ids_out_of_range_are_404_everywhere_sqlite(tmp_path: Path) -> None:
    with TestClient(make_desk(sqlite_url(tmp_path)), headers=EN, follow_redirects=False) as client:
        out_of_range_attack(client, login(client, "root"))


def test_ids_out_of_range_are_404_everywhere_postgresql(postgres: str) -> None:  # noqa: F811
    with TestClient(make_desk(postgres), headers=EN, follow_redirects=False) as client:
        out_of_range_attack(client, login(client, "root"))


# --- crafted host names --------------------------------------------------------------------------

CRAFTED_URLS = [
    "http://1.2.3.999/", "http://127.1/", "http://0x7f.0.0.1/", "http://1.2.3.4.5/", "http://localhost/", "http://com/",
    "http://" + "a" * 64 + ".example.com/", "http://" + "b" * 64 + ".com/", "http://xn--zz.com/", "http://-bad.com/", "http://a..example.com/",
    "http://ex ample.com/", "http://exa%00mple.com/", "http://evil.com%2f@x/", "http://a\u200bb.example.com/", "http://\u2603.com/", "http://a_b.com/",
    "http://" + ".".join(["a"] * 130) + ".com/",
]  # fmt: skip


def test_crafted_host_names_never_become_indicators(tmp_path: Path) -> None:
    from scamscope.web.indicators import index_scan

    app = make_desk(sqlite_url(tmp_path))
    with TestClient(app, headers=EN, follow_redirects=False) as client:
        token = login(client, "alice")
        ids = []
        for url in CRAFTED_URLS:
            r = submit_page(client, token, SCAM_PAGE.read_bytes(), page_url=url)
            if r.status_code == 303:  # some are refused as page addresses already
                ids.append(scan_id_of(r))
            else:
                assert r.status_code == 400 and "page address" in r.text, url
        assert len(ids) >= 10
        wait_finished(app, ids)
        # a live result can name any URL in its final address and redirect chain
        with transaction(app.state.db) as db:
            scan = Scan(kind="url", target="http://www.Example.CO.JP./x", status="done")
            db.add(scan)
            db.flush()
            live = {
                "final_url": "http://[::1]:8080/",
                "redirects": [{"url": u} for u in CRAFTED_URLS]
                + [{"url": "http://sub.例え.jp/"}, {"url": "http://my_site.weebly.com/"}, {"url": 7}],
            }
            index_scan(db, scan, {"url": "http://93.184.216.34/", "live": live, "phones": []})
    with app.state.db() as db:
        domains = set(db.scalars(select(Indicator.value).where(Indicator.kind == "domain")))
    assert domains == {"example.co.jp", "::1", "93.184.216.34", "xn--r8jz45g.jp", "weebly.com"}, domains


# --- the server log ------------------------------------------------------------------------------


def test_a_database_error_never_logs_the_callers_data_postgresql(postgres: str, tmp_path: Path) -> None:  # noqa: F811
    """A real ``scamscope serve`` on PostgreSQL; the database refuses the new case (a CHECK constraint
    added behind the app's back). Its message quotes the failing row ("DETAIL: Failing row
    contains ..."), and SQLAlchemy would add the bound parameters: neither may reach the log."""
    from sqlalchemy import create_engine, text

    make_desk(postgres).state.engine.dispose()
    engine = create_engine(postgres)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE cases ADD CONSTRAINT refuse_all CHECK (length(caller_name) < 0) NOT VALID"))
    engine.dispose()
    port = free_port()
    log = tmp_path / "server.log"
    proc = _start_serve(postgres, port, log)
    name, contact, notes = "漏洩太郎", "leak-contact-5551234", "leak-notes-secret-7788"
    try:
        with httpx.Client(headers=EN, base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            token = login(client, "alice")
            data = {
                "csrf_token": token,
                "opened_on": "2026-11-02",
                "channel": "phone",
                "category": "paid",
                "status": "open",
                "caller_name": name,
                "caller_contact": contact,
                "notes": notes,
            }
            r = client.post("/cases", data=data)
            assert r.status_code == 500 and "Something went wrong on the server" in r.text
            assert name not in r.text and "Failing row" not in r.text and "Traceback" not in r.text
            ref = re.search(r"reference ([0-9a-f]{8})", r.text).group(1)  # type: ignore[union-attr]
            r = client.post("/cases", data=data, headers={"Accept": "application/json"})
            assert r.status_code == 500 and r.json()["error"].startswith("Something went wrong")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    text_log = log.read_text()
    assert (
        f"unhandled error {ref} on POST /cases: database error CheckViolation; sqlstate 23514; table cases; constraint refuse_all"
        in text_log
    ), text_log
    for secret in (name, contact, notes, "Failing row", "[parameters:", "parameters hidden"):
        assert secret not in text_log, secret
    assert "Exception in ASGI application" not in text_log  # uvicorn never got the exception to print whole


def test_serve_logs_the_app_to_stderr_with_timestamps(tmp_path: Path) -> None:
    """`scamscope serve` gives the ``scamscope`` logger a stderr handler; uvicorn keeps its own."""
    db = str(tmp_path / "desk.sqlite3")
    app = make_desk(f"sqlite:///{db}")
    with transaction(app.state.db) as session:
        session.add(Scan(kind="html", status="queued", input_data=b"<p>hello</p>", size=12, sha256="x"))
    app.state.engine.dispose()
    log = tmp_path / "server.log"
    proc = _start_serve(db, free_port(), log)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    text = log.read_text()
    assert re.search(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO scamscope\.web: queued 1 unfinished scan\(s\) again$", text, re.M
    ), text
    assert re.search(r"^INFO: +Application startup complete", text, re.M), text  # uvicorn's format, untouched


def test_the_engine_hides_sql_parameters_in_its_errors(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from scamscope.web.db import error_summary, make_engine

    engine = make_engine(sqlite_url(tmp_path))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-marker"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-marker"})
    assert "secret-marker" not in str(caught.value) and "SQL parameters hidden" in str(caught.value)
    assert error_summary(caught.value) == "database error IntegrityError; in: INSERT INTO t VALUES (?)"
    assert error_summary(ValueError("x")) is None
    engine.dispose()
