"""scan --out results.parquet: one row per input in input order, the documented schema, and the
DuckDB queries of docs/parquet.md run on it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from typer.testing import CliRunner

from scamscope.cli import app
from scamscope.report.parquet import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"


def _scan(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "kit.html.gz").write_bytes(gzip.compress((PAGES / "scam" / "fake-update-ja.html").read_bytes()))
    inputs = [str(PAGES / "scam" / "fake-defender-en.html"), str(PAGES / "benign" / "slides-en.html"),
              str(tmp_path / "missing.html"), str(tmp_path / "kit.html.gz"), str(PAGES / "scam" / "fake-av-scan-ja.html")]
    out = tmp_path / "results.parquet"
    res = CliRunner().invoke(app, ["scan", "--json", "--out", str(out), *inputs])
    assert res.exit_code == 2, res.output  # one input missing: exit 2, the rest scanned and written
    return out, inputs


def test_rows_in_input_order_with_the_documented_schema(tmp_path: Path) -> None:
    out, inputs = _scan(tmp_path)
    table = pq.read_table(out)
    assert table.schema.names == SCHEMA.names
    assert [str(t) for t in table.schema.types][:11] == [str(t) for t in SCHEMA.types][:11]
    assert pq.read_schema(out).metadata[b"scamscope.schema_version"] == b"1"
    rows = table.to_pylist()
    assert [r["input"] for r in rows] == inputs
    assert [r["verdict"] for r in rows] == ["scam", "benign", None, "scam", "scam"]
    assert rows[2]["error"] == "no such file"
    assert any(p["e164"] == "+18885550137" for p in rows[0]["phones"])
    assert '"kind": "gzip"' in rows[3]["container_json"] and rows[3]["fingerprints_json"]
    assert all(e["signal"] for e in rows[0]["evidence"])
    documented = set(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs" / "parquet.md").read_text(encoding="utf-8"), re.M))
    assert documented == set(SCHEMA.names)


def test_documented_duckdb_queries_run(tmp_path: Path) -> None:
    out, _ = _scan(tmp_path)
    doc = (ROOT / "docs" / "parquet.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", doc, re.S)
    assert len(queries) == 3
    con = duckdb.connect()
    results = [con.execute(q.replace("'results.parquet'", f"'{out}'")).fetchall() for q in queries]
    weekly, campaigns, signals = results
    assert any(row[1] == "+18885550137" for row in weekly)
    assert {row[0] for row in campaigns} >= {"+18885550137"}
    assert signals and all(row[1] >= 1 for row in signals)


def test_out_must_be_parquet(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["scan", "--out", str(tmp_path / "x.csv"), str(PAGES / "benign" / "slides-en.html")])
    assert res.exit_code == 2 and "parquet" in res.output
