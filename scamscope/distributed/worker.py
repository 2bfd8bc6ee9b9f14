"""``scamscope worker``: a Celery worker with one warm browser and N pages at once."""

from __future__ import annotations

import logging
import os
import socket
import threading
import warnings
from typing import Any

from celery import signals

from scamscope.distributed import tasks
from scamscope.distributed.app import LEASE_S, QUEUE, is_redis, make_app
from scamscope.distributed.lease import Leases
from scamscope.distributed.store import store_url
from scamscope.live.capture import CaptureOptions

log = logging.getLogger("scamscope.distributed")


def default_name() -> str:
    return f"scamscope-{os.getpid()}@{socket.gethostname()}"


def run_worker(broker: str, limits: tasks.Limits, *, name: str | None = None, loglevel: str = "INFO") -> None:
    """Run until stopped (SIGTERM/SIGINT: the pages in hand are finished first; SIGKILL: they go
    back to the queue, after the visibility timeout on Redis, at once on RabbitMQ, and another
    worker captures them)."""
    from scamscope.distributed import health  # noqa: F401 - registers the scamscope_health command

    state = tasks.configure(limits, store_url(broker))
    app = make_app(broker)
    leases = Leases(state.redis()) if is_redis(broker) else None  # RabbitMQ has no visibility timeout to renew
    if leases is not None:
        leases.start()

    @signals.task_received.connect(weak=False)
    def _received(request: Any = None, **_kw: object) -> None:
        message = getattr(request, "message", None)
        tag = getattr(message, "delivery_tag", None)
        if leases is not None and request is not None and tag is not None:
            leases.hold(str(request.id), str(tag))

    @signals.task_postrun.connect(weak=False)
    def _finished(task_id: str | None = None, **_kw: object) -> None:
        if leases is not None and task_id:
            leases.release(task_id)

    def warm() -> None:  # the analysis processes and the browser start now, not on the first pages
        state.pool().warm()
        state.capturer().capture("about:blank", CaptureOptions(budget_s=10.0, click_gate=False, ocr="off"))

    @signals.worker_ready.connect(weak=False)
    def _ready(**_kw: object) -> None:
        # (after Celery's logging setup, which shows every pending-deprecation warning): pages in hand
        # when the broker connection drops are finished on purpose (app.py), not worth a warning each time
        warnings.filterwarnings("ignore", message=r"(?s).*worker_cancel_long_running_tasks_on_connection_loss")
        threading.Thread(target=warm, name="scamscope-warm", daemon=True).start()  # the consumer is not held up
        held = f"visibility timeout {LEASE_S:g} s (renewed while a page is held)" if leases is not None else "unacknowledged pages return when the connection drops"
        log.warning("scamscope worker ready: %d page(s) at once, budget <= %g s, %s", limits.jobs, limits.max_budget_s, held)

    @signals.worker_shutdown.connect(weak=False)
    def _shutdown(**_kw: object) -> None:
        state.close()

    try:
        app.worker_main([
            "worker", "--pool=threads", f"--concurrency={limits.jobs}", f"--queues={QUEUE}", f"--hostname={name or default_name()}",
            f"--loglevel={loglevel}", "--task-events", "--without-mingle", "--prefetch-multiplier=1",
        ])
    finally:
        if leases is not None:
            leases.stop()
        state.close()
