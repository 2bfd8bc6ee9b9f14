"""ScreenConnect and LogMeIn records of the Application event log (and loose .evtx files of a partial collection)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import eventlog
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded("screenconnect", "ScreenConnect", lambda c: eventlog.collect(c), ctx)
