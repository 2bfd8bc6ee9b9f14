"""Workers' health: a remote-control command each worker answers, and the ``scamscope workers`` listing.

Workers answer Celery's standard ``ping``, ``active``, ``reserved`` and ``stats`` (Flower reads the
same, plus the task events they send), and ``scamscope_health``: pages done, errors, inputs given
up, the browser's process and version, the worker's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.worker.control import inspect_command

from scamscope.distributed.app import TASK


@inspect_command()
def scamscope_health(state: Any) -> dict[str, Any]:
    """scamscope worker health: pages done, errors, browser process, limits."""
    from scamscope.distributed import tasks

    st = tasks.state()
    return {"ok": st is not None, **(st.health() if st is not None else {})}


@dataclass
class WorkerInfo:
    name: str
    active: int = 0  # tasks running now (pages being captured or scored)
    reserved: int = 0  # tasks received and waiting in the worker
    done: int = 0  # tasks finished since the worker started (Celery's count)
    health: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "active": self.active, "reserved": self.reserved, "done": self.done, **self.health}


def list_workers(app: Celery, timeout: float = 2.0) -> list[WorkerInfo]:
    """The workers that answer within ``timeout`` seconds, by name."""
    answered = app.control.inspect(timeout=timeout).ping() or {}
    infos = {name: WorkerInfo(name) for name in answered}
    if not infos:
        return []
    inspect = app.control.inspect(timeout=timeout, limit=len(infos))  # each answer below returns as soon as all have replied
    for name, tasks in (inspect.active() or {}).items():
        infos.setdefault(name, WorkerInfo(name)).active = len(tasks or [])
    for name, tasks in (inspect.reserved() or {}).items():
        infos.setdefault(name, WorkerInfo(name)).reserved = len(tasks or [])
    for name, stats in (inspect.stats() or {}).items():
        infos.setdefault(name, WorkerInfo(name)).done = int(((stats or {}).get("total") or {}).get(TASK, 0))
    for name, health in (inspect._request("scamscope_health") or {}).items():
        infos.setdefault(name, WorkerInfo(name)).health = dict(health or {})
    return [infos[k] for k in sorted(infos)]
