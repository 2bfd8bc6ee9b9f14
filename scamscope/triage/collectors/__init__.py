"""Collectors: one registry of everything a triage reads, each entry ``collect(ctx) -> Collected``.

A collector never raises for bad evidence: it records a :class:`~scamscope.triage.types.Problem`
(missing, unreadable, corrupt) and returns what it could read. :func:`all_collectors` is the one
table: the artifact collectors of this package, the one pass over the event logs, and one entry per
remote-access parser of :mod:`scamscope.triage.remote` (all run by the shared
:func:`~scamscope.triage.remote.common.collect_tool` skeleton; their labels and file globs come from
``data/remote_tools.toml``). The pipeline runs them in this order and is the one place that catches a
collector's unexpected failure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from scamscope.triage.types import Collected

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext
    from scamscope.triage.remote.common import Parser

Collect = Callable[["TriageContext"], Collected]


def remote_parsers() -> list[type[Parser]]:
    """Every remote-access tool's parser class (one per ``[[tool]]`` that has log files)."""
    from scamscope.triage.remote.anydesk import AnyDeskParser
    from scamscope.triage.remote.quickassist import QuickAssistParser
    from scamscope.triage.remote.screenconnect import ScreenConnectConfigParser
    from scamscope.triage.remote.splashtop import SplashtopParser
    from scamscope.triage.remote.teamviewer import TeamViewerParser
    from scamscope.triage.remote.textlogs import (
        LogMeInParser,
        RustDeskParser,
        SupremoParser,
        UltraViewerParser,
        ZohoAssistParser,
    )

    return [
        AnyDeskParser,
        TeamViewerParser,
        SplashtopParser,
        ScreenConnectConfigParser,
        QuickAssistParser,
        RustDeskParser,
        SupremoParser,
        UltraViewerParser,
        LogMeInParser,
        ZohoAssistParser,
    ]


def all_collectors() -> list[tuple[str, Collect]]:
    """``(name, collect)`` of every collector, in the order the pipeline runs them."""
    from scamscope.triage.collectors import browser, executions, software
    from scamscope.triage.remote import eventlog
    from scamscope.triage.remote.common import collect_tool

    table: list[tuple[str, Collect]] = [
        ("browser", browser.collect),
        ("eventlogs", eventlog.collect),
        ("executions", executions.collect),
    ]
    table += [(f"remote_{parser.key}", partial(collect_tool, parser)) for parser in remote_parsers()]
    table.append(("software", software.collect))
    return table


def collector(name: str) -> Collect:
    """The ``collect`` of one registry entry by name (``"remote_anydesk"``, ``"eventlogs"``, ...)."""
    for key, collect in all_collectors():
        if key == name:
            return collect
    raise KeyError(name)
