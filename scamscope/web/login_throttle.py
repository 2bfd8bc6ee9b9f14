"""Throttling of login attempts: per-account back-off, per-address limit, bounded Argon2 checks.

An attempt is *reserved* (counted as a failure, under a lock) before its password is verified,
and the count is cleared only when the password turns out right: concurrent wrong guesses cannot
all slip through a check-then-record gap. Kept in memory: `scamscope serve` is one process.

- Per account, whatever the address: after ``free`` failures each further attempt must wait for an
  exponentially growing delay (``base_delay_s`` doubling up to ``max_delay_s``) after the last
  failure. A back-off, never a permanent lock: the count is forgotten after ``forget_s`` without a
  failure, and a browser that logged in to the account before (a signed *device cookie*, OWASP's
  "device cookies" scheme) has a back-off of its own, so a flood against a colleague's name does
  not lock that colleague out.
- Per client address (the one uvicorn resolved, which honours forwarded headers only from
  ``--forwarded-allow-ips``): at most ``per_address`` failures in ``window_s``, for any names.
- :class:`PasswordChecks`: at most a few Argon2 verifications (64 MiB each) run at once; an
  attempt that finds them all busy is answered at once ("busy, try again"), never queued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

DEVICE_COOKIE = "scamscope_device"
MAX_TRACKED = 10_000  # accounts/addresses/devices remembered; beyond that the least useful are dropped
T = TypeVar("T")


def _shrink(table: dict[str, T], expendable: Callable[[T], bool]) -> None:
    """Drop the expendable entries; if the table is still too large, its oldest half."""
    for key in [k for k, v in table.items() if expendable(v)]:
        del table[key]
    if len(table) > MAX_TRACKED:
        for key in list(table)[: len(table) - MAX_TRACKED // 2]:
            del table[key]


@dataclass
class _Backoff:
    failures: int = 0
    last: float = 0.0  # monotonic time of the last failure (or reservation)


@dataclass
class Reservation:
    """A login attempt allowed to check its password. ``wait_s`` > 0: refused, retry after that."""

    wait_s: float
    account_key: str = ""
    address: str = ""
    reserved_at: float = 0.0


@dataclass
class LoginThrottle:
    free: int = 5  # failures per account (or device) before the back-off starts
    base_delay_s: float = 15.0  # first delay; doubles with each further failure
    max_delay_s: float = 900.0
    forget_s: float = 3600.0  # a back-off is forgotten after this long without a failure
    per_address: int = 30  # failures per client address in window_s
    window_s: float = 900.0
    _accounts: dict[str, _Backoff] = field(default_factory=dict)
    _addresses: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    # --- device cookies ---------------------------------------------------------------------------

    def _mac(self, name: str, nonce: str) -> str:
        return hmac.new(self._secret, f"{name.lower()}\0{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def device_cookie(self, name: str) -> str:
        """The cookie value given to a browser after a successful login to ``name``."""
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(name, nonce)}"

    def _device(self, name: str, cookie: str | None) -> str | None:
        """The device's nonce when ``cookie`` was issued by this server for this account."""
        if not cookie or len(cookie) > 100 or "." not in cookie:
            return None
        nonce, mac = cookie.split(".", 1)
        return nonce if hmac.compare_digest(mac.encode(), self._mac(name, nonce).encode()) else None

    # --- the throttle -------------------------------------------------------------------------------

    def _delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_delay_s, self.base_delay_s * 2 ** min(failures - self.free, 30))

    def _prune(self, now: float) -> None:
        """Bound the memory under a flood of names or addresses. Accounts in back-off go last: a
        flood of made-up names must not wash a real account's back-off away."""
        if len(self._accounts) > MAX_TRACKED:
            _shrink(self._accounts, lambda b: now - b.last > self.forget_s or b.failures < self.free)
        if len(self._addresses) > MAX_TRACKED:
            _shrink(self._addresses, lambda q: not q or now - q[-1] >= self.window_s)

    def _key(self, name: str, device_cookie: str | None) -> str:
        device = self._device(name, device_cookie)
        return f"d:{device}" if device else f"a:{name.lower()}"

    def _wait(self, account_key: str, address: str, now: float) -> float:
        """Seconds until this account (or device) and address may try again; call under the lock."""
        backoff = self._accounts.get(account_key)
        if backoff is not None and now - backoff.last > self.forget_s:
            del self._accounts[account_key]
            backoff = None
        times = self._addresses.get(address)
        while times and now - times[0] >= self.window_s:
            times.popleft()
        waits = [0.0]
        if backoff is not None:
            waits.append(backoff.last + self._delay(backoff.failures) - now)
        if times is not None and len(times) >= self.per_address:
            waits.append(times[-self.per_address] + self.window_s - now)
        return max(waits)

    def wait_s(self, address: str, name: str, device_cookie: str | None = None) -> float:
        """Seconds until an attempt would be allowed (0: now), without taking a slot."""
        with self._lock:
            return self._wait(self._key(name, device_cookie), address, time.monotonic())

    def reserve(self, address: str, name: str, device_cookie: str | None = None) -> Reservation:
        """Take a failed-attempt slot before the password is checked, or refuse (``wait_s`` > 0)."""
        now = time.monotonic()
        account_key = self._key(name, device_cookie)
        with self._lock:
            wait = self._wait(account_key, address, now)
            if wait > 0:
                return Reservation(wait_s=wait)
            self._prune(now)
            backoff = self._accounts.setdefault(account_key, _Backoff())
            backoff.failures += 1
            backoff.last = now
            self._addresses.setdefault(address, deque()).append(now)
            return Reservation(wait_s=0.0, account_key=account_key, address=address, reserved_at=now)

    def failed(self, reservation: Reservation) -> None:
        """The reserved attempt failed: its slot stays taken; the back-off runs from now."""
        with self._lock:
            backoff = self._accounts.get(reservation.account_key)
            if backoff is not None:
                backoff.last = max(backoff.last, time.monotonic())

    def succeeded(self, reservation: Reservation) -> None:
        """The password was right: the account's failures (and this attempt's slot) are cleared."""
        with self._lock:
            self._accounts.pop(reservation.account_key, None)
            times = self._addresses.get(reservation.address)
            if times is not None:
                try:
                    times.remove(reservation.reserved_at)
                except ValueError:
                    pass


class PasswordChecks:
    """At most ``limit`` Argon2 verifications at once; :meth:`try_acquire` never waits."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0  # most verifications seen running at once

    def try_acquire(self) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        return True

    def release(self) -> None:
        with self._lock:
            self.running -= 1
        self._slots.release()
