"""Shared by the live benchmarks: an evenly spaced sample of corpus pages served from 127.0.0.1, and
the CPU seconds of a process tree (read from /proc, so that older trees can be measured too)."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scamscope.live.capture import tree_members

SUFFIXES = (".html", ".htm", ".php")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the browser hung up: nothing to report
            pass


def sample(folder: Path, pages: int) -> list[Path]:
    """Every n-th page file under ``folder``, ``pages`` of them (the corpus's mix of kinds and languages)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    return files[:: max(1, len(files) // pages)][:pages]


@contextmanager
def served(folder: Path, pages: int) -> Iterator[list[str]]:
    """The URLs of :func:`sample` on a loopback server that lives as long as the ``with`` block."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield [f"{base}/{p.relative_to(folder).as_posix()}" for p in sample(folder, pages)]
    finally:
        httpd.shutdown()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants, reaped children included."""
    ticks = 0
    for pid in tree_members(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        ticks += sum(int(x) for x in stat[stat.rfind(")") + 2 :].split()[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
