"""Static analysis in killable worker processes under a wall-clock budget (scamscope.bounded).

Real worker processes, real pages; the budgets are made tiny so that an ordinary 2 MB page runs
out of time (nothing here is slow any more: the regexes are linear).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from scamscope.bounded import PREFIX_CHARS, StaticPool
from scamscope.live.capture import Capture
from scamscope.scan import _result_of_capture, scan_bytes, scan_path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"
SCAMSCOPE = ROOT / ".venv" / "bin" / "scamscope"

# ~2 MB of scam page: the whole analysis takes a few hundred ms, far beyond a 0.02 s budget,
# while its first PREFIX_CHARS characters are analysed in well under a second
_SCAM_UNIT = (
    "<p>警告: お使いのコンピュータはウイルスに感染しています。今すぐサポートに電話してください "
    "0101-844-555-0199. Your computer is infected with a virus! Do not close this window.</p>\n"
)
BIG_SCAM = ("<html><head><title>Windows セキュリティ警告</title></head><body>" + _SCAM_UNIT * 9000).encode()


def _plain(result: object) -> dict:
    d = result.to_dict()  # type: ignore[attr-defined]
    return json.loads(json.dumps(d, default=str, ensure_ascii=False))


@pytest.fixture(scope="module")
def pool() -> StaticPool:
    with StaticPool(2, budget_s=30) as p:
        p.warm()
        yield p


def test_same_results_as_in_process(pool: StaticPool) -> None:
    for page in sorted(PAGES.rglob("*.*")):
        if page.suffix in (".html", ".txt"):
            assert _plain(pool.scan_path(page)) == _plain(scan_path(page)), page
    data = (PAGES / "scam" / "fake-defender-en.html").read_bytes()
    got = pool.scan_bytes(data, "https://evil.example/x", input_name="upload")
    assert _plain(got) == _plain(scan_bytes(data, "https://evil.example/x", input_name="upload"))
    assert got.verdict == "scam" and got.url == "https://evil.example/x"


def test_errors_stay_one_line(pool: StaticPool, tmp_path: Path) -> None:
    assert pool.scan_path(tmp_path / "missing.html").error == "no such file"
    assert pool.scan_path(tmp_path).error == "is a directory, not a file"
    r = pool.scan_bytes(b"PK\x03\x04" + b"\x00" * 100, input_name="x.html")
    assert r.verdict is None and r.error and r.error.startswith("not a web page")


def test_over_budget_is_analysed_on_a_prefix_and_says_so() -> None:
    with StaticPool(1, budget_s=0.02, retry_budget_s=30) as pool:
        pool.warm()
        start = time.monotonic()
        r = pool.scan_bytes(BIG_SCAM, input_name="big.html")
        assert time.monotonic() - start < 30
        assert r.error is None and r.verdict == "scam", r.error
        assert r.truncated and r.input == "big.html"
        assert r.notes[0] == f"analysis took longer than the 0.02 s budget: analysed its first {PREFIX_CHARS:,} characters only"
        assert pool.restarts == 1  # the overrunning worker was killed
        # the pool goes on with a fresh worker
        small = pool.scan_bytes(b"<p>hello</p>", input_name="small")
        assert small.error is None and small.verdict == "benign"


def test_over_budget_twice_is_a_one_line_error(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(BIG_SCAM)
    with StaticPool(1, budget_s=0.02, retry_budget_s=0.001) as pool:
        pool.warm()
        r = pool.scan_path(big)
        assert r.verdict is None and r.score is None
        assert r.error == f"analysis took longer than the 0.02 s budget, and so did its first {PREFIX_CHARS:,} characters"
        assert pool.restarts == 2


def test_a_screenshot_over_budget_has_no_prefix() -> None:
    png = (ROOT / "tests" / "fuzz_corpus" / "one-pixel.png").read_bytes()
    with StaticPool(1, budget_s=0.0001) as pool:
        pool.warm()
        r = pool.scan_bytes(png, input_name="shot.png")
        assert r.error == "analysis took longer than the 0.0001 s budget"


def test_a_hostile_input_does_not_hold_up_the_others() -> None:
    """One worker busy past its budget; the other answers ordinary inputs meanwhile."""
    with StaticPool(2, budget_s=30, retry_budget_s=0.001) as pool:
        pool.warm()
        slow: list[object] = []
        t = threading.Thread(target=lambda: slow.append(pool.scan_bytes(BIG_SCAM, input_name="big", budget_s=0.02)))
        t.start()
        answers = []
        start = time.monotonic()
        for _ in range(5):
            answers.append(pool.scan_bytes((PAGES / "scam" / "fake-update-ja.html").read_bytes(), input_name="ok"))
        elapsed = time.monotonic() - start
        t.join(30)
        assert [a.verdict for a in answers] == ["scam"] * 5
        assert elapsed < 20
        assert slow and slow[0].error  # type: ignore[attr-defined]


def test_a_worker_that_dies_is_an_error_and_is_replaced() -> None:
    """A worker killed from outside (the OOM killer, an operator) costs one input, not the pool."""
    with StaticPool(1, budget_s=60) as pool:
        pool.warm()
        worker = pool._idle[0]
        worker.process.kill()
        worker.process.wait(10)
        r = pool.scan_bytes(b"<p>hello</p>", input_name="x")
        assert r.verdict is None and r.error is not None and r.error.startswith("the analysis worker"), r.error
        assert pool.restarts == 1
        assert pool.scan_bytes(b"<p>hello</p>").verdict == "benign"


def test_capture_scoring_runs_in_the_pool(pool: StaticPool) -> None:
    html = (PAGES / "scam" / "fake-defender-en.html").read_text(encoding="utf-8")
    capture = Capture(url="https://evil.example/", final_url="https://evil.example/x", html=html, text="", title="")
    r = _result_of_capture("https://evil.example/", capture, None, "off", pool=pool)
    assert r.verdict == "scam" and r.error is None
    assert r.extra["live"]["final_url"] == "https://evil.example/x"


def test_closed_pool_refuses_work() -> None:
    pool = StaticPool(1)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.scan_bytes(b"<p>x</p>")


def test_cli_timeout_keeps_other_results(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(BIG_SCAM)
    small = PAGES / "scam" / "fake-update-ja.html"
    proc = subprocess.run(
        [str(SCAMSCOPE), "scan", "--json", "--timeout", "0.1", str(big), str(small)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["input"] for r in rows] == [str(big), str(small)]
    assert rows[0]["truncated"] is True and "budget" in rows[0]["notes"][0], rows[0]
    assert rows[1]["verdict"] == "scam" and not rows[1]["truncated"]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
