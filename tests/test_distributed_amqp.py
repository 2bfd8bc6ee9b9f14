"""Distributed scanning (issue 12) on RabbitMQ: a real rabbitmq-server (its own epmd, loopback
ports, a temp database), a real redis-server for results and attempt counters ($SCAMSCOPE_REDIS),
two real `scamscope worker` processes and pages served on loopback. A batch over amqp://, a worker
SIGKILLed mid-page (RabbitMQ hands its page to the other worker at once: no visibility timeout),
a RabbitMQ restart mid-batch, `scamscope workers`, and Flower watching the same workers unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scamscope.distributed.app import LEASE_S
from tests.desk_server import free_port
from tests.rabbitmq_support import RabbitServer, rabbitmq_installed
from tests.redis_support import BENIGN, CLI, SCAM, HostilePages, RedisServer, Workers, input_list, scan_cli

ROOT = Path(__file__).resolve().parent.parent
WORKER_ARGS = ("--jobs", "1", "--budget", "20", "--timeout", "10", "--allow-private")
NAMES = {"w1@test", "w2@test"}


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitServer]:
    assert rabbitmq_installed(), "rabbitmq-server is missing: run scripts/setup.sh (Debian package rabbitmq-server)"
    server = RabbitServer(tmp_path_factory.mktemp("rabbit"))
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The Redis of results and attempt counters; every process of this module gets it through $SCAMSCOPE_REDIS."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    before = os.environ.get("SCAMSCOPE_REDIS")
    os.environ["SCAMSCOPE_REDIS"] = server.url
    try:
        yield server
    finally:
        if before is None:
            os.environ.pop("SCAMSCOPE_REDIS", None)
        else:
            os.environ["SCAMSCOPE_REDIS"] = before
        server.stop()


@pytest.fixture(scope="module")
def workers(rabbit: RabbitServer, store: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    pool = Workers(rabbit.url, tmp_path_factory.mktemp("workers"), 2, *WORKER_ARGS)
    try:
        pool.wait_ready()
        yield pool
    finally:
        pool.stop()


@pytest.fixture(scope="module")
def pages(workers: Workers) -> Iterator[HostilePages]:
    served = HostilePages({"scam": SCAM, "benign": BENIGN}, workers.pids)
    try:
        yield served
    finally:
        served.close()


def scan(*args: str, timeout: float = 120) -> tuple[int, list[dict[str, Any]], str]:
    return scan_cli(*args, timeout=timeout)


def test_a_batch_over_amqp_gives_every_input_once_in_order(workers: Workers, rabbit: RabbitServer, pages: HostilePages, tmp_path: Path) -> None:
    base = pages.base
    names = [f"{base}/benign?n=0", f"{base}/scam?n=1", str(ROOT / "examples" / "fake-warning-ja.html"), f"{base}/benign?n=3", f"{base}/scam?n=4"]
    code, results, err = scan("-i", input_list(tmp_path, names), "--allow-host", pages.origin, "--broker", rabbit.url)
    assert [r["input"] for r in results] == names, err
    assert [r["verdict"] for r in results] == ["benign", "scam", "scam", "benign", "scam"], [r["error"] for r in results]
    assert not any(r["error"] for r in results)
    assert code == 1
    assert all(pages.requests[n.removeprefix(base)] == 1 for n in names if n.startswith("http")), pages.requests  # each page captured once
    listed = subprocess.run([*CLI, "workers", "--broker", rabbit.url, "--json"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    info = {w["name"]: w for w in json.loads(listed.stdout)}
    assert set(info) == NAMES
    assert all(w["ok"] and w["pid"] in workers.pids() and w["jobs"] == 1 for w in info.values())
    assert sum(w["pages_done"] for w in info.values()) >= len(names)
    wrong = subprocess.run([*CLI, "workers", "--broker", f"amqp://guest:guest@127.0.0.1:{free_port()}//"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "cannot reach the broker" in wrong.stderr and "Traceback" not in wrong.stderr


def test_a_worker_killed_mid_page_gives_it_to_the_other_at_once(workers: Workers, rabbit: RabbitServer, pages: HostilePages, tmp_path: Path) -> None:
    base = pages.base
    # the page that kills has no resources of its own (the scam example loads alarm.mp3, which would be /kill/1/alarm.mp3)
    names = [f"{base}/benign?k=0", f"{base}/kill/1/benign", f"{base}/scam?k=2", f"{base}/slow/benign?k=3", f"{base}/benign?k=4"]
    code, results, err = scan("-i", input_list(tmp_path, names), "--allow-host", pages.origin, "--broker", rabbit.url)
    assert pages.kills == {"benign": 1}, "the worker holding the page was not killed"
    assert [r["input"] for r in results] == names, err
    assert [r["verdict"] for r in results] == ["benign", "benign", "scam", "benign", "benign"], [r["error"] for r in results]
    assert code == 1
    (killed_at, killed), *later = pages.askers["benign"]
    again = [(t, pid) for t, pid in later if pid not in (None, killed)]  # (the dying worker's browser may retry once)
    assert killed is not None and again, pages.askers
    # no visibility timeout on RabbitMQ: the page came back as soon as the dead worker's connection
    # dropped, and another worker captured it
    assert again[0][0] - killed_at < LEASE_S, f"redelivered after {again[0][0] - killed_at:.1f} s"  # on Redis: >= LEASE_S
    assert len(again) == 1, "the page was captured again after its result was in"
    print(f"killed worker's page captured again by another worker {again[0][0] - killed_at:.1f} s after the kill")
    workers.wait_ready()  # the supervisor restarted the killed worker
    time.sleep(1)
    assert workers.leftovers() == [], "a killed worker left processes behind"


def test_a_rabbitmq_restart_mid_batch_is_survived(workers: Workers, rabbit: RabbitServer, pages: HostilePages, tmp_path: Path) -> None:
    base = pages.base
    names = [f"{base}/slow/{kind}?r={i}" for i, kind in enumerate(["scam", "benign"] * 3)]
    out = tmp_path / "out.jsonl"
    with out.open("w") as fh:
        producer = subprocess.Popen([*CLI, "scan", "--json", "--budget", "8", "--timeout", "8", "-i", input_list(tmp_path, names),
                                     "--allow-host", pages.origin, "--broker", rabbit.url], stdout=fh, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not out.read_text().strip():  # the batch is under way; the rest waits in the queue or in the workers
            assert time.monotonic() < deadline and producer.poll() is None
            time.sleep(0.1)
        down = time.monotonic()
        assert len(out.read_text().splitlines()) < len(names) - 2  # pages are still to come
        rabbit.stop()
        time.sleep(2)
        rabbit.start()
        back = time.monotonic()
        _, err = producer.communicate(timeout=120)
        finished = time.monotonic()
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["input"] for r in results] == names, err
    assert [r["verdict"] for r in results] == ["scam", "benign"] * 3, [r["error"] for r in results]
    assert producer.returncode == 1
    assert all(w.poll() is None for w in workers.procs.values()), "a worker died with the broker"
    print(f"RabbitMQ down {back - down:.1f} s; the batch finished {finished - back:.1f} s after it was back")
    code, after, err = scan(f"{base}/scam?after=restart", "--allow-host", pages.origin, "--broker", rabbit.url)  # the workers consume again
    assert code == 1 and after[0]["verdict"] == "scam", err


def test_flower_sees_the_workers_and_their_tasks(workers: Workers, rabbit: RabbitServer, pages: HostilePages, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "flower.log").open("wb")
    flower = subprocess.Popen([sys.executable, "-m", "celery", "--broker", rabbit.url, "flower", f"--port={port}", "--address=127.0.0.1",
                               "--basic_auth=desk:flower-test-pw"], stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=("desk", "flower-test-pw"), timeout=10) as client:
            deadline = time.monotonic() + 60
            seen: dict[str, Any] = {}
            while set(seen) != NAMES:  # Flower asks the workers (the same remote control `scamscope workers` uses)
                assert flower.poll() is None and time.monotonic() < deadline, (tmp_path / "flower.log").read_text()[-3000:]
                try:
                    r = client.get("/api/workers", params={"refresh": "1"})
                    seen = r.json() if r.status_code == 200 else {}
                except httpx.HTTPError:
                    seen = {}
                time.sleep(0.5)
            assert all(seen[n]["stats"]["pool"]["max-concurrency"] == 1 for n in NAMES), seen
            assert client.get("/api/workers", auth=None).status_code == 401  # the API is not open to anyone
            time.sleep(1)  # Flower's event receiver is connected
            code, results, err = scan(f"{pages.base}/scam?flower=1", "--allow-host", pages.origin, "--broker", rabbit.url)
            assert code == 1 and results[0]["verdict"] == "scam", err
            mine: list[dict[str, Any]] = []
            while not any(t.get("state") == "SUCCESS" for t in mine):  # the task events our workers send
                assert time.monotonic() < deadline + 30, mine
                tasks = client.get("/api/tasks").json()
                mine = [t for t in tasks.values() if t.get("name") == "scamscope.scan"]
                time.sleep(0.5)
            done = [t for t in mine if t.get("state") == "SUCCESS"]
            assert len(done) == 1 and done[0]["worker"] in NAMES and "flower=1" in str(done[0]["args"]), done
    finally:
        flower.terminate()
        try:
            flower.wait(15)
        except subprocess.TimeoutExpired:
            flower.kill()
            flower.wait(5)
