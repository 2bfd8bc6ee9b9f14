"""timeline.jsonl in Timesketch's JSONL import format, and the same rows as timeline.csv.

Timesketch needs ``message``, ``datetime`` (ISO 8601) and ``timestamp_desc`` on every line; any other
key becomes a searchable attribute. ``timestamp`` (microseconds since the epoch) is added as well.
``source_line`` is an integer, or null where the source has no lines (a registry key, a database
row): one type per field, for typed imports.

timeline.csv is UTF-8 with a byte order mark (Excel on a Japanese PC reads it as it is), and no
cell can run as a formula: page titles and URLs in it come from the pages a victim visited.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from scamscope.triage.types import Event

RESERVED = {"message", "datetime", "timestamp_desc", "timestamp", "event_id", "kind", "tool", "user", "tag",
            "source", "source_path", "source_line", "story_step"}
CSV_COLUMNS = ["event_id", "datetime", "timestamp_desc", "kind", "message", "tool", "user", "tag", "source", "source_path",
               "source_line", "story_step", "fields"]


def row(e: Event, steps: dict[str, list[str]]) -> dict[str, Any]:
    d: dict[str, Any] = {
        "message": e.message,
        "datetime": e.ts.isoformat(),
        "timestamp_desc": e.timestamp_desc,
        "timestamp": int(e.ts.timestamp() * 1_000_000),
        "event_id": e.id,
        "kind": e.kind,
        "tool": e.tool or "",
        "user": e.user or "",
        "tag": list(e.tags),
        "source": e.ref.source,
        "source_path": e.ref.path,
        "source_line": e.ref.line,
        "story_step": steps.get(e.id, []),
    }
    for k, v in e.all_fields().items():
        if v is None:
            continue
        d[k if k not in RESERVED else f"field_{k}"] = v if isinstance(v, str | int | float | bool) else str(v)
    return d


def write_jsonl(events: list[Event], steps: dict[str, list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for e in events:
            fh.write(json.dumps(row(e, steps), ensure_ascii=False) + "\n")


def write_csv(events: list[Event], steps: dict[str, list[str]], path: Path) -> None:
    from scamscope.exchange.csvout import cell

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        for e in events:
            r = row(e, steps)
            extra = {k: v for k, v in r.items() if k not in CSV_COLUMNS and k != "timestamp"}
            w.writerow([cell(v) for v in (r["event_id"], r["datetime"], r["timestamp_desc"], r["kind"], r["message"], r["tool"], r["user"],
                        ";".join(r["tag"]), r["source"], r["source_path"], "" if r["source_line"] is None else r["source_line"],
                        ";".join(r["story_step"]), json.dumps(extra, ensure_ascii=False) if extra else "")])
