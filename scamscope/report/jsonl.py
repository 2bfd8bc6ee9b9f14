"""Machine output: one JSON object per input (JSON Lines)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from scamscope.types import ScanResult


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_result(out: TextIO, r: ScanResult) -> None:
    out.write(dumps(r.to_dict()) + "\n")
    out.flush()
