"""The producer side: send inputs to the workers and get one result per input back, in input order.

Inputs are sent a window at a time (:data:`WINDOW` tasks, at most :data:`WINDOW_BYTES` of file
data in flight), so a batch of a million URLs does not sit in the broker's memory. Files are read
here and sent as bytes with their name. Results arrive in completion order through the batch's
Redis list; each input's first result is kept (a task delivered twice, because its worker died
or its visibility timeout ran out, may answer twice) and results are given back in input order.

While Redis is away (a restart) the producer waits and reconnects (Celery retries publishing, the
result list is read again); after :data:`~scamscope.distributed.store.PATIENCE_S` seconds it
gives up, and every input without a result gets an error result saying so.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError

from scamscope.distributed.app import QUEUE, TASK, make_app
from scamscope.distributed.store import (
    BATCH_ALIVE_S,
    PATIENCE_S,
    BatchKeys,
    StoreUnavailable,
    connect,
    redact,
    retrying,
    store_url,
)
from scamscope.distributed.wire import WARC_FILE, options_to_dict, result_from_dict, unpack
from scamscope.live.capture import CaptureOptions
from scamscope.scan import error_result, is_url
from scamscope.types import ScanResult

WINDOW = 256  # tasks in flight at most
WINDOW_BYTES = 64 * 1024 * 1024  # file bytes in flight at most (one larger file still goes alone)
NO_WORKER_WARN_S = 5.0  # without any result by then, check that some worker answers


@dataclass
class Job:
    """One input as sent: ``kind`` is ``url``, ``bytes`` or ``render``."""

    name: str
    kind: str
    data: bytes = b""
    url: str | None = None
    size: int = 0  # the file's real size (the data may be its first MAX_READ bytes)

    def payload(self, batch: str, index: int, options: CaptureOptions, static_budget_s: float, save: bool, warc: bool = False) -> dict[str, Any]:
        return {"batch": batch, "index": index, "name": self.name, "kind": self.kind, "url": self.url,
                "data": base64.b64encode(self.data).decode("ascii") if self.data else "",
                "options": options_to_dict(options), "static_budget_s": static_budget_s, "save": save, "warc": warc}


def prepare(name: str, *, url: str | None = None, render: bool = False) -> Job | ScanResult:
    """A job for input ``name`` (a URL, a file path or ``-``), or the error result of a file that cannot be read."""
    from scamscope.acquire import MAX_READ, AcquireError, read_input
    from scamscope.containers import LIMITS, container_kind

    if is_url(name):
        return Job(name, "url", url=name)
    if name == "-":
        try:
            data = sys.stdin.buffer.read(MAX_READ)
        except OSError as exc:
            return error_result("-", f"cannot read standard input: {exc}", url)
        return Job("-", "bytes", data, url, len(data))
    try:
        data = read_input(name)
        size = max(len(data), Path(name).stat().st_size if Path(name).is_file() else 0)
        if not render and container_kind(data, name) and len(data) >= MAX_READ and Path(name).is_file():
            data = read_input(name, LIMITS.input_bytes)  # a container is opened whole, up to its own limit
    except AcquireError as exc:
        return error_result(name, str(exc), url)
    except OSError as exc:
        return error_result(name, f"cannot read: {exc.strerror or exc}", url)
    return Job(name, "render" if render else "bytes", data, url, size)


def _size_notes(job: Job, result: ScanResult) -> None:
    """What the local scan of a file says about its size, which the worker (given bytes) cannot know."""
    from scamscope.acquire import MAX_BYTES
    from scamscope.containers import LIMITS

    if job.kind != "bytes" or result.error:
        return
    if "container" in result.extra:
        if job.size > LIMITS.input_bytes:
            result.notes.append(f"container larger than {LIMITS.input_bytes:,} bytes: only its first {LIMITS.input_bytes:,} bytes were opened")
    elif job.size > MAX_BYTES and not result.truncated:
        result.truncated = True
        result.notes.append(f"input larger than {MAX_BYTES:,} bytes: analysed the first {MAX_BYTES:,} bytes only")


class Cancelled(Exception):
    """The caller stopped waiting (the desk shuts down); the batch is dropped by the workers."""


class Remote:
    """A connection to the workers through ``broker``; thread-safe (the desk shares one)."""

    def __init__(self, broker: str) -> None:
        self.broker = broker
        self.app = make_app(broker)
        self.redis = connect(store_url(broker))

    def close(self) -> None:
        self.app.close()
        self.redis.close()

    def workers_answering(self, timeout: float = 1.0) -> bool:
        try:
            return bool(self.app.control.inspect(timeout=timeout).ping())
        except Exception:  # noqa: BLE001 - no answer is the answer
            return False

    def _publish(self, payload: dict[str, Any]) -> None:
        task_id = f"{payload['batch']}-{payload['index']}"

        def send() -> None:
            try:
                self.app.send_task(TASK, args=[payload], task_id=task_id, queue=QUEUE)
            except OperationalError as exc:  # Celery's own retries ran out: ours go on, up to PATIENCE_S
                raise ConnectionError(str(exc)) from None

        retrying(send)

    def run(
        self,
        count: int,
        make: Callable[[int], Job | ScanResult],
        *,
        options: CaptureOptions,
        static_budget_s: float,
        keep_files: bool = False,
        keep_warc: bool = False,
        on_result: Callable[[], None] | None = None,
        warn: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[tuple[ScanResult, dict[str, bytes]]]:
        """Yield (result, saved files) for inputs ``make(0) .. make(count - 1)``, in that order.

        ``stop``: when set, :class:`Cancelled` is raised within a second."""
        batch = uuid.uuid4().hex
        keys = BatchKeys(batch)
        r = self.redis
        done: dict[int, tuple[ScanResult, dict[str, bytes]]] = {}
        jobs: dict[int, Job] = {}
        sent = emitted = 0
        got_any = False
        started = refreshed = time.monotonic()
        try:
            retrying(lambda: r.set(keys.alive, "1", ex=BATCH_ALIVE_S))
            while emitted < count:
                in_flight_bytes = sum(len(j.data) for j in jobs.values())
                while sent < count and sent - emitted < WINDOW and (in_flight_bytes < WINDOW_BYTES or not jobs):
                    item = make(sent)
                    if isinstance(item, ScanResult):
                        done[sent] = (item, {})
                        if on_result:
                            on_result()
                    else:
                        jobs[sent] = item
                        in_flight_bytes += len(item.data)
                        self._publish(item.payload(batch, sent, options, static_budget_s, keep_files, keep_warc))
                    sent += 1
                if emitted in done:
                    result, files = done.pop(emitted)
                    job = jobs.pop(emitted, None)
                    if job is not None:
                        _size_notes(job, result)
                    emitted += 1
                    yield result, files
                    continue
                if stop is not None and stop.is_set():
                    raise Cancelled()
                if time.monotonic() - refreshed > 60:
                    retrying(lambda: r.expire(keys.alive, BATCH_ALIVE_S))
                    refreshed = time.monotonic()
                if warn and not got_any and started and time.monotonic() - started > NO_WORKER_WARN_S:
                    started = 0.0
                    if not self.workers_answering():
                        warn(f"no scamscope worker answers on {redact(self.broker)}: waiting for one (scamscope worker --broker ...)")
                popped = retrying(lambda: r.blpop([keys.results], timeout=1))
                if not popped:
                    continue
                got_any = True
                try:
                    message = json.loads(popped[1])
                    index = int(message["index"])
                    if index < emitted or index in done or index not in jobs:
                        continue  # a second delivery's answer: the first one was kept
                    done[index] = (result_from_dict(message["result"]), unpack(message.get("artifacts")) if keep_files or keep_warc else {})
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # not a worker's message: ignored (the input's own result will come)
                if on_result:
                    on_result()
        except StoreUnavailable as exc:
            why = f"not scanned: lost the broker {redact(self.broker)} ({exc})"
            for index in range(emitted, count):
                if index in done:
                    yield done.pop(index)
                else:
                    job = jobs.get(index)
                    name = job.name if job else "?"
                    if job is None:
                        item = make(index)
                        name = item.input if isinstance(item, ScanResult) else item.name
                    yield error_result(name, why, job.url if job else None), {}
        finally:
            try:
                retrying(lambda: r.delete(keys.alive, keys.results, keys.done), patience_s=5.0)
            except StoreUnavailable:
                pass  # they expire anyway


def run_remote_batch(
    names: Sequence[str],
    *,
    broker: str,
    options: CaptureOptions | None = None,
    url: str | None = None,
    save: Path | None = None,
    progress: bool = False,
    static_budget_s: float = 20.0,
    render: bool = False,
    save_warc: Path | None = None,
) -> Iterator[ScanResult]:
    """:func:`scamscope.batch.run_batch` on the workers behind ``broker``: one result per input, in input order.

    Options travel with each task (a worker may narrow them); ``save``: the workers send back what
    they saved for each input and it is written here, in the same folders as a local run.
    ``save_warc``: the workers record each URL's capture and send the WARC back; it is written here
    under the name a local run gives it.
    """
    from scamscope.live.artifacts import folder_for
    from scamscope.live.artifacts import save as save_artifacts

    opts = options or CaptureOptions()
    remote = Remote(broker)
    bar = task = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        bar.start()
        task = bar.add_task("scan", total=len(names))

    def advance() -> None:
        if bar is not None and task is not None:
            bar.advance(task)

    def warn(message: str) -> None:
        if bar is not None:
            bar.console.print(f"warning: {message}", soft_wrap=True, markup=False, highlight=False)
        else:
            print(f"warning: {message}", file=sys.stderr)

    try:
        stream = remote.run(len(names), lambda i: prepare(names[i], url=url, render=render), options=opts, static_budget_s=static_budget_s,
                            keep_files=save is not None, keep_warc=save_warc is not None, on_result=advance, warn=warn)
        for index, (result, files) in enumerate(stream, start=1):
            warc = files.pop(WARC_FILE, None)
            if save_warc is not None and warc is not None:
                _write_warc(save_warc, index, names[index - 1], warc, result)
            if save is not None:
                folder = folder_for(save, index, names[index - 1])
                if files:
                    folder.mkdir(parents=True, exist_ok=True)
                    for fname, data in files.items():
                        (folder / Path(fname).name).write_bytes(data)
                else:
                    save_artifacts(folder, result)
            yield result
    finally:
        if bar is not None:
            bar.stop()
        remote.close()


def _write_warc(folder: Path, index: int, name: str, data: bytes, result: ScanResult) -> None:
    """Write a worker's WARC where a local run would have (whole or not at all); a failure is a note."""
    from scamscope.live.warc import warc_path, write_whole

    try:
        write_whole(warc_path(folder, index, name), lambda out: out.write(data))
    except OSError as exc:
        result.notes.append(f"WARC not written: {exc.strerror or exc}")


def broker_problem(broker: str, timeout: float = 5.0) -> str | None:
    """None when ``broker`` can be reached, else a one-line reason (for the command line's checks)."""
    try:
        url = store_url(broker)
    except ValueError as exc:
        return str(exc)
    try:
        client = connect(url)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure is the message
        what = "the broker" if url == broker else "the results Redis (SCAMSCOPE_REDIS)"
        return f"cannot reach {what} {redact(url)}: {type(exc).__name__}: {str(exc)[:160]}"
    if url != broker:  # RabbitMQ: reach it too
        from kombu import Connection

        try:
            with Connection(broker, connect_timeout=timeout) as conn:
                conn.ensure_connection(max_retries=1, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - any failure is the message
            return f"cannot reach the broker {redact(broker)}: {type(exc).__name__}: {str(exc)[:160]}"
    return None


__all__ = ["PATIENCE_S", "Cancelled", "Job", "Remote", "broker_problem", "prepare", "run_remote_batch"]
