"""Screenshots: rendered here by headless Chromium from our own pages, read by Tesseract, scored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scamscope import ocr
from scamscope.scan import scan_bytes, scan_path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(page: Path, out: Path) -> Path:
    """Screenshot a local page with Debian's Chromium (format from the file extension)."""
    assert CHROMIUM, "chromium is installed by scripts/setup.sh"
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={out.parent / 'profile'}", "--window-size=1366,900", f"--screenshot={out}", page.as_uri(),
        ],
        capture_output=True,
        timeout=90,
        check=False,
    )
    assert out.exists() and out.stat().st_size > 1000, f"Chromium wrote no screenshot {out}"
    return out


@pytest.mark.parametrize("ext", ["png", "jpeg", "webp"])
def test_screenshot_of_a_fake_warning(tmp_path: Path, ext: str) -> None:
    shot = render(ROOT / "examples" / "fake-warning-ja.html", tmp_path / f"shot.{ext}")
    r = scan_path(shot)
    assert r.error is None and r.kind == "image"
    assert r.verdict == "scam", (r.score, r.extra)
    text = r.extra["ocr_text"]
    assert "ウイルスに感染" in text and "セキュリティ警告" in text
    disguised = [p for p in r.phones if "jp_international_disguised" in p.flags]
    assert disguised and disguised[0].e164 == "+18445550142"
    assert {"text.infection_claim", "text.access_blocked", "phone.jp_international_disguised"} <= {e.signal for e in r.evidence}
    assert any("Tesseract" in n or "tesseract" in n for n in r.notes)


def test_screenshot_of_an_ordinary_page(tmp_path: Path) -> None:
    shot = render(ROOT / "tests" / "pages" / "benign" / "antivirus-vendor-ja.html", tmp_path / "vendor.png")
    r = scan_path(shot)
    assert r.error is None and r.verdict != "scam", (r.score, r.extra)
    assert "ノートン" in r.extra["ocr_text"]


def test_image_without_text(tmp_path: Path) -> None:
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body style='background:#fff'></body></html>", encoding="utf-8")
    r = scan_path(render(blank, tmp_path / "blank.png"))
    assert r.error is None and r.verdict == "benign"
    assert r.extra["ocr_text"] == ""
    assert any("no text" in n for n in r.notes)


def test_json_carries_the_ocr_text(tmp_path: Path) -> None:
    import json
    import sys

    shot = render(ROOT / "examples" / "fake-warning-ja.html", tmp_path / "s.png")
    proc = subprocess.run([sys.executable, "-m", "scamscope", "scan", "--json", str(shot)], capture_output=True, timeout=120, cwd=ROOT)
    row = json.loads(proc.stdout)
    assert proc.returncode == 1 and row["kind"] == "image" and "ウイルス" in row["ocr_text"]


def test_corrupt_image_is_a_clear_error() -> None:
    r = scan_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, input_name="broken.png")
    assert r.verdict is None and r.error and r.error.startswith("a PNG image: OCR failed")


def test_missing_tesseract_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ocr.tesseract.cache_clear()
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    try:
        r = scan_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, input_name="x.png")
        assert r.error and "not installed" in r.error and "tesseract-ocr" in r.error
    finally:
        ocr.tesseract.cache_clear()
