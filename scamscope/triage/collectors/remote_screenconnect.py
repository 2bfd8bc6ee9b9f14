"""ScreenConnect client settings files (``user.config``, ``system.config``); its sessions come from remote_eventlog."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import screenconnect
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded("screenconnect", "ScreenConnect", lambda c: screenconnect.collect_configs(c), ctx)
