"""Admission of new scans: a cap on the scan queue and a per-user submission rate.

Without them one logged-in client queued thousands of scans in seconds. Both checks and the
insertion of the new scan happen under one lock, so that concurrent submissions to this server
process cannot overshoot either limit. (Several server processes on one PostgreSQL database each
keep their own rate counters and could overshoot the queue cap by their number: ``scamscope
serve`` runs one process.)

The rate is a moving window kept in memory by the ``limits`` library: it starts afresh when the
server restarts, which only ever lets a user submit sooner.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scamscope.web.i18n import gettext as _
from scamscope.web.models import Scan

QUEUE_RETRY_AFTER_S = 30  # told to clients when the queue is full: about the time two workers need for a few URL scans


class SubmissionRefused(Exception):
    """A scan submission over a limit: ``status_code`` 429 (this user's rate) or 503 (queue full)."""

    def __init__(self, message: str, status_code: int, retry_after_s: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after_s = max(1, retry_after_s)


class ScanGate:
    """Let a scan in only while fewer than ``max_queued`` scans are queued or running and its user
    submitted fewer than ``per_minute`` scans in the last minute."""

    def __init__(self, max_queued: int, per_minute: int) -> None:
        if max_queued < 1 or per_minute < 1:
            raise ValueError("scan limits must be at least 1")
        self.max_queued = max_queued
        self.per_minute = per_minute
        self._rate = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()

    def pending(self, db: Session) -> int:
        """Scans queued or running now."""
        return db.scalar(select(func.count()).select_from(Scan).where(Scan.status.in_(("queued", "running")))) or 0

    @contextmanager
    def admit(self, db: Session, user_id: int) -> Iterator[None]:
        """Check both limits, then run the caller's block (which inserts and commits the scan) under
        the gate's lock; raises :class:`SubmissionRefused` when a limit is reached."""
        key = str(user_id)
        with self._lock:
            if not self._limiter.test(self._rate, key):
                reset = self._limiter.get_window_stats(self._rate, key).reset_time
                wait = math.ceil(reset - time.time())
                raise SubmissionRefused(
                    _("You have submitted %(n)s scans in the last minute, the most allowed. Try again in %(s)s s.") % {"n": self.per_minute, "s": max(1, wait)},
                    429,
                    wait,
                )
            queued = self.pending(db)
            if queued >= self.max_queued:
                raise SubmissionRefused(
                    _("The scanner is busy: %(queued)s scans are waiting or running (at most %(max)s). Try again in a minute.") % {"queued": queued, "max": self.max_queued},
                    503,
                    QUEUE_RETRY_AFTER_S,
                )
            yield
            self._limiter.hit(self._rate, key)
