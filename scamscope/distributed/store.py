"""Our own keys in the broker's Redis: attempts per input, each batch's results and what is done.

Celery moves the tasks; the results come back through a list per batch (``RPUSH`` by the worker,
``BLPOP`` by the producer), so the producer gets each result as soon as it exists, in whatever
order, and puts them back in input order itself. Every call is retried while Redis is away (a
restart, a failover), up to :data:`PATIENCE_S` seconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from scamscope.distributed.app import KEY_PREFIX, is_redis

T = TypeVar("T")
PATIENCE_S = 300.0  # how long an unreachable Redis is waited for before giving up
KEEP_S = 24 * 3600  # results and counters of a batch expire after a day even if nobody collects them
BATCH_ALIVE_S = 3600  # a batch whose producer went away is dropped by the workers after this


class StoreUnavailable(RuntimeError):
    """Redis could not be reached for :data:`PATIENCE_S` seconds."""


def store_url(broker: str) -> str:
    """The Redis that holds results and counters: the broker itself when it is Redis, else ``$SCAMSCOPE_REDIS``."""
    if is_redis(broker):
        return broker
    url = os.environ.get("SCAMSCOPE_REDIS", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"the broker {redact(broker)} is not Redis: set SCAMSCOPE_REDIS=redis://HOST:6379/0 for the results and attempt counters")
    return url


def redact(url: str) -> str:
    """A broker URL without its password, for messages."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=15, socket_connect_timeout=5, socket_keepalive=True, health_check_interval=10)


def retrying(op: Callable[[], T], *, patience_s: float = PATIENCE_S) -> T:
    """``op()``, tried again while Redis is unreachable or loading its data after a restart."""
    deadline = time.monotonic() + patience_s
    delay = 0.2
    while True:
        try:
            return op()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise StoreUnavailable(f"Redis unreachable for {patience_s:g} s: {type(exc).__name__}: {str(exc)[:120]}") from None
            time.sleep(delay)
            delay = min(2.0, delay * 2)


def key(*parts: object) -> str:
    return KEY_PREFIX + ":".join(str(p) for p in parts)


class BatchKeys:
    """The keys of one batch."""

    def __init__(self, batch: str) -> None:
        self.batch = batch
        self.alive = key("batch", batch, "alive")  # set while the producer wants results
        self.results = key("batch", batch, "results")  # list of JSON results, in completion order
        self.done = key("batch", batch, "done")  # set of input indexes whose result was pushed

    def attempts(self, index: int) -> str:
        """Deliveries of input ``index`` that started (counted before the capture: a delivery that
        kills its worker still counts)."""
        return key("batch", self.batch, "attempts", index)
