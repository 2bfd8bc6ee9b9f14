"""Remote-access tools: their logs parsed into sessions, transfers and timeline events.

One module per tool (or family) holds the parsing, as a :class:`~scamscope.triage.remote.common.Parser`
run by the shared skeleton :func:`~scamscope.triage.remote.common.collect_tool`; the registry in
:mod:`scamscope.triage.collectors` lists them. Both a full Windows target and a partial collection go
through the same parsers: files are found by walking the volume and every user home (plus whatever
dissect's remote-access plugins found on a full target), then streamed with line numbers so that
every record points at its line. Event log records of the tools (ScreenConnect, LogMeIn) come from
the one pass over the event logs (:mod:`scamscope.triage.remote.eventlog`). Labels, globs and
providers of every tool are in ``scamscope/data/remote_tools.toml`` (:func:`tool`, :func:`label`).

:func:`tool_for` maps a program's display name or executable to the tool key of
``scamscope/data/remote_tools.toml`` (for the software / execution collectors).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from scamscope.data import load


@cache
def tools() -> tuple[dict[str, Any], ...]:
    """Every ``[[tool]]`` of remote_tools.toml (read-only)."""
    return tuple(load("remote_tools").get("tool", []))


def tool(key: str) -> dict[str, Any]:
    """The ``[[tool]]`` entry with this key (KeyError when unknown)."""
    for entry in tools():
        if entry["key"] == key:
            return entry
    raise KeyError(key)


def label(key: str) -> str:
    """Short display name of a tool (``"ScreenConnect"`` rather than the full catalogue name)."""
    name = tool(key)["name"]
    return re.split(r"\s+\(", name)[0]


def tool_for(name_or_exe: str) -> str | None:
    """The remote_tools.toml key for a display name, service name, file name or full path, else None.

    ``"AnyDesk.exe"``, ``"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"``, ``"TeamViewer 15"``,
    ``"ScreenConnect Client (3f2a...)"`` and ``"AnyDesk (1).exe"`` (a browser's renamed download) are all
    recognised. Only the last path component counts (a folder name decides nothing). An exact
    executable name wins; otherwise the longest catalogue name contained in it decides.
    """
    if not name_or_exe:
        return None
    text = name_or_exe.strip().strip('"').lower()
    base = re.split(r"[\\/]", text)[-1]
    for entry in tools():
        if base in entry.get("executables", []):
            return entry["key"]
    best: tuple[int, str] | None = None
    squashed = re.sub(r"[\s_\-.]+", " ", base)
    for entry in tools():
        for name in entry.get("names", []):
            if name in base or name in squashed or name.replace(" ", "") in base.replace(" ", ""):
                if best is None or len(name) > best[0]:
                    best = (len(name), entry["key"])
    return best[1] if best else None
