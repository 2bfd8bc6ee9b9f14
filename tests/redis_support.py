"""Test helpers for distributed scanning: a real redis-server on a free loopback port (append-only
files in a temp folder, restartable), real `scamscope worker` processes under a supervisor that
restarts the ones that die, and a loopback HTTP server whose hostile pages stall or SIGKILL the
worker whose browser asked for them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import redis

from tests.desk_server import free_port

REDIS_SERVER = "/usr/bin/redis-server"
CLI = [sys.executable, "-m", "scamscope"]
ROOT = Path(__file__).resolve().parent.parent
SCAM = (ROOT / "examples" / "fake-warning-ja.html").read_bytes()
BENIGN = (ROOT / "examples" / "ordinary-ja.html").read_bytes()


def scan_cli(*args: str, timeout: float) -> tuple[int, list[dict[str, Any]], str]:
    """``scamscope scan --json`` with the tests' budgets: exit status, JSON lines, stderr."""
    done = subprocess.run([*CLI, "scan", "--json", "--budget", "8", "--timeout", "8", *args], capture_output=True, text=True, timeout=timeout)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def input_list(tmp: Path, names: list[str]) -> str:
    """An --input-list file naming ``names``, one per line."""
    path = tmp / "inputs.txt"
    path.write_text("\n".join(names) + "\n")
    return str(path)


class RedisServer:
    """``redis-server --appendonly yes`` on 127.0.0.1:PORT with its files in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder), "--appendonly", "yes",
             "--save", "", "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            assert self.proc.poll() is None, (self.folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        """As an operator stops it (SIGTERM: the append-only file is flushed)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.proc = None


class Workers:
    """`scamscope worker` processes, each restarted by a supervisor thread when it dies."""

    def __init__(self, broker: str, folder: Path, count: int, *args: str) -> None:
        self.broker, self.folder, self.args = broker, folder, args
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started: dict[str, int] = {}  # starts per name
        self.family: dict[int, float] = {}  # every worker process and descendant seen (pid -> create time), for the clean-up
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        for i in range(count):
            self._start(f"w{i + 1}@test")
        self.thread = threading.Thread(target=self._supervise, daemon=True)
        self.thread.start()

    def _start(self, name: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        proc = subprocess.Popen([*CLI, "worker", "--broker", self.broker, "--name", name, *self.args], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        with self.lock:
            self.procs[name] = proc
            self.started[name] = self.started.get(name, 0) + 1

    def _supervise(self) -> None:
        while not self.stopping.wait(0.2):
            for name, proc in list(self.procs.items()):
                if proc.poll() is not None and not self.stopping.is_set():
                    self._start(name)
                    continue
                try:
                    root = psutil.Process(proc.pid)
                    for p in [root, *root.children(recursive=True)]:
                        self.family[p.pid] = p.create_time()
                except psutil.Error:
                    pass

    def pids(self) -> set[int]:
        with self.lock:
            return {p.pid for p in self.procs.values()}

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for name in self.procs:
            while self.log(name).count("scamscope worker ready") < self.started[name]:
                assert time.monotonic() < deadline, f"worker {name} not ready:\n{self.log(name)[-3000:]}"
                time.sleep(0.2)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pid, created in self.family.items():  # browsers and analysis processes of workers killed in the tests
            try:
                p = psutil.Process(pid)
                if p.create_time() == created:
                    p.kill()
            except psutil.Error:
                pass

    def leftovers(self) -> list[str]:
        """Descendants of dead workers still running (what a SIGKILLed worker left behind)."""
        alive = self.pids()
        out = []
        for pid, created in self.family.items():
            try:
                p = psutil.Process(pid)
                if p.create_time() == created and pid not in alive and not any(a.pid in alive for a in p.parents()) and p.status() != "zombie":
                    out.append(f"{pid} {' '.join(p.cmdline())[:120]}")
            except psutil.Error:
                pass
        return out


def requesting_worker(client: tuple[str, int], workers: set[int]) -> int | None:
    """The `scamscope worker` process whose browser opened the connection from ``client``."""
    for conn in psutil.net_connections(kind="tcp4"):
        if conn.laddr and (conn.laddr.ip, conn.laddr.port) == client and conn.pid:
            proc: psutil.Process | None = psutil.Process(conn.pid)
            while proc is not None:
                if proc.pid in workers:
                    return proc.pid
                proc = proc.parent()
    return None


class HostilePages:
    """Pages on 127.0.0.1: ``static`` ones, ``/slow/NAME`` (answers NAME after ``delay`` s; ``/slowN/NAME``
    after N s), and
    ``/kill/N/NAME``: the first N requests SIGKILL the worker whose browser asked, later ones get NAME."""

    def __init__(self, static: Mapping[str, bytes], workers: Callable[[], set[int]], delay: float = 2.0) -> None:
        self.static, self.workers, self.delay = static, workers, delay
        self.kills: dict[str, int] = {}
        self.requests: dict[str, int] = {}  # path (with query) -> requests
        self.askers: dict[str, list[tuple[float, int | None]]] = {}  # /kill/N/NAME: NAME -> (time, worker pid) of each request
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with outer.lock:
                    outer.requests[self.path] = outer.requests.get(self.path, 0) + 1
                parts = self.path.split("?", 1)[0].strip("/").split("/")
                if parts[0].startswith("slow"):
                    time.sleep(float(parts[0][4:] or outer.delay))
                    parts = parts[1:]
                elif parts[0] == "kill":
                    times, parts = int(parts[1]), parts[2:]
                    key = "/".join(parts)
                    asker = requesting_worker(self.client_address, outer.workers())
                    with outer.lock:
                        due = outer.kills.get(key, 0) < times
                        outer.askers.setdefault(key, []).append((time.monotonic(), asker))
                    if due:
                        time.sleep(0.5)  # the worker is mid-page
                        pid = requesting_worker(self.client_address, outer.workers())
                        if pid is not None:
                            with outer.lock:
                                outer.kills[key] = outer.kills.get(key, 0) + 1
                            os.kill(pid, signal.SIGKILL)
                        self.close_connection = True
                        return
                body = outer.static.get("/".join(parts))
                if body is None:
                    self.send_response(404)
                    body = b"not found"
                else:
                    self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.origin = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
