"""Distributed scanning (issue 12) with a real redis-server, real `scamscope worker` processes
(headless Chromium each) and pages served on loopback: input order, verdicts equal to a local run,
a worker SIGKILLed mid-page, a poison page that kills every worker that opens it, a Redis restart
mid-batch, the desk with --broker, and `scamscope workers`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from scamscope.distributed.app import LEASE_S, MAX_ATTEMPTS
from tests.conftest import CORPUS, require_shared, serve_pages
from tests.desk_server import add_user, log_in, session_csrf, start_desk
from tests.redis_support import BENIGN, CLI, SCAM, HostilePages, RedisServer, Workers, input_list, scan_cli

ROOT = Path(__file__).resolve().parent.parent
WORKER_ARGS = ("--jobs", "2", "--budget", "20", "--timeout", "10", "--allow-private")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def workers(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    pool = Workers(redis_server.url, tmp_path_factory.mktemp("workers"), 2, *WORKER_ARGS)
    try:
        pool.wait_ready()
        yield pool
    finally:
        pool.stop()


@pytest.fixture(scope="module")
def hostile(workers: Workers) -> Iterator[HostilePages]:
    pages = HostilePages({"scam": SCAM, "benign": BENIGN}, workers.pids)
    try:
        yield pages
    finally:
        pages.close()


def scan(*args: str, timeout: float = 240) -> tuple[int, list[dict[str, Any]], str]:
    return scan_cli(*args, timeout=timeout)


def test_two_workers_give_the_local_results_in_input_order(workers: Workers, redis_server: RedisServer, tmp_path: Path) -> None:
    scam1 = require_shared(CORPUS / "scam" / "101_jp-ikukorokuta-gpdalware-helpdesk-0101-213.php.html")
    scam2 = CORPUS / "scam" / "102_jp-ikukorokuta-xpdalware-stripchatjp-close-site-0101-888.php.html"
    benign1 = CORPUS / "benign" / "101_ja-hypercore-tokutei.html"
    benign2 = CORPUS / "benign" / "109_ja-chofu-hospital-access.html"
    html = {"Content-Type": "text/html; charset=utf-8"}
    pages = {f"/{n}": (200, html, p.read_bytes()) for n, p in (("s1", scam1), ("s2", scam2), ("b1", benign1), ("b2", benign2))}
    pages["/s3"] = (200, html, SCAM)
    pages["/b3"] = (200, html, BENIGN)
    with serve_pages(pages) as base:
        origin = base.removeprefix("http://")
        names = [f"{base}/b1", f"{base}/s1", str(scam2), f"{base}/b2", f"{base}/s3", str(ROOT / "examples" / "ordinary-ja.html"), f"{base}/b3", f"{base}/s2"]
        listing = input_list(tmp_path, names)
        started = time.monotonic()
        code, remote, err = scan("-i", listing, "--allow-host", origin, "--broker", redis_server.url, "--save", str(tmp_path / "saved"))
        remote_s = time.monotonic() - started
        local_code, local, _ = scan("-i", listing, "--allow-host", origin, "--jobs", "2")
    assert [r["input"] for r in remote] == names, err
    assert [r["verdict"] for r in remote] == [r["verdict"] for r in local], [(r["error"], loc["error"]) for r, loc in zip(remote, local, strict=False)]
    assert {r["verdict"] for r in remote} == {"scam", "benign"} and not any(r["error"] for r in remote)
    assert code == local_code == 1
    for r, loc in zip(remote, local, strict=True):  # the same shape as a local run: the same keys, scanned_at included
        assert set(r) == set(loc) and r["scanned_at"].endswith("Z")
        if not r["input"].startswith("http"):  # files: the very same result (a live page's timing varies from run to run)
            assert {**r, "scanned_at": None} == {**loc, "scanned_at": None}
    assert remote[0]["live"]["final_url"] == f"{base}/b1"
    folders = sorted((tmp_path / "saved").iterdir())  # --save: what the workers saved, written here as a local run does
    assert [f.name[:4] for f in folders] == [f"{i:04d}" for i in range(1, 9)]
    shots = sorted(folders[1].glob("screenshot-*.png"))  # before, and after unless the page stopped that
    assert shots and all(p.read_bytes().startswith(b"\x89PNG") for p in shots) and (folders[1] / "dom.html").is_file()
    assert json.loads((folders[1] / "verdict.json").read_text())["input"] == names[1]
    assert [p.name for p in folders[2].iterdir()] == ["verdict.json"]  # a file: its verdict only
    print(f"remote batch of {len(names)} in {remote_s:.1f} s")


def test_workers_lists_the_two_workers_with_their_load(workers: Workers, redis_server: RedisServer, hostile: HostilePages, tmp_path: Path) -> None:
    long_page = f"/slow{LEASE_S + 3:g}/benign"  # takes longer than the visibility timeout: its worker renews its lease
    producer = subprocess.Popen([*CLI, "scan", "--json", "--budget", "19", f"{hostile.base}{long_page}", "--allow-host", hostile.origin,
                                 "--broker", redis_server.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    done = subprocess.run([*CLI, "workers", "--broker", redis_server.url, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = {w["name"]: w for w in json.loads(done.stdout)}
    assert set(listed) == {"w1@test", "w2@test"}
    for w in listed.values():
        assert w["ok"] and w["jobs"] == 2 and w["pid"] in workers.pids() and w["max_budget_s"] == 20.0 and w["browser_pid"]
    assert sorted(w["active"] for w in listed.values()) == [0, 1]  # the long page, on one of them
    out, err = producer.communicate(timeout=120)
    assert producer.returncode == 0 and json.loads(out)["verdict"] == "benign", err
    assert hostile.requests[long_page] == 1, "a page that outlasted the visibility timeout was handed out again while its worker lived"
    table = subprocess.run([*CLI, "workers", "--broker", redis_server.url], capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "w1@test" in table.stdout and "w2@test" in table.stdout
    nobody = subprocess.run([*CLI, "workers", "--broker", "redis://127.0.0.1:1/0"], capture_output=True, text=True, timeout=60)
    assert nobody.returncode == 2 and "cannot reach the broker" in nobody.stderr and "Traceback" not in nobody.stderr


def test_a_worker_killed_mid_page_loses_nothing(workers: Workers, redis_server: RedisServer, hostile: HostilePages, tmp_path: Path) -> None:
    base = hostile.base
    names = [f"{base}/benign", f"{base}/kill/1/scam", f"{base}/slow/benign", f"{base}/scam", f"{base}/slow/scam", f"{base}/benign?x=2"]
    code, results, err = scan("-i", input_list(tmp_path, names), "--allow-host", hostile.origin, "--broker", redis_server.url)
    assert hostile.kills.get("scam") == 1, "the worker holding the page was not killed"
    assert [r["input"] for r in results] == names, err
    assert [r["verdict"] for r in results] == ["benign", "scam", "benign", "scam", "scam", "benign"], [r["error"] for r in results]
    assert code == 1
    workers.wait_ready()  # the supervisor restarted the killed worker
    time.sleep(1)
    assert workers.leftovers() == [], "a killed worker left processes behind"


def test_a_poison_page_is_an_error_after_k_attempts(workers: Workers, redis_server: RedisServer, hostile: HostilePages, tmp_path: Path) -> None:
    base = hostile.base
    names = [f"{base}/benign", f"{base}/kill/99/poison", f"{base}/scam"]
    code, results, err = scan("-i", input_list(tmp_path, names), "--allow-host", hostile.origin, "--broker", redis_server.url)
    assert [r["input"] for r in results] == names, err
    assert hostile.kills.get("poison") == MAX_ATTEMPTS  # each attempt killed a worker; no attempt after the K-th
    assert results[1]["verdict"] is None and f"gave up after {MAX_ATTEMPTS} attempts" in results[1]["error"]
    assert [results[0]["verdict"], results[2]["verdict"]] == ["benign", "scam"]
    assert code == 2
    workers.wait_ready()


def test_a_redis_restart_mid_batch_is_survived(workers: Workers, redis_server: RedisServer, hostile: HostilePages, tmp_path: Path) -> None:
    base = hostile.base
    names = [f"{base}/slow/{kind}?n={i}" for i, kind in enumerate(["scam", "benign"] * 4)]
    out = tmp_path / "out.jsonl"
    with out.open("w") as fh:
        producer = subprocess.Popen([*CLI, "scan", "--json", "--budget", "8", "--timeout", "8", "-i", input_list(tmp_path, names),
                                     "--allow-host", hostile.origin, "--broker", redis_server.url], stdout=fh, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not out.read_text().strip():  # the batch is under way
            assert time.monotonic() < deadline and producer.poll() is None
            time.sleep(0.1)
        redis_server.stop()
        time.sleep(3)
        redis_server.start()
        _, err = producer.communicate(timeout=180)
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["input"] for r in results] == names, err
    assert [r["verdict"] for r in results] == ["scam", "benign"] * 4, [r["error"] for r in results]
    assert producer.returncode == 1
    assert all(w.poll() is None for w in workers.procs.values())  # the workers reconnected, none died


def test_the_desk_sends_its_scans_to_the_workers(workers: Workers, redis_server: RedisServer, hostile: HostilePages, tmp_path: Path) -> None:
    add_user(tmp_path / "desk.sqlite3", "alice", PASSWORD)
    before = json.loads(subprocess.run([*CLI, "workers", "--broker", redis_server.url, "--json"], capture_output=True, text=True, timeout=60).stdout)
    done_before = sum(w["pages_done"] for w in before)
    # first on a broker no worker listens to (another database): the scan waits; a stop leaves it for the next start
    idle = start_desk(tmp_path, "--broker", redis_server.url.removesuffix("/0") + "/1", "--allow-private", "--budget", "8")
    with httpx.Client(base_url=idle.base, timeout=30, headers={"Accept-Language": "en"}) as client:
        assert log_in(client, "alice", PASSWORD).status_code == 303
        r = client.post("/scans", data={"csrf_token": session_csrf(client), "url": f"{hostile.base}/scam"})
        assert r.status_code == 303, r.text
        scan_id = int(r.headers["location"].rsplit("/", 1)[1])
        time.sleep(1)
        assert not client.get(f"/scans/{scan_id}/status.json").json()["done"]
    started = time.monotonic()
    idle.stop()
    assert time.monotonic() - started < 10 and idle.proc.returncode is not None  # waiting for a worker does not hold up a stop
    desk = start_desk(tmp_path, "--broker", redis_server.url, "--allow-private", "--budget", "8")
    try:
        with httpx.Client(base_url=desk.base, timeout=30, headers={"Accept-Language": "en"}) as client:
            assert log_in(client, "alice", PASSWORD).status_code == 303
            deadline = time.monotonic() + 90
            while not (status := client.get(f"/scans/{scan_id}/status.json").json())["done"]:
                assert time.monotonic() < deadline, status
                time.sleep(0.3)
            assert status["verdict"] == "scam", status
            shot = client.get(f"/scans/{scan_id}/screenshot")
            assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")  # the worker's screenshot came back
        # no browser of its own: an embedded desk keeps its Chromium warm until it stops
        assert not [p for p in psutil.Process(desk.proc.pid).children(recursive=True) if "chrom" in p.name()]
    finally:
        log = desk.stop()
    after = json.loads(subprocess.run([*CLI, "workers", "--broker", redis_server.url, "--json"], capture_output=True, text=True, timeout=60).stdout)
    assert sum(w["pages_done"] for w in after) == done_before + 1, log[-2000:]  # a worker scanned it
    assert "Traceback" not in log


def test_save_warc_with_the_broker_writes_the_workers_captures_here(workers: Workers, redis_server: RedisServer, tmp_path: Path) -> None:
    """--save-warc travels with the tasks: each URL's WARC comes back from the worker that captured it
    and is written under the name a local run gives it; a file input gets none, as locally."""
    from warcio.archiveiterator import ArchiveIterator

    html = {"Content-Type": "text/html; charset=utf-8"}
    pages = {"/scam": (200, html, SCAM), "/benign": (200, html, BENIGN)}
    with serve_pages(pages) as base:
        origin = base.removeprefix("http://")
        names = [f"{base}/scam", str(ROOT / "examples" / "ordinary-ja.html"), f"{base}/benign"]
        code, rows, err = scan("-i", input_list(tmp_path, names), "--allow-host", origin, "--broker", redis_server.url,
                               "--save-warc", str(tmp_path / "warc"))
    assert code == 1 and [r["verdict"] for r in rows] == ["scam", "benign", "benign"], err
    written = sorted(p.name for p in (tmp_path / "warc").iterdir())
    assert written == [f"0001-{origin.replace(':', '-')}-scam.warc.gz", f"0003-{origin.replace(':', '-')}-benign.warc.gz"], written
    with (tmp_path / "warc" / written[0]).open("rb") as f:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read()) for r in ArchiveIterator(f)]
    bodies = {uri: body for kind, uri, body in records if kind == "response"}
    assert bodies[f"{base}/scam"] == SCAM  # the page as the worker's browser received it
    assert any(kind == "resource" and body.startswith(b"\x89PNG") for kind, _uri, body in records)  # a screenshot
    verdict = next(json.loads(body) for kind, uri, body in records if kind == "metadata" and uri == "urn:scamscope:verdict")
    assert verdict["verdict"] == "scam"
