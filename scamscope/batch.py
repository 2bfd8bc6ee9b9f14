"""Scan many inputs concurrently; results come back in input order, one bad input never stops the rest."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scamscope.live.capture import CaptureOptions, LiveCapturer
from scamscope.scan import error_result, is_url, scan_path, scan_url
from scamscope.score import Model
from scamscope.types import ScanResult


def run_batch(
    names: Sequence[str],
    *,
    jobs: int = 1,
    options: CaptureOptions | None = None,
    url: str | None = None,
    model: Model | None = None,
    save: Path | None = None,
    progress: bool = False,
) -> Iterator[ScanResult]:
    """Yield one result per input, in input order, scanning up to ``jobs`` inputs at a time.

    Each worker thread owns its own browser (a :class:`LiveCapturer`) for URL inputs; all are
    closed at the end, whatever happened. ``progress`` draws a progress bar on stderr.
    """
    opts = options or CaptureOptions()
    local = threading.local()
    capturers: list[LiveCapturer] = []
    lock = threading.Lock()

    def capturer() -> LiveCapturer:
        cap = getattr(local, "capturer", None)
        if cap is None:
            cap = local.capturer = LiveCapturer()
            with lock:
                capturers.append(cap)
        return cap

    def one(index: int, name: str) -> ScanResult:
        from scamscope.live.artifacts import folder_for
        from scamscope.live.artifacts import save as save_artifacts

        folder = folder_for(save, index, name) if save is not None else None
        try:
            if is_url(name):
                return scan_url(name, capturer(), opts, model=model, save=folder)
            result = scan_path(name, url=url, model=model)
            if folder is not None:
                save_artifacts(folder, result)
            return result
        except Exception as exc:  # one bad input never stops the batch
            return error_result(name, f"internal error: {type(exc).__name__}: {str(exc)[:160]}", name if is_url(name) else url)

    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, i, name) for i, name in enumerate(names, start=1)]
            if bar is not None:
                bar.start()
                task = bar.add_task("scan", total=len(futures))
                for f in futures:
                    f.add_done_callback(lambda _f: bar.advance(task))
            for future in futures:
                yield future.result()
    finally:
        if bar is not None:
            bar.stop()
        for cap in capturers:
            cap.close()
