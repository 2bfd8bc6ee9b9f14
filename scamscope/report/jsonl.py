"""Machine output: one JSON object per input (JSON Lines)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

from scamscope.types import ScanResult


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_result(out: TextIO, r: ScanResult) -> None:
    """One line; ``scanned_at`` (UTC) is when the result was written, which exports and campaigns
    use as the time the page was seen."""
    out.write(dumps({**r.to_dict(), "scanned_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}) + "\n")
    out.flush()
