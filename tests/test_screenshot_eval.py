"""benchmarks/screenshot_eval.py end to end on pages written here: real headless Chromium renders
them offline (a click reveals the scam screen), real Tesseract reads the screenshots, the static
pool scores them in each variant (PNG, small JPEG, inverted)."""

from __future__ import annotations

import importlib.util
import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def _load() -> object:
    spec = importlib.util.spec_from_file_location("screenshot_eval", ROOT / "benchmarks" / "screenshot_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["screenshot_eval"] = module
    spec.loader.exec_module(module)
    return module


se = _load()

# The scam screen is drawn by script only after a click (as kits do): the benchmark must click.
SCAM = """<!doctype html><html><head><meta charset="utf-8"><title>Windows</title>
<style>body{margin:0;font-family:DejaVu Sans,sans-serif;background:#fff}
#w{display:none;background:#fff;color:#000;padding:40px;font-size:26px;line-height:1.5}
h1{color:#c00;font-size:40px}</style></head>
<body><p id="hint" style="font-size:22px;padding:20px">Loading...</p><div id="w"></div>
<img src="http://127.0.0.1:{port}/beacon.gif" alt="">
<script>
document.addEventListener('click', function () {
  document.getElementById('hint').style.display = 'none';
  var w = document.getElementById('w');
  w.innerHTML = '<h1>Windows Defender Security Warning</h1>' +
    '<p>Your computer has been blocked. Trojan spyware detected.</p>' +
    '<p>Do not restart or close this window. Your personal data is at risk.</p>' +
    '<p>Call Microsoft Support now: +1-888-555-0142 (toll free)</p>';
  w.style.display = 'block';
});
</script></body></html>"""

BENIGN = """<!doctype html><html><head><meta charset="utf-8"><title>Bakery</title></head>
<body style="font-family:DejaVu Sans,sans-serif;font-size:24px;padding:30px">
<h1>Green Hill Bakery</h1><p>Fresh bread every morning from 7 am. Sourdough, rye and seasonal cakes.</p>
<p>Our shop is closed on Mondays. Orders for birthday cakes are taken two days ahead.</p>
<p>Opening hours: Tuesday to Sunday, 7:00 to 18:00.</p>
<p style="color:#fefefe">invisible: white on white</p>
<div style="position:relative"><p>covered: under the box</p>
<div style="position:absolute;top:0;left:0;width:900px;height:60px;background:#eee"></div></div></body></html>"""

BLANK = "<!doctype html><html><body style='background:#fff'></body></html>"


@pytest.fixture()
def beacon() -> object:
    """A loopback server that records every request: an offline render must send it none."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def test_rendered_pages_are_scored_in_every_variant(tmp_path: Path, beacon: tuple[int, list[str]]) -> None:
    port, hits = beacon
    corpus = tmp_path / "corpus"
    for label, name, html in (("scam", "s1_en-defender-888.html", SCAM.replace("{port}", str(port))),
                              ("benign", "b1_en-bakery.html", BENIGN), ("benign", "b2_en-empty.html", BLANK)):
        (corpus / label).mkdir(parents=True, exist_ok=True)
        (corpus / label / name).write_text(html, encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text(
        "file\tlabel\tlanguage\tsource\tkind\tfamily\tnotes\n"
        "s1_en-defender-888.html\tscam\ten\there\tfull-html\tt\t\n"
        "b1_en-bakery.html\tbenign\ten\there\tfull-html\tt\t\n"
        "b2_en-empty.html\tbenign\ten\there\tfull-html\tt\t\n"
        "x_kit.js\tscam\ten\there\tkit-js\tt\t\n",
        encoding="utf-8",
    )
    samples = se.corpus_pages(corpus)
    assert [s.file for s in samples] == ["s1_en-defender-888.html", "b1_en-bakery.html", "b2_en-empty.html"]
    out = tmp_path / "shots"
    scores, blank, failed = se.evaluate(samples, out, list(se.VARIANTS), log=lambda _m: None)
    assert failed == {}
    assert hits == [], "the render must be offline: the page's image request reached the network"
    assert [s.file for s in blank] == ["b2_en-empty.html"]  # counted apart, not scored
    shot = Image.open(io.BytesIO(se.shot_path(out, samples[0]).read_bytes()))
    assert shot.size == (1366, 768)
    on_screen = se.text_path(out, samples[0]).read_text(encoding="utf-8")
    assert "+1-888-555-0142" in on_screen and "Loading" not in on_screen  # after the click
    bakery = se.text_path(out, samples[1]).read_text(encoding="utf-8")
    assert "Opening hours" in bakery and "invisible" not in bakery and "covered" not in bakery
    by = {(s.file, s.variant): s for s in scores}
    assert len(by) == 6
    for variant in se.VARIANTS:
        scam = by[("s1_en-defender-888.html", variant)]
        assert scam.error is None and scam.verdict == "scam", (variant, scam.score, scam.ocr_text)
        assert "+18885550142" in scam.phones, (variant, scam.ocr_text)
        assert scam.shown == "scam"  # the DOM text drawn on screen, scanned as text: the reference
        benign = by[("b1_en-bakery.html", variant)]
        assert benign.verdict == "benign", (variant, benign.score, benign.ocr_text)
    # the report lists the blank page and shows each variant's recall
    text = se.report(scores, blank, failed, list(se.VARIANTS))
    assert "| png | 1 | 1.00 | 1.00 | 1 | 1.00 | 1 | 0 | 0 | 0 |" in text
    assert "benign b2_en-empty.html" in text
    # a second run scores again from the cache, without a browser
    cached = se.render_all(samples, out, log=lambda m: pytest.fail(f"rendered again: {m}"))
    assert cached == {}


def test_variants_shrink_and_invert() -> None:
    im = Image.new("RGB", (1366, 768), (0, 120, 215))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    small = Image.open(io.BytesIO(se.small_jpeg(buf.getvalue())))
    assert small.format == "JPEG" and small.size == (600, 337)
    inverted = Image.open(io.BytesIO(se.dark(buf.getvalue()))).convert("RGB")
    assert inverted.getpixel((10, 10)) == (255, 135, 40)
    assert se.is_blank(buf.getvalue())
