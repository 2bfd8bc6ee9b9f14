"""The warm Tesseract of long-lived workers (scamscope/ocr_engine.py): same text as the program,
same limits, killed at the deadline and with its parent, replaced when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scamscope import ocr
from scamscope.images import prepare
from scamscope.live.capture import tree_members
from tests.test_ocr import ROOT, render

PAGES = {
    "fake-warning-ja": ROOT / "examples" / "fake-warning-ja.html",
    "vendor-ja": ROOT / "tests" / "pages" / "benign" / "antivirus-vendor-ja.html",
}
WHITE_ON_BLUE = """<html><body style="background:#0a4fa0;color:#fff;font:28px sans-serif;margin:40px">
<p>Windows Defender SmartScreen prevented an unrecognised app from starting.</p>
<p>お使いのコンピューターはウイルスに感染しています。サポートに電話してください: 0101-555-0142</p>
<p>Call Microsoft Support: +1 (844) 555-0142 (Toll Free)</p></body></html>"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("engine")
    (folder / "blue.html").write_text(WHITE_ON_BLUE, encoding="utf-8")
    pages = {**PAGES, "white-on-blue": folder / "blue.html"}
    return {name: render(page, folder / f"{name}.png").read_bytes() for name, page in pages.items()}


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):
    """The warm engine on in this process, as in a pool worker; closed afterwards."""
    monkeypatch.setattr(ocr, "_engine_enabled", True)
    monkeypatch.setattr(ocr, "_engine_failures", 0)
    yield
    if ocr._engine is not None:
        ocr._engine.close()
        ocr._engine = None


def engine_pid() -> int:
    assert ocr._engine is not None, "the warm engine did not start"
    return ocr._engine.proc.pid


def program_text(image: bytes) -> str:
    """What the ``tesseract`` program reads, with the settings ocr_image uses."""
    proc = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "jpn+eng", "--psm", "3", "-c", "thresholding_method=2"],
        input=image, capture_output=True, timeout=120, env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=True,
    )
    return ocr.clean(proc.stdout.decode())


def test_the_warm_engine_reads_what_the_program_reads(shots: dict[str, bytes], engine: None) -> None:
    for name, shot in shots.items():
        prepared = prepare(shot)
        for variant, image in (("image", prepared.data), ("inverted", prepared.inverted)):
            if image is None:
                continue
            text, _warnings = ocr._engine_recognise("jpn+eng", image, time.monotonic() + 60, 60)
            assert ocr.clean(text.decode()) == program_text(image), (name, variant)
    # the whole path too: the dark page gets its inverted pass, and the text is the program's
    warm = ocr.ocr_image(shots["white-on-blue"])
    first = engine_pid()
    assert "+1(844)555-0142" in warm.text.replace(" ", "") and any("inverted" in n for n in warm.notes)
    assert ocr.ocr_image(shots["fake-warning-ja"]).text and engine_pid() == first  # the same engine again
    with pytest.MonkeyPatch.context() as m:
        m.setattr(ocr, "_engine_enabled", False)
        assert ocr.ocr_image(shots["white-on-blue"]) == warm


def test_the_engine_has_the_memory_limit_and_one_thread(shots: dict[str, bytes], engine: None) -> None:
    ocr.ocr_image(shots["vendor-ja"])
    pid = engine_pid()
    limits = Path(f"/proc/{pid}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    assert line.split()[3] == str(ocr.ENGINE_MEMORY_LIMIT), line
    assert "OMP_THREAD_LIMIT=1" in Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")


def test_a_deadline_kills_the_engine_and_the_next_image_gets_a_new_one(shots: dict[str, bytes], engine: None) -> None:
    ocr.ocr_image(shots["vendor-ja"])
    first = engine_pid()
    big = prepare(shots["fake-warning-ja"]).data
    with pytest.raises(ocr.OcrError, match="gave up after"):
        ocr._engine_recognise("jpn+eng", big, time.monotonic() + 0.02, 1)
    assert ocr._engine is None
    assert not Path(f"/proc/{first}").exists() or Path(f"/proc/{first}/stat").read_text().split()[2] == "Z"
    assert "ウイルス" in ocr.ocr_image(shots["fake-warning-ja"]).text
    assert engine_pid() != first


def test_an_engine_that_died_is_replaced_and_the_image_still_read(shots: dict[str, bytes], engine: None) -> None:
    ocr.ocr_image(shots["vendor-ja"])
    first = engine_pid()
    os.kill(first, signal.SIGKILL)
    time.sleep(0.2)
    text = ocr.ocr_image(shots["vendor-ja"]).text  # read by the program this time
    assert "ノートン" in text and ocr._engine is None and ocr._engine_failures == 1
    ocr.ocr_image(shots["vendor-ja"])
    assert engine_pid() != first  # and a new engine for the next image


def test_an_engine_that_keeps_dying_is_given_up_for_the_program(shots: dict[str, bytes], engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "ENGINE_PY", ROOT / "tests" / "does-not-exist.py")  # the engine cannot start
    for _ in range(ocr.ENGINE_FAILURES + 1):
        assert "ノートン" in ocr.ocr_image(shots["vendor-ja"]).text
    assert ocr._engine_failures == ocr.ENGINE_FAILURES and ocr._engine is None


def test_not_used_outside_the_main_thread(shots: dict[str, bytes], engine: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        assert "ノートン" in pool.submit(ocr.ocr_image, shots["vendor-ja"]).result().text
    assert ocr._engine is None  # pdeathsig follows the thread that started a process: only the main thread may


def test_the_engine_dies_with_its_parent(shots: dict[str, bytes], tmp_path: Path) -> None:
    image = tmp_path / "shot.png"
    image.write_bytes(shots["vendor-ja"])
    code = textwrap.dedent(f"""
        import sys, time
        from scamscope import ocr
        ocr.enable_engine()
        ocr.ocr_image(open({str(image)!r}, "rb").read())
        print(ocr._engine.proc.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT, text=True)
    try:
        child = int(parent.stdout.readline())
        assert child in tree_members(parent.pid)
    finally:
        parent.kill()
        parent.wait()
    end = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists(), "the engine outlived the process that started it"


def test_pool_workers_read_screenshots_with_a_warm_engine(shots: dict[str, bytes]) -> None:
    from scamscope.bounded import StaticPool

    pool = StaticPool(1)
    try:
        first = pool.scan_bytes(shots["fake-warning-ja"], input_name="a.png")
        second = pool.scan_bytes(shots["white-on-blue"], input_name="b.png")
        worker = pool._idle[0].process.pid
        engines = [p for p in tree_members(worker) if p != worker and "ocr_engine.py" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
    finally:
        pool.close()
    assert first.verdict == "scam" and "ウイルス" in first.extra["ocr_text"]
    assert "+1(844)555-0142" in second.extra["ocr_text"].replace(" ", "")
    assert len(engines) == 1, "the pool worker has no warm engine"
