"""Scan many inputs concurrently; results come back in input order, one bad input never stops the rest."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scamscope.bounded import DEFAULT_BUDGET_S, StaticPool
from scamscope.live.capture import CaptureOptions, LiveCapturer
from scamscope.scan import error_result, is_url, scan_url
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
    capturer: LiveCapturer | None = None,
    static_budget_s: float = DEFAULT_BUDGET_S,
    render: bool = False,
    save_warc: Path | None = None,
) -> Iterator[ScanResult]:
    """Yield one result per input, in input order, scanning up to ``jobs`` inputs at a time.

    ``save_warc``: a folder where each URL's capture is written as WARC (:mod:`scamscope.live.warc`).

    URL inputs share one browser (a :class:`LiveCapturer`): up to ``jobs`` pages are open at once,
    each in its own context. The browser is closed at the end, whatever happened, unless it was
    given as ``capturer`` (then the caller owns it and may reuse it, warm). ``progress`` draws a progress bar on stderr.

    Every static analysis (files, and the scoring of what a URL showed) runs in one of ``jobs``
    warm worker processes (:class:`scamscope.bounded.StaticPool`), killed and replaced when it
    takes longer than ``static_budget_s`` seconds. ``render``: files are opened in the browser too
    (see :mod:`scamscope.live.render`), not only read.
    """
    opts = options or CaptureOptions()
    workers = StaticPool(max(1, jobs), budget_s=static_budget_s)
    shared: list[LiveCapturer] = []
    lock = threading.Lock()
    given = capturer

    def live() -> LiveCapturer:
        if given is not None:
            return given
        with lock:
            if not shared:
                shared.append(LiveCapturer())
            return shared[0]

    def one(index: int, name: str) -> ScanResult:
        from scamscope.live.artifacts import folder_for
        from scamscope.live.artifacts import save as save_artifacts

        folder = folder_for(save, index, name) if save is not None else None
        try:
            if is_url(name):
                warc = None
                if save_warc is not None:
                    from scamscope.live.warc import warc_path

                    warc = warc_path(save_warc, index, name)
                return scan_url(name, live(), opts, model=model, save=folder, pool=workers, save_warc=warc)
            if render and name != "-":
                from scamscope.live.render import render_file

                return render_file(name, live(), opts, model=model, pool=workers, save=folder)
            result = workers.scan_path(name, url=url, model=model)
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
        for cap in shared:
            cap.close()
        workers.close()

