"""A counting semaphore across threads and processes of one user on one machine.

``N`` slot files live in a private directory (``$SCAMSCOPE_SLOT_DIR``, else
``<tmp>/scamscope-slots-<uid>``, mode 0700). Holding a slot is holding an exclusive ``flock`` on
one of them, through a file descriptor opened for that holder alone, so two threads of one process
exclude each other just as two processes do. The kernel drops the lock when the last descriptor
of the holder is closed, including when the process dies: a killed scan never leaves a slot taken.

A slot's descriptor can be passed to a child process (``pass_fds``): the slot then stays taken
until the child exits too, even if its parent is killed first. After a ``fork`` without ``exec``
the child closes its copies (the parent keeps its slots).

Waiting polls (5 ms, doubling to 100 ms) until the caller's deadline; there is no queue, so under
contention the order of service is not first come, first served.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

_held: set[int] = set()  # descriptors of slots this process holds
_held_lock = threading.Lock()
_private_dir: Path | None = None


def _close_held_after_fork() -> None:
    global _held_lock
    _held_lock = threading.Lock()  # another thread may have held it at the fork
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_close_held_after_fork)


class SlotTimeout(Exception):
    """No slot came free before the deadline."""


def _safe_dir(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def slot_dir() -> Path:
    """The shared directory; a private one when the shared one is unsafe (another user owns it)."""
    global _private_dir
    path = Path(os.environ.get("SCAMSCOPE_SLOT_DIR") or Path(tempfile.gettempdir()) / f"scamscope-slots-{os.getuid()}")
    if _safe_dir(path):
        return path
    with _held_lock:
        if _private_dir is None:
            _private_dir = Path(tempfile.mkdtemp(prefix="scamscope-slots-"))
        return _private_dir


class Slot:
    """One taken slot; use as a context manager, or :meth:`release`. ``fd`` can go to ``pass_fds``."""

    def __init__(self, fd: int, name: str, index: int) -> None:
        self.fd, self.name, self.index = fd, name, index

    def release(self) -> None:
        with _held_lock:
            if self.fd in _held:
                _held.discard(self.fd)
                os.close(self.fd)

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _try(folder: Path, name: str, index: int) -> Slot | None:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(folder / f"{name}-{index}", flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    with _held_lock:
        _held.add(fd)
    return Slot(fd, name, index)


def acquire(name: str, count: int, deadline: float) -> Slot:
    """Take one of ``count`` slots called ``name``, waiting until ``deadline`` (``time.monotonic``).

    Raises :class:`SlotTimeout` when none came free in time, ``OSError`` when the slot files
    cannot be created.
    """
    folder = slot_dir()
    delay = 0.005
    while True:
        for index in range(max(1, count)):
            slot = _try(folder, name, index)
            if slot is not None:
                return slot
        left = deadline - time.monotonic()
        if left <= 0:
            raise SlotTimeout(f"all {count} {name} slots stayed busy")
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.1)
