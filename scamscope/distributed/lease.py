"""Leases: a live worker keeps the messages it holds from being handed out again.

On Redis, a delivered message that is not acknowledged within the visibility timeout goes back
to the queue. Rather than one timeout long enough for the slowest page (which would also be how
long a dead worker's pages wait), the timeout is short (:data:`~scamscope.distributed.app.LEASE_S`)
and each worker renews it every :data:`~scamscope.distributed.app.RENEW_S` seconds for every
message it holds (received, running): a page may take as long as its budget says, and the pages of
a worker that died come back within about ``LEASE_S`` seconds.

The renewal moves the message's score in kombu's ``unacked_index`` sorted set (the delivery time
that kombu's ``restore_visible`` compares with the timeout), only while the message is still there
(``ZADD XX``: an acknowledged message is never brought back).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from scamscope.distributed.app import RENEW_S

log = logging.getLogger("scamscope.distributed")
UNACKED_INDEX = "unacked_index"  # kombu's default unacked_index_key


class Leases:
    def __init__(self, client: Any, every_s: float = RENEW_S) -> None:
        self.client = client
        self.every_s = every_s
        self.held: dict[str, str] = {}  # task id -> delivery tag
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.renewals = 0

    def hold(self, task_id: str, tag: str) -> None:
        with self.lock:
            self.held[task_id] = tag

    def release(self, task_id: str) -> None:
        with self.lock:
            self.held.pop(task_id, None)

    def renew(self) -> None:
        with self.lock:
            tags = list(self.held.values())
        if tags:
            now = time.time()
            self.client.zadd(UNACKED_INDEX, dict.fromkeys(tags, now), xx=True)
            self.renewals += 1

    def _loop(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                self.renew()
            except Exception as exc:  # noqa: BLE001 - Redis away: try again next round
                log.warning("lease renewal failed: %s: %s", type(exc).__name__, str(exc)[:120])

    def start(self) -> None:
        threading.Thread(target=self._loop, name="scamscope-leases", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
