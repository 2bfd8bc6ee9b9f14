"""The command line, end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SCAM = ROOT / "examples" / "fake-warning-ja.html"
EXAMPLE_BENIGN = ROOT / "examples" / "ordinary-ja.html"
KEYS = {"input", "verdict", "score", "language", "evidence", "phones", "brands", "error"}


def run(*args: str, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "scamscope", *args], input=stdin, capture_output=True, timeout=timeout, cwd=ROOT
    )


def lines(proc: subprocess.CompletedProcess[bytes]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


def test_scan_example_terminal_output() -> None:
    proc = run("scan", str(EXAMPLE_SCAM))
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr.decode()
    assert "SCAM" in out
    assert "Evidence" in out and "Phone numbers" in out
    assert "0101-844-555-0142" in out
    assert "Traceback" not in proc.stderr.decode()


def test_scan_json_lines_schema_and_order() -> None:
    proc = run("scan", "--json", str(EXAMPLE_SCAM), str(EXAMPLE_BENIGN))
    assert proc.returncode == 1
    rows = lines(proc)
    assert [r["input"] for r in rows] == [str(EXAMPLE_SCAM), str(EXAMPLE_BENIGN)]
    for r in rows:
        assert KEYS <= set(r)
        assert r["error"] is None
        assert 0.0 <= r["score"] <= 1.0
        for e in r["evidence"]:
            assert {"signal", "weight", "detail", "excerpt"} <= set(e)
        for p in r["phones"]:
            assert {"raw", "e164", "region", "type", "flags"} <= set(p)
    scam, benign = rows
    assert scam["verdict"] == "scam" and scam["language"] == "ja"
    assert benign["verdict"] == "benign"
    disguised = [p for p in scam["phones"] if "jp_international_disguised" in p["flags"]]
    assert disguised and disguised[0]["region"] == "US"
    signals = {e["signal"] for e in scam["evidence"]}
    assert {"lockin.fullscreen", "lockin.keyboard_lock", "lockin.speech"} <= signals
    assert any(s.startswith("text.") for s in signals)


def test_benign_only_exits_zero() -> None:
    proc = run("scan", "--json", str(EXAMPLE_BENIGN))
    assert proc.returncode == 0
    assert lines(proc)[0]["verdict"] == "benign"


def test_bad_inputs_do_not_stop_the_batch(tmp_path: Path) -> None:
    png = tmp_path / "shot.html"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    proc = run("scan", "--json", str(tmp_path / "missing.html"), str(tmp_path), str(png), str(empty), str(EXAMPLE_SCAM))
    assert proc.returncode == 2
    rows = lines(proc)
    assert len(rows) == 5
    errors = [r["error"] for r in rows[:4]]
    assert all(isinstance(e, str) and "\n" not in e for e in errors)
    assert "no such file" in errors[0] and "directory" in errors[1] and "PNG" in errors[2] and "empty" in errors[3]
    assert all(r["verdict"] is None for r in rows[:4])
    assert rows[4]["verdict"] == "scam" and rows[4]["error"] is None
    assert b"Traceback" not in proc.stderr


def test_bad_input_in_terminal_mode_is_one_line(tmp_path: Path) -> None:
    proc = run("scan", str(tmp_path / "nope.html"))
    assert proc.returncode == 2
    assert "error: no such file" in proc.stdout.decode()
    assert b"Traceback" not in proc.stderr


def test_stdin() -> None:
    proc = run("scan", "--json", "-", stdin=EXAMPLE_SCAM.read_bytes())
    assert proc.returncode == 1
    row = lines(proc)[0]
    assert row["input"] == "-" and row["verdict"] == "scam"


def test_url_option_checks_brand_against_domain() -> None:
    proc = run("scan", "--json", "--url", "https://windows-defender-alert.example-host.test/jp/", str(EXAMPLE_SCAM))
    row = lines(proc)[0]
    assert any(b["official"] is False for b in row["brands"])
    assert "brand.domain_mismatch" in {e["signal"] for e in row["evidence"]}


def test_phone_command_explains_disguised_number() -> None:
    proc = run("phone", "--json", "お電話ください 0101-844-555-0199")
    rows = json.loads(proc.stdout)
    assert rows and rows[0]["region"] == "US"
    assert "jp_international_disguised" in rows[0]["flags"]
    human = run("phone", "0101-844-555-0199").stdout.decode()
    assert "US" in human and "+1844555019" in human


def _tiny_corpus(root: Path) -> Path:
    (root / "scam").mkdir(parents=True)
    (root / "benign").mkdir()
    rows = ["file\tlabel\tlanguage\tfamily"]
    scam = EXAMPLE_SCAM.read_text(encoding="utf-8")
    benign = EXAMPLE_BENIGN.read_text(encoding="utf-8")
    for i in range(6):
        (root / "scam" / f"s{i}.html").write_text(scam.replace("0142", f"01{40 + i}"), encoding="utf-8")
        (root / "benign" / f"b{i}.html").write_text(benign.replace("0123", f"01{20 + i}"), encoding="utf-8")
        rows += [f"s{i}.html\tscam\tja\tkit{i % 3}", f"b{i}.html\tbenign\tja\tsite{i % 3}"]
    (root / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_eval_and_train_on_a_small_corpus(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path / "corpus")
    proc = run("eval", "--json", str(corpus))
    figures = json.loads(proc.stdout)
    assert figures["overall"]["recall"] == 1.0 and figures["overall"]["fpr"] == 0.0
    assert set(figures["per_language"]) == {"ja"}
    cv = json.loads(run("eval", "--json", "--cv", "3", str(corpus)).stdout)
    assert cv["mode"].startswith("3-fold")
    model = tmp_path / "m.json"
    proc = run("train", "--out", str(model), "--cv", "0", str(corpus))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(model.read_text())["meta"]["samples"] == 12
    again = run("scan", "--json", "--model", str(model), str(EXAMPLE_SCAM))
    assert lines(again)[0]["verdict"] == "scam"


def test_eval_reports_a_broken_corpus(tmp_path: Path) -> None:
    proc = run("eval", str(tmp_path))
    assert proc.returncode == 2
    assert "MANIFEST.tsv" in proc.stderr.decode()
    assert b"Traceback" not in proc.stderr


def test_bench_prints_figures(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path / "corpus")
    figures = json.loads(run("bench", "--json", "--repeat", "1", str(corpus)).stdout)
    assert figures["pages"] == 12 and figures["pages_per_second"] > 0 and figures["p50_ms"] > 0


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version(flag: str) -> None:
    proc = run(flag)
    assert proc.returncode == 0 and proc.stdout
