"""Splashtop sessions and file transfers (``SPLog.txt``, ``FTCLog.txt``)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import splashtop
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded(splashtop.KEY, splashtop.LABEL, splashtop.collect, ctx)
