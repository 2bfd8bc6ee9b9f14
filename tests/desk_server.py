"""A real `scamscope serve` on 127.0.0.1 for tests: accounts made with `scamscope user add`, a
temporary SQLite file, the server's output kept in a file the tests read."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD_CHECK = "password check for account"  # the line the server logs per Argon2 verification
CLI = [sys.executable, "-m", "scamscope"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`scamscope ARGS` as a subprocess."""
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, timeout=120, env=env)


def add_user(db: Path, name: str, password: str, role: str | None = None) -> None:
    done = cli("user", "add", name, "--db", str(db), "--password-stdin", *(["--role", role] if role else []), stdin=password + "\n")
    assert done.returncode == 0, done.stderr


@dataclass
class Desk:
    proc: subprocess.Popen[bytes]
    base: str
    db: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def password_checks(self) -> int:
        return self.output().count(PASSWORD_CHECK)

    def stop(self) -> str:
        """Stop the server (SIGTERM, as an operator would) and return its output."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.output()


def start_desk(tmp: Path, *serve_args: str, env: dict[str, str] | None = None) -> Desk:
    """`scamscope serve` on a free loopback port with the SQLite file tmp/desk.sqlite3; waits for /healthz."""
    db = tmp / "desk.sqlite3"
    port = free_port()
    log = tmp / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*CLI, "serve", "--host", HOST, "--port", str(port), "--db", str(db), *serve_args], stdout=out, stderr=subprocess.STDOUT, cwd=tmp, env=env or dict(os.environ))
    desk = Desk(proc, f"http://{HOST}:{port}", db, log)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, desk.output()
        try:
            if httpx.get(f"{desk.base}/healthz", timeout=2).status_code == 200:
                return desk
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not answer /healthz in 60 s:\n" + desk.output()
        time.sleep(0.2)


def login_form(client: httpx.Client) -> str:
    """GET /login: sets the login CSRF cookie on the client; returns the form's token."""
    match = CSRF.search(client.get("/login").text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def log_in(client: httpx.Client, name: str, password: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post("/login", data={"username": name, "password": password, "csrf_token": login_form(client)}, headers=headers or {})


def session_csrf(client: httpx.Client) -> str:
    """The logged-in session's CSRF token (from a page with a form)."""
    match = CSRF.search(client.get("/cases/new").text)
    assert match, "not logged in"
    return match.group(1)


def guess_until_answered(base: str, token: str, name: str, password: str, headers: dict[str, str], *, max_tries: int, timeout: float) -> tuple[int, int]:
    """POST one login guess, sent again while the server answers 503 "busy" (as an attacker would);
    returns the final status and how many times it was sent."""
    tries = 0
    while True:
        tries += 1
        r = httpx.post(
            f"{base}/login",
            data={"username": name, "password": password, "csrf_token": token},
            headers={"Cookie": f"scamscope_login_csrf={token}", **headers},
            timeout=timeout,
        )
        if r.status_code != 503 or tries >= max_tries:
            return r.status_code, tries
        time.sleep(0.05)


WATCHER = """
import json, sys, time
from pathlib import Path
import httpx
base, stop = sys.argv[1], Path(sys.argv[2])
with httpx.Client(base_url=base, timeout=120) as c:
    while not stop.exists():
        t0 = time.perf_counter()
        status = c.get('/healthz').status_code
        print(json.dumps([status, time.perf_counter() - t0]), flush=True)
        time.sleep(0.02)
"""


class HealthWatcher:
    """Polls /healthz from a process of its own (so the test's client threads do not slow it down)."""

    def __init__(self, base: str, tmp: Path) -> None:
        self.stop_file = tmp / f"stop-watch-{time.monotonic_ns()}"
        self.proc = subprocess.Popen([sys.executable, "-c", WATCHER, base, str(self.stop_file)], stdout=subprocess.PIPE, text=True)

    def results(self) -> list[tuple[int, float]]:
        """Stop polling; (status, seconds) per request."""
        import json

        self.stop_file.touch()
        out, _ = self.proc.communicate(timeout=120)
        return [tuple(json.loads(line)) for line in out.splitlines() if line.strip()]  # type: ignore[misc]
