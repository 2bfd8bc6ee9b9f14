"""Collectors: one module per artifact family, each exposing ``collect(ctx) -> Collected``.

A collector never raises for bad evidence: it records a :class:`~scamscope.triage.types.Problem`
(missing, unreadable, corrupt) and returns what it could read. The pipeline runs every module of
this package that defines ``collect`` (in name order, see :func:`all_collectors`) and catches
anything unexpected as a problem too.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any


def all_collectors() -> list[tuple[str, Callable[[Any], Any]]]:
    """``(module name, collect)`` of every collector module in this package, sorted by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        collect = getattr(module, "collect", None)
        if callable(collect):
            found.append((info.name, collect))
    return found
