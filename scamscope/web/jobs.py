"""Background scans: a thread pool runs the detection core, never the request.

URL scans share one :class:`~scamscope.live.capture.LiveCapturer` (one headless Chromium in a
killable worker process), closed when the app shuts down. Each job records its stage in the
scan's row, which the status page polls. Uploads keep their bytes in the row until the scan ends
(done or error; the hash and size stay), so scans that were queued or running when the server
stopped are run again at the next start: at most MAX_ATTEMPTS runs, so that a page which brings
the server down is not run again after every restart.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scamscope.acquire import sniff_binary
from scamscope.types import ScanResult
from scamscope.web.config import Settings
from scamscope.web.db import error_summary, transaction, utcnow
from scamscope.web.indicators import index_scan
from scamscope.web.models import Scan

log = logging.getLogger("scamscope.web.jobs")

IMAGE_TYPES = {"a PNG image": "image/png", "a JPEG image": "image/jpeg", "a WebP image": "image/webp"}
INTERNAL_ERROR = "internal error while scanning (details are in the server log)"
MAX_ATTEMPTS = 3  # runs of one scan; a scan still unfinished after that many is given up at the next start
GAVE_UP = "gave up after {n} tries: the server stopped each time while this scan was running (see the server log)"


def _cancelled() -> type[Exception]:
    from scamscope.distributed.producer import Cancelled

    return Cancelled


def image_type(data: bytes) -> str | None:
    """MIME type of a PNG, JPEG or WebP image, judged by its content; None for anything else."""
    return IMAGE_TYPES.get(sniff_binary(data[:32]) or "")


class ScanRunner:
    """Runs each submitted scan in a background thread: here (one shared browser, killable analysis
    processes), or, with a broker, on the scan workers (``scamscope worker``), the thread waiting
    for the result; the scan's row, its stages and its restart rules are the same."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self._factory = factory
        self.settings = settings
        self._pool: ThreadPoolExecutor | None = None
        self._capturer: Any = None
        self._capturer_lock = threading.Lock()
        self.broker: str | None = settings.broker_url  # scamscope serve --broker
        self._remote: Any = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, self.settings.scan_workers), thread_name_prefix="scamscope-scan")

    def submit(self, scan_id: int) -> Future[None]:
        if self._pool is None:
            raise RuntimeError("the scan workers are not running")
        return self._pool.submit(self._run, scan_id)

    def resume_pending(self) -> int:
        """Queue again the scans a previous run of the server left unfinished; those already started
        MAX_ATTEMPTS times end as errors instead (their uploaded bytes are dropped)."""
        ids: list[int] = []
        with transaction(self._factory) as db:
            pending = db.scalars(select(Scan).where(Scan.status.in_(("queued", "running"))).order_by(Scan.id)).all()
            for scan in pending:
                if scan.attempts >= MAX_ATTEMPTS:
                    log.warning("scan %d: given up after %d tries, each ended by a server stop", scan.id, scan.attempts)
                    scan.status, scan.stage, scan.error = "error", "failed", GAVE_UP.format(n=scan.attempts)
                    scan.finished_at, scan.input_data = utcnow(), None
                    continue
                scan.status, scan.stage = "queued", "queued again after a restart"
                ids.append(scan.id)
        for scan_id in ids:
            self.submit(scan_id)
        return len(ids)

    def close(self) -> None:
        self._stopping.set()  # scans waiting on workers stop waiting; they run again at the next start
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        with self._capturer_lock:
            if self._capturer is not None:
                self._capturer.close()
                self._capturer = None
            if self._remote is not None:
                self._remote.close()
                self._remote = None

    # --- one job -------------------------------------------------------------------------------

    def _stage(self, scan_id: int, stage: str) -> None:
        with transaction(self._factory) as db:
            scan = db.get(Scan, scan_id)
            if scan is not None:
                scan.stage = stage

    def _run(self, scan_id: int) -> None:
        with transaction(self._factory) as db:
            scan = db.get(Scan, scan_id)
            if scan is None or scan.status != "queued":
                return
            scan.status, scan.stage, scan.started_at = "running", "starting", utcnow()
            scan.attempts += 1  # committed before the run: a run that takes the server down still counts
            kind, target, data = scan.kind, scan.target, scan.input_data
        shot: bytes | None = None
        try:
            result, shot = self._scan(scan_id, kind, target, data)
        except _cancelled():  # the server is stopping: the scan stays unfinished and runs again at the next start
            log.info("scan %d: left to the next start (the server is stopping)", scan_id)
            return
        except Exception as exc:  # a bug must not leave the scan running forever, nor reach the browser
            summary = error_summary(exc)
            if summary is None:
                log.exception("scan %d failed", scan_id)
            else:  # no values of a database error in the log
                log.error("scan %d failed: %s\n%s", scan_id, summary, "".join(traceback.format_tb(exc.__traceback__)).rstrip())
            self._finish(scan_id, None, None, INTERNAL_ERROR)
            return
        self._finish(scan_id, result, shot, result.error)

    def _scan(self, scan_id: int, kind: str, target: str, data: bytes | None) -> tuple[ScanResult, bytes | None]:
        from scamscope.bounded import scan_bytes_bounded  # a killable worker process, within a time budget

        url = target or None
        if self.broker:
            return self._scan_remote(scan_id, kind, target, data)
        if kind == "html":
            self._stage(scan_id, "analysing the page")
            return scan_bytes_bounded(data or b"", url, input_name="uploaded page"), None
        if kind == "screenshot":
            self._stage(scan_id, "reading the screenshot (OCR)")
            return scan_bytes_bounded(data or b"", url, input_name="uploaded screenshot"), data
        if kind == "url":
            return self._scan_url(scan_id, target)
        raise ValueError(f"unknown scan kind {kind!r}")

    def _live(self) -> Any:
        from scamscope.live.capture import LiveCapturer

        with self._capturer_lock:
            if self._capturer is None:
                self._capturer = LiveCapturer()
            return self._capturer

    def _scan_url(self, scan_id: int, url: str) -> tuple[ScanResult, bytes | None]:
        from scamscope.live.capture import CaptureOptions
        from scamscope.scan import scan_url

        self._stage(scan_id, f"opening the page in headless Chromium (up to {self.settings.live_budget_s:g} s), then OCR and scoring")
        options = CaptureOptions(budget_s=self.settings.live_budget_s, allow_private=self.settings.allow_private_urls, ocr=self.settings.ocr)
        with tempfile.TemporaryDirectory(prefix="scamscope-web-") as tmp:
            result = scan_url(url, self._live(), options, save=Path(tmp))
            shot = None
            for name in ("screenshot-after.png", "screenshot-before.png"):
                path = Path(tmp) / name
                if path.is_file():
                    shot = path.read_bytes()
                    break
        return result, shot

    def _remote_client(self) -> Any:
        from scamscope.distributed.producer import Remote

        with self._capturer_lock:
            if self._remote is None:
                self._remote = Remote(str(self.broker))
            return self._remote

    def _scan_remote(self, scan_id: int, kind: str, target: str, data: bytes | None) -> tuple[ScanResult, bytes | None]:
        """The scan on a worker (``serve --broker``): the same analysis as here, the screenshot sent back."""
        from scamscope.bounded import DEFAULT_BUDGET_S
        from scamscope.distributed.producer import Job
        from scamscope.live.capture import CaptureOptions

        url = target or None  # the stages are the embedded mode's (translated by scamscope.web.labels)
        if kind == "html":
            job = Job("uploaded page", "bytes", data or b"", url)
            stage = "analysing the page"
        elif kind == "screenshot":
            job = Job("uploaded screenshot", "bytes", data or b"", url)
            stage = "reading the screenshot (OCR)"
        elif kind == "url":
            job = Job(target, "url", url=target)
            stage = f"opening the page in headless Chromium (up to {self.settings.live_budget_s:g} s), then OCR and scoring"
        else:
            raise ValueError(f"unknown scan kind {kind!r}")
        self._stage(scan_id, stage)
        options = CaptureOptions(budget_s=self.settings.live_budget_s, allow_private=self.settings.allow_private_urls, ocr=self.settings.ocr)
        stream = self._remote_client().run(1, lambda _i: job, options=options, static_budget_s=DEFAULT_BUDGET_S, keep_files=kind == "url",
                                           stop=self._stopping)
        result, files = next(iter(stream))
        stream.close()
        if kind == "screenshot":
            return result, data
        return result, files.get("screenshot-after.png") or files.get("screenshot-before.png")

    def _finish(self, scan_id: int, result: ScanResult | None, shot: bytes | None, error: str | None) -> None:
        data: dict[str, Any] | None = None
        if result is not None:
            data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
        for attempt in range(3):
            try:
                with transaction(self._factory) as db:
                    scan = db.get(Scan, scan_id)
                    if scan is None:  # deleted meanwhile
                        return
                    scan.finished_at = utcnow()
                    scan.status = "error" if error else "done"
                    scan.stage = "failed" if error else "done"
                    scan.error = error
                    scan.input_data = None  # the bytes were kept only to resume the scan; hash and size stay
                    if result is not None and data is not None:
                        scan.result = data
                        scan.verdict, scan.score, scan.language = result.verdict, result.score, result.language
                        scan.ocr_text = result.extra.get("ocr_text")
                        if shot and image_type(shot):
                            scan.screenshot, scan.screenshot_type = shot, image_type(shot)
                        if not error and attempt < 2:  # third try: keep the result even without its indicators
                            index_scan(db, scan, data)
                return
            except IntegrityError:  # a concurrent insert of the same indicator by another process: retry
                log.warning("scan %d: indicator insert raced another writer (try %d)", scan_id, attempt + 1)
