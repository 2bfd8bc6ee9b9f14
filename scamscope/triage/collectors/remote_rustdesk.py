"""RustDesk sessions from its text logs (heuristic reading, see scamscope.triage.remote.textlogs)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import textlogs
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded("rustdesk", "RustDesk", lambda c: textlogs.collect_text(c, "rustdesk"), ctx)
