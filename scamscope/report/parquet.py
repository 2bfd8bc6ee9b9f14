"""Research output: scan results as Apache Parquet (``scamscope scan --out results.parquet``).

One row per input, in input order, with a fixed, documented schema (:data:`SCHEMA`, described in
``docs/parquet.md`` with DuckDB queries) so that millions of results can be queried without
parsing JSON. Nested facts (phones, evidence) are lists of structs; what has no fixed shape (kit
fingerprints, the container's members) is kept as JSON text. Rows are written in batches, so memory
does not grow with the number of inputs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from scamscope.types import ScanResult

SCHEMA_VERSION = 1
BATCH_ROWS = 1000

PHONE = pa.struct([
    ("raw", pa.string()), ("e164", pa.string()), ("region", pa.string()), ("type", pa.string()),
    ("flags", pa.list_(pa.string())), ("where", pa.string()),
])
EVIDENCE = pa.struct([("signal", pa.string()), ("weight", pa.float64()), ("source", pa.string()), ("detail", pa.string())])
SCHEMA = pa.schema(
    [
        ("input", pa.string()),
        ("scanned_at", pa.timestamp("ms", tz="UTC")),
        ("verdict", pa.string()),  # scam / suspicious / benign; null on error
        ("score", pa.float64()),
        ("error", pa.string()),
        ("kind", pa.string()),  # html / script / text / image
        ("language", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),  # live capture: where the page ended up
        ("domain", pa.string()),  # registrable domain of final_url (or url)
        ("truncated", pa.bool_()),
        ("phones", pa.list_(PHONE)),
        ("brands", pa.list_(pa.string())),
        ("evidence", pa.list_(EVIDENCE)),
        ("redirects", pa.list_(pa.string())),
        ("timed_out", pa.bool_()),
        ("screenshot_sha256", pa.string()),  # of the "after" (else "before") screenshot
        ("fingerprints_json", pa.string()),
        ("container_json", pa.string()),
        ("notes", pa.list_(pa.string())),
    ],
    metadata={"scamscope.schema_version": str(SCHEMA_VERSION), "doc": "docs/parquet.md"},
)


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    from scamscope.signals.brands import host_of, registrable_domain

    host = host_of(url)
    return registrable_domain(host) if host else None


def row(result: ScanResult, scanned_at: datetime | None = None) -> dict[str, Any]:
    """One result as a row of :data:`SCHEMA`."""
    live = result.extra.get("live") or {}
    final_url = live.get("final_url") or result.url
    shots = live.get("screenshot_sha256") or {}
    redirects = [str(r.get("url") or r.get("to") or r) if isinstance(r, dict) else str(r) for r in live.get("redirects") or []]
    return {
        "input": result.input,
        "scanned_at": scanned_at or datetime.now(UTC).replace(microsecond=0),
        "verdict": result.verdict,
        "score": result.score,
        "error": result.error,
        "kind": result.kind,
        "language": result.language,
        "url": result.url,
        "final_url": final_url,
        "domain": _domain(final_url),
        "truncated": result.truncated,
        "phones": [{"raw": p.raw, "e164": p.e164, "region": p.region, "type": p.type, "flags": list(p.flags), "where": p.where}
                   for p in result.phones],
        "brands": sorted({b.brand for b in result.brands}),
        "evidence": [{"signal": e.signal, "weight": round(e.weight, 4), "source": e.source, "detail": e.detail[:500]} for e in result.evidence],
        "redirects": redirects,
        "timed_out": bool(live.get("timed_out")) if live else None,
        "screenshot_sha256": shots.get("after") or shots.get("before"),
        "fingerprints_json": json.dumps(result.extra["fingerprints"], ensure_ascii=False) if result.extra.get("fingerprints") else None,
        "container_json": json.dumps(result.extra["container"], ensure_ascii=False) if result.extra.get("container") else None,
        "notes": list(result.notes),
    }


class ParquetWriter:
    """Append results; rows are flushed to the file every :data:`BATCH_ROWS` results and on close."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self.count = 0

    def write(self, result: ScanResult) -> None:
        self._rows.append(row(result))
        self.count += 1
        if len(self._rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=SCHEMA))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> ParquetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
