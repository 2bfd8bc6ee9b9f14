"""Quick Assist use, from the history of its embedded browser (EBWebView)."""

from __future__ import annotations

from typing import Any

from scamscope.triage.remote import quickassist
from scamscope.triage.remote.common import guarded
from scamscope.triage.types import Collected


def collect(ctx: Any) -> Collected:
    return guarded("quickassist", "Quick Assist", lambda c: quickassist.collect(c), ctx)
