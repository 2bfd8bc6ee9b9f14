"""TeamViewer sessions (``Connections_incoming.txt``, ``Connections.txt``, ``TeamViewer*_Logfile.log``)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import teamviewer
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded(teamviewer.KEY, teamviewer.LABEL, teamviewer.collect, ctx)
