"""The worker side: the one task, ``scamscope.scan``, which scans one input of a batch.

A worker process owns one warm browser (:class:`~scamscope.live.capture.LiveCapturer`) shared by
its N task threads, and a :class:`~scamscope.bounded.StaticPool` of N killable analysis processes
for files and for scoring what the browser saw, exactly as a local ``scan --jobs N`` does.

Each delivery of a task first checks, in Redis, that its batch is still wanted and its input not
already done (a task can be delivered twice), then counts itself: the delivery after
:data:`~scamscope.distributed.app.MAX_ATTEMPTS` started ones, each of which took its worker down,
records an error instead of capturing the page again. The result is pushed to the batch's list
and the input marked done in one transaction.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from celery import Celery
from celery.exceptions import Reject

from scamscope.distributed.app import MAX_ATTEMPTS, TASK
from scamscope.distributed.store import KEEP_S, BatchKeys, StoreUnavailable, connect, retrying
from scamscope.distributed.wire import MAX_WARC_BYTES, WARC_FILE, options_from_dict, pack
from scamscope.live.capture import CaptureOptions
from scamscope.scan import error_result
from scamscope.types import ScanResult

log = logging.getLogger("scamscope.distributed")
GAVE_UP = "gave up after {n} attempts: the worker capturing this input died each time (a page that takes its scanner down)"


@dataclass
class Limits:
    """A worker's own bounds on what tasks ask for (``scamscope worker`` flags)."""

    max_budget_s: float = 15.0
    static_budget_s: float = 20.0
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()
    jobs: int = 1


@dataclass
class WorkerState:
    limits: Limits
    store_url: str
    hostname: str = ""
    pages_done: int = 0
    errors: int = 0
    gave_up: int = 0
    started: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _capturer: Any = None
    _pool: Any = None
    _redis: Any = None

    def capturer(self) -> Any:
        from scamscope.live.capture import LiveCapturer

        with self.lock:
            if self._capturer is None:
                self._capturer = LiveCapturer()
            return self._capturer

    def pool(self) -> Any:
        from scamscope.bounded import StaticPool

        with self.lock:
            if self._pool is None:
                self._pool = StaticPool(self.limits.jobs, budget_s=self.limits.static_budget_s)
            return self._pool

    def redis(self) -> Any:
        with self.lock:
            if self._redis is None:
                self._redis = connect(self.store_url)
            return self._redis

    def close(self) -> None:
        with self.lock:
            cap, pool, self._capturer, self._pool = self._capturer, self._pool, None, None
        if cap is not None:
            cap.close()
        if pool is not None:
            pool.close()

    def health(self) -> dict[str, Any]:
        cap, pool = self._capturer, self._pool
        return {
            "pid": os.getpid(),
            "jobs": self.limits.jobs,
            "pages_done": self.pages_done,
            "errors": self.errors,
            "gave_up": self.gave_up,
            "uptime_s": round(time.time() - self.started, 1),
            "browser_pid": cap.worker_pid if cap is not None else None,
            "browser_version": cap.browser_version if cap is not None else "",
            "static_restarts": pool.restarts if pool is not None else 0,
            "max_budget_s": self.limits.max_budget_s,
            "allow_private": self.limits.allow_private,
            "allow_hosts": list(self.limits.allow_hosts),
        }


_state: WorkerState | None = None


def configure(limits: Limits, store_url: str) -> WorkerState:
    """Set this process's worker state (``scamscope worker`` does, before Celery starts)."""
    global _state
    _state = WorkerState(limits=limits, store_url=store_url)
    return _state


def state() -> WorkerState | None:
    return _state


def register(app: Celery) -> None:
    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
    def scan_task(self: Any, job: dict[str, Any]) -> None:
        st = _state
        if st is None:  # a plain `celery worker` without `scamscope worker`: refuse, the task goes back
            raise Reject("this worker was not started by 'scamscope worker'", requeue=True)
        st.hostname = str(self.request.hostname or "")
        try:
            run_job(st, job)
        except StoreUnavailable as exc:
            log.error("task %s: %s; the task goes back to the queue", job.get("index"), exc)
            raise Reject(str(exc), requeue=True) from None


