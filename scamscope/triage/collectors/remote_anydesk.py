"""AnyDesk sessions, logins and file transfers (``ad_svc.trace``, ``ad.trace``, ``connection_trace.txt``, ``file_transfer_trace.txt``)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import anydesk
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded(anydesk.KEY, anydesk.LABEL, anydesk.collect, ctx)
