"""Static analysis under a hard wall-clock budget, in worker processes that can be killed.

A pure-Python loop holds the GIL and cannot be interrupted from another thread, so a hostile page
that makes some step of the analysis slow would freeze the whole caller (the desk web app, a
batch). Here every analysis runs in a separate worker process (a fresh interpreter, spawned, never
forked: no locks or threads of the caller are inherited, and the caller's ``__main__`` is not
re-imported) kept warm in a :class:`StaticPool`: the caller waits at most ``budget_s`` seconds, then kills the worker and
starts a fresh one for the next input. The other inputs are never affected.

An input that uses up its budget is analysed again on its first :data:`PREFIX_CHARS` characters
(with a second, shorter budget); the result says so in a note and is marked ``truncated``. When
even that does not finish (or the input is a screenshot, which has no prefix), the result is a
one-line error.

``scamscope.scan_html`` / ``scan_bytes`` / ``scan_path`` stay in-process (no budget); the bounded
variants are :func:`scan_bytes_bounded`, :func:`scan_path_bounded` and
:func:`scan_capture_bounded`, which use one process-wide pool (:func:`shared_pool`), or the
methods of a :class:`StaticPool` of one's own.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from scamscope.types import ScanResult

if TYPE_CHECKING:
    from scamscope.live.capture import Capture
    from scamscope.score import Model

DEFAULT_BUDGET_S = 20.0  # one static analysis; a 2 MB page normally takes well under a second
PREFIX_CHARS = 100_000  # what is re-analysed when the whole input ran out of time
MIN_RETRY_BUDGET_S = 2.0
OCR_MARGIN_S = 1.5  # of a run's budget, left for scoring after OCR
START_TIMEOUT_S = 60.0  # a worker that cannot even start (imports, model) within this is an error


class _Request:
    """What a worker is asked to do: ``kind`` is ``bytes``, ``path`` or ``capture``."""

    __slots__ = ("kind", "payload", "url", "input_name", "model", "ocr", "budget_s", "fingerprint")

    def __init__(self, kind: str, payload: Any, url: str | None, input_name: str, model: Model | None, ocr: str = "auto", fingerprint: bool = True) -> None:
        self.kind, self.payload, self.url, self.input_name, self.model, self.ocr = kind, payload, url, input_name, model, ocr
        self.budget_s: float | None = None  # set by the pool for each run: OCR inside must end before it
        self.fingerprint = fingerprint

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for k, v in zip(self.__slots__, state, strict=True):
            setattr(self, k, v)


def _analyse(req: _Request) -> ScanResult:
    """Run one request (in the worker process)."""
    from scamscope import acquire
    from scamscope.scan import _guarded, scan_bytes, scan_path

    # Tesseract must give up before the worker is killed, so that the OCR error (not "over budget") is reported
    acquire.ocr_timeout_s = max(1.0, req.budget_s - OCR_MARGIN_S) if req.budget_s else None

    if req.kind == "bytes":
        return scan_bytes(req.payload, req.url, input_name=req.input_name, model=req.model, fingerprint=req.fingerprint)
    if req.kind == "path":
        return scan_path(req.payload, req.url, model=req.model)
    if req.kind == "capture":
        from scamscope.live.page import page_from_capture

        return _guarded(req.input_name, req.url, lambda: page_from_capture(req.payload, ocr=req.ocr), req.model)
    raise ValueError(f"unknown request kind {req.kind!r}")


def _serve(fd: int) -> None:
    """Worker loop: warm up (imports, model, data files), then answer requests until EOF."""
    conn = Connection(fd)
    try:
        from scamscope import ocr
        from scamscope.scan import scan_html

        ocr.enable_engine()  # a long-lived worker: one warm Tesseract instead of one per image
        scan_html("<html><body><p>warm-up</p></body></html>")
        conn.send(("ready", None))
        while True:
            try:
                req = conn.recv()
            except (EOFError, OSError):
                return
            try:
                result: Any = ("ok", _analyse(req))
            except BaseException as exc:  # noqa: BLE001 - reported to the caller as one line
                result = ("failed", f"{type(exc).__name__}: {str(exc)[:160]}")
            conn.send(result)
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        return


class _Worker:
    """One worker: a fresh Python interpreter (spawned, not forked) answering over a socket pair."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        code = "import sys; from scamscope.bounded import _serve; _serve(int(sys.argv[1]))"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self, timeout: float) -> str | None:
        """None when the worker is ready, else why not."""
        if self.ready:
            return None
        try:
            if self.conn.poll(timeout):
                msg = self.conn.recv()
                if msg[0] == "ready":
                    self.ready = True
                    return None
        except (EOFError, OSError):
            pass
        return "the analysis worker could not start"

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class StaticPool:
    """Up to ``workers`` warm worker processes; each call borrows one for one analysis.

    Thread-safe: up to ``workers`` threads analyse at once, others wait for a free worker.
    A worker that overran its budget or died is killed and replaced (lazily, on next use).
    """

    def __init__(self, workers: int = 1, *, budget_s: float = DEFAULT_BUDGET_S, retry_budget_s: float | None = None) -> None:
        self.size = max(1, workers)
        self.budget_s = budget_s
        self.retry_budget_s = retry_budget_s  # for the prefix; None: half the budget, at least MIN_RETRY_BUDGET_S
        self._idle: list[_Worker] = []
        self._count = 0  # workers alive or being started
        self._cond = threading.Condition()
        self._closed = False
        self.restarts = 0  # workers killed or lost (tests and benchmarks read it)

    # --- worker lending ---------------------------------------------------------------------

    def _borrow(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the analysis pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return _Worker()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.kill()
        with self._cond:
            if healthy and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
                if healthy:
                    worker.kill()
                else:
                    self.restarts += 1
            self._cond.notify()

    def warm(self, n: int | None = None) -> None:
        """Start up to ``n`` (default: all) workers now, so the first inputs do not wait for them."""
        got = [self._borrow() for _ in range(min(self.size, n or self.size))]
        for w in got:
            self._give_back(w, w.wait_ready(START_TIMEOUT_S) is None)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for w in idle:
            w.kill()

    def __enter__(self) -> StaticPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one bounded run ----------------------------------------------------------------------

    def _run(self, req: _Request, budget_s: float) -> tuple[str, Any]:
        """("ok", ScanResult) | ("failed", message) | ("timeout", None) | ("died", message)."""
        worker = self._borrow()
        start_error = worker.wait_ready(START_TIMEOUT_S)
        if start_error is not None:
            self._give_back(worker, False)
            return "died", start_error
        req.budget_s = budget_s
        try:
            worker.conn.send(req)
        except (OSError, ValueError) as exc:
            self._give_back(worker, False)
            return "died", f"the analysis worker stopped: {exc}"
        deadline = time.monotonic() + budget_s
        try:
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                status, value = worker.conn.recv()
                self._give_back(worker, True)
                return status, value
        except (EOFError, OSError):
            try:
                code: int | None = worker.process.wait(1)
            except subprocess.TimeoutExpired:
                code = None
            self._give_back(worker, False)
            return "died", f"the analysis worker died (exit code {code})"
        self._give_back(worker, False)
        return "timeout", None

    def _bounded(self, req: _Request, budget_s: float | None, prefix: Callable[[], _Request | None]) -> ScanResult:
        budget = self.budget_s if budget_s is None else budget_s
        status, value = self._run(req, budget)
        if status == "ok":
            return value
        if status == "failed":
            return _error(req, f"internal error while analysing: {value}")
        if status == "died":
            return _error(req, value)
        over = f"analysis took longer than the {budget:g} s budget"
        short = prefix()
        if short is None:
            return _error(req, over)
        retry = self.retry_budget_s if self.retry_budget_s is not None else max(MIN_RETRY_BUDGET_S, budget / 2)
        status, value = self._run(short, retry)
        if status != "ok":
            return _error(req, f"{over}, and so did its first {PREFIX_CHARS:,} characters")
        result: ScanResult = value
        result.input = req.input_name
        result.truncated = True
        result.notes.insert(0, f"{over}: analysed its first {PREFIX_CHARS:,} characters only")
        return result

    def scan_bytes(
        self,
        data: bytes,
        url: str | None = None,
        *,
        input_name: str = "<bytes>",
        budget_s: float | None = None,
        model: Model | None = None,
        prefix_retry: bool = True,
        fingerprint: bool = True,
    ) -> ScanResult:
        """:func:`scamscope.scan.scan_bytes` in a worker, within ``budget_s`` seconds (``prefix_retry``
        False: an overrun is an error at once, for callers that cannot wait twice, like the in-path
        guard, which also needs no kit fingerprints)."""
        req = _Request("bytes", data, url, input_name, model, fingerprint=fingerprint)
        return self._bounded(req, budget_s, (lambda: _prefix_request(req, data)) if prefix_retry else (lambda: None))

    def scan_path(self, path: str | os.PathLike[str], url: str | None = None, *, budget_s: float | None = None, model: Model | None = None) -> ScanResult:
        """:func:`scamscope.scan.scan_path` in a worker (``-`` reads standard input here, then sends the bytes)."""
        name = str(path)
        if name == "-":
            from scamscope.acquire import MAX_READ
            from scamscope.scan import error_result

            try:
                data = sys.stdin.buffer.read(MAX_READ)
            except OSError as exc:
                return error_result("-", f"cannot read standard input: {exc}", url)
            return self.scan_bytes(data, url, input_name="-", budget_s=budget_s, model=model)
        req = _Request("path", name, url, name, model)

        def prefix() -> _Request | None:  # read again only for the fallback, and only a regular file
            try:
                if not stat.S_ISREG(os.stat(name).st_mode):
                    return None
                with open(name, "rb") as fh:
                    return _prefix_request(req, fh.read(PREFIX_CHARS * 4))
            except OSError:
                return None

        return self._bounded(req, budget_s, prefix)

    def scan_capture(self, url: str, capture: Capture, *, ocr: str = "auto", budget_s: float | None = None, model: Model | None = None) -> ScanResult:
        """Score a live capture (its DOM, text, dialogs, screenshots through OCR) in a worker."""
        from scamscope.live.page import live_summary

        req = _Request("capture", capture, url, url, model, ocr)
        def prefix() -> _Request:
            short = dataclasses.replace(capture, html=(capture.html or "")[:PREFIX_CHARS], text=(capture.text or "")[:PREFIX_CHARS])
            return _Request("capture", short, url, url, model, ocr)

        result = self._bounded(req, budget_s, prefix)
        if result.error:
            result.extra.setdefault("live", live_summary(capture))
        return result


def _prefix_request(req: _Request, data: bytes) -> _Request | None:
    """The same request on the first :data:`PREFIX_CHARS` characters of the input, or None for images and binaries."""
    from scamscope.acquire import decode, sniff_binary

    if sniff_binary(data[:16384]) is not None:
        return None  # a screenshot (OCR) or a refused binary: no meaningful prefix
    text, _enc = decode(data[: PREFIX_CHARS * 4])
    head = text[:PREFIX_CHARS].encode("utf-8")
    return _Request("bytes", head, req.url, req.input_name, req.model)


def _error(req: _Request, message: str) -> ScanResult:
    from scamscope.scan import error_result

    return error_result(req.input_name, message, req.url)


# --- the process-wide pool ----------------------------------------------------------------------

_shared: StaticPool | None = None
_shared_lock = threading.Lock()


def shared_pool(workers: int | None = None) -> StaticPool:
    """The process-wide pool (created on first use with ``workers`` workers, default 2; closed at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = StaticPool(workers or min(2, os.cpu_count() or 1))
            atexit.register(_shared.close)
        return _shared


def scan_bytes_bounded(data: bytes, url: str | None = None, *, input_name: str = "<bytes>", budget_s: float = DEFAULT_BUDGET_S, model: Model | None = None) -> ScanResult:
    """:func:`scamscope.scan.scan_bytes` under a hard wall-clock budget (see the module docstring)."""
    return shared_pool().scan_bytes(data, url, input_name=input_name, budget_s=budget_s, model=model)


def scan_path_bounded(path: str | os.PathLike[str], url: str | None = None, *, budget_s: float = DEFAULT_BUDGET_S, model: Model | None = None) -> ScanResult:
    """:func:`scamscope.scan.scan_path` under a hard wall-clock budget."""
    return shared_pool().scan_path(path, url, budget_s=budget_s, model=model)


def scan_capture_bounded(url: str, capture: Capture, *, ocr: str = "auto", budget_s: float = DEFAULT_BUDGET_S, model: Model | None = None) -> ScanResult:
    """Score a live capture under a hard wall-clock budget."""
    return shared_pool().scan_capture(url, capture, ocr=ocr, budget_s=budget_s, model=model)