def run_job(st: WorkerState, job: dict[str, Any]) -> None:
    """One delivery of one input: skip it, give up on it, or scan it; then push the result."""
    keys = BatchKeys(str(job["batch"]))
    index = int(job["index"])
    name = str(job["name"])
    r = st.redis()

    def check() -> list[Any]:
        pipe = r.pipeline()
        pipe.exists(keys.alive).sismember(keys.done, index)
        return list(pipe.execute())

    alive, done = retrying(check)
    if not alive or done:  # the producer went away, or another delivery already did this input
        log.info("input %d of batch %s: %s", index, keys.batch, "already done" if done else "batch no longer wanted")
        return

    def count() -> int:
        pipe = r.pipeline()
        pipe.incr(keys.attempts(index)).expire(keys.attempts(index), KEEP_S)
        return int(pipe.execute()[0])

    attempt = retrying(count)
    files: dict[str, bytes] = {}
    if attempt > MAX_ATTEMPTS:
        result = error_result(name, GAVE_UP.format(n=MAX_ATTEMPTS), name if job["kind"] == "url" else job.get("url"))
        log.warning("input %d of batch %s (%s): %s", index, keys.batch, name[:200], result.error)
        st.gave_up += 1
    else:
        result, files = scan_job(st, job)
    message = json.dumps({"index": index, "result": result.to_dict(), "artifacts": pack(files), "worker": st.hostname, "attempt": attempt},
                         ensure_ascii=False, default=str)

    def push() -> None:
        pipe = r.pipeline(transaction=True)
        pipe.rpush(keys.results, message).expire(keys.results, KEEP_S).sadd(keys.done, index).expire(keys.done, KEEP_S)
        pipe.execute()

    retrying(push)
    with st.lock:
        st.pages_done += 1
        st.errors += result.error is not None


def narrow(opts: CaptureOptions, limits: Limits) -> tuple[CaptureOptions, list[str]]:
    """The task's options within the worker's limits, and notes on what was narrowed."""
    from scamscope.netguard import parse_allow_host

    notes: list[str] = []
    budget = min(opts.budget_s, limits.max_budget_s)
    if budget < opts.budget_s:
        notes.append(f"the worker limits a page to {budget:g} s (asked: {opts.budget_s:g} s)")
    allow_private = opts.allow_private and limits.allow_private
    if opts.allow_private and not allow_private:
        notes.append("the worker does not admit loopback/private addresses (--allow-private refused)")
    mine = {parse_allow_host(h) for h in limits.allow_hosts}
    hosts: list[str] = []
    for spec in opts.allow_hosts:
        try:
            host, port = parse_allow_host(spec)
        except ValueError:
            continue
        if limits.allow_private or (host, port) in mine or (host, None) in mine:
            hosts.append(spec)
        else:
            notes.append(f"the worker does not admit --allow-host {spec}")
    return replace(opts, budget_s=budget, allow_private=allow_private, allow_hosts=tuple(hosts)), notes


def scan_job(st: WorkerState, job: dict[str, Any]) -> tuple[ScanResult, dict[str, bytes]]:
    """Scan one input as the local batch would; never raises. Returns the result and, when the
    producer keeps artifacts (``--save``, the desk's screenshot), the files saved for it."""
    from scamscope.live.artifacts import save as save_artifacts
    from scamscope.scan import scan_url

    kind, name, url = str(job["kind"]), str(job["name"]), job.get("url")
    opts, notes = narrow(options_from_dict(job.get("options") or {}), st.limits)
    static = min(float(job.get("static_budget_s") or st.limits.static_budget_s), st.limits.static_budget_s)
    with tempfile.TemporaryDirectory(prefix="scamscope-task-") as tmp:
        folder = Path(tmp) / "saved" if job.get("save") else None
        warc = Path(tmp) / WARC_FILE if job.get("warc") and kind == "url" else None
        try:
            if kind == "url":
                result = scan_url(name, st.capturer(), opts, save=folder, pool=st.pool(), static_budget_s=static, save_warc=warc)
            else:
                data = base64.b64decode(job.get("data") or "")
                if kind == "render":
                    result = render_bytes(name, data, st, opts, static, folder)
                else:
                    result = st.pool().scan_bytes(data, url, input_name=name, budget_s=static)
                    if folder is not None:
                        save_artifacts(folder, result)
        except Exception as exc:  # one bad input never stops the batch
            log.exception("input %s failed", name[:200])
            result = error_result(name, f"internal error: {type(exc).__name__}: {str(exc)[:160]}", name if kind == "url" else url)
        result.notes[:0] = notes
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder is not None and folder.is_dir() else {}
        if warc is not None and warc.is_file():
            size = warc.stat().st_size
            if size <= MAX_WARC_BYTES:
                files[WARC_FILE] = warc.read_bytes()
            else:
                result.notes.append(f"WARC not sent back: {size >> 20} MB is over the {MAX_WARC_BYTES >> 20} MB a worker sends")
    return result, files


def render_bytes(name: str, data: bytes, st: WorkerState, opts: CaptureOptions, static_budget_s: float, save: Path | None) -> ScanResult:
    """``scan --render`` of a file the producer sent, in this worker's browser."""
    from scamscope.live.render import render_bytes as render

    return render(name, data, st.capturer(), opts, pool=st.pool(), save=save, static_budget_s=static_budget_s)
