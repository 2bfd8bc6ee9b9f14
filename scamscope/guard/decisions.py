"""The guard's decision log: one JSON object per line, per decision, and nothing else about browsing.

Each line has ``time`` (UTC, ISO 8601), ``client`` (address), ``url``, ``verdict``, ``score``,
``reasons`` and ``action``; some have ``rule`` (the block-list entry), ``phones``, ``error`` or
``ms`` (scoring time). Passed pages are logged without their query string and fragment: what a
person looked up is not the guard's business, only that the page was let through.

Actions: ``block`` (a scam page replaced by the block page), ``inject`` (an uncertain page got the
watcher), ``pass``, ``block_request`` (a known-bad address refused before it was fetched),
``block_connect`` (a tunnel refused by host name), ``replaced`` (the watcher caught lock-in and
replaced the page), ``report_rejected`` (a report without a valid token), ``error`` (the guard's
own trouble, e.g. a block list that cannot be re-read).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("scamscope.guard")
MAX_URL = 2000


def without_query(url: str) -> str:
    try:
        p = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((p.scheme, p.netloc, p.path, "", ""))


class DecisionLog:
    """Append-only JSON Lines, one flush per line; thread-safe. ``path`` ``-`` writes to stdout."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: TextIO | None = None
        if path == "-":
            self._fh = sys.stdout
        elif path:
            self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the guard's life
        self.counts: dict[str, int] = {}

    def write(self, action: str, *, client: str, url: str, verdict: str | None = None, score: float | None = None, reasons: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "client": client,
            "url": (without_query(url) if action == "pass" else url)[:MAX_URL],
            "verdict": verdict,
            "score": None if score is None else round(score, 4),
            "reasons": list(reasons or []),
            "action": action,
        }
        record.update({k: v for k, v in extra.items() if v is not None})
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self.counts[action] = self.counts.get(action, 0) + 1
            if self._fh is not None:
                try:
                    self._fh.write(line + "\n")
                    self._fh.flush()
                except (OSError, ValueError) as exc:  # a full disk must not break browsing
                    log.error("decision log: cannot write: %s", exc)
        if "error" in record:
            log.warning("%s %s: %s", action, record["url"][:200], record["error"])
        return record

    def close(self) -> None:
        with self._lock:
            if self._fh is not None and self._fh is not sys.stdout:
                self._fh.close()
            self._fh = None
