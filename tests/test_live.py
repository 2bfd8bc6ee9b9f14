"""Live capture in real headless Chromium, against pages served on loopback by the test itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scamscope.live.capture import CaptureOptions, LiveCapturer
from scamscope.scan import scan_url
from tests.conftest import serve_pages

ROOT = Path(__file__).resolve().parent.parent
EXE_BYTES = b"MZ" + b"\x00" * 510  # a stand-in "installer": recorded, never run

PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/warning.html": (200, {"Content-Type": "text/html; charset=utf-8"}, (ROOT / "examples" / "fake-warning-ja.html").read_bytes()),
    "/ordinary.html": (200, {"Content-Type": "text/html; charset=utf-8"}, (ROOT / "examples" / "ordinary-ja.html").read_bytes()),
    "/ad": (302, {"Location": "/hop"}, b""),
    "/hop": (200, {"Content-Type": "text/html"}, b"<html><script>location.replace('/warning.html')</script></html>"),
    "/hang.html": (200, {"Content-Type": "text/html"}, b"<html><body><h1>Your computer is infected</h1><script>setTimeout(function(){ while (true) {} }, 50)</script></body></html>"),
    "/alerts.html": (
        200,
        {"Content-Type": "text/html"},
        b"<html><body><script>for (var i = 0; i < 1000; i++) alert('Your computer is infected with Trojan spyware. Call Microsoft Support now: +1-888-555-0100');</script></body></html>",
    ),
    "/download.html": (200, {"Content-Type": "text/html"}, b"<html><body><a id=d href='/AutoFixerPro.exe' download>get</a><script>document.getElementById('d').click()</script></body></html>"),
    "/AutoFixerPro.exe": (200, {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=AutoFixerPro.exe"}, EXE_BYTES),
    "/login": (
        401,
        {"Content-Type": "text/html", "WWW-Authenticate": 'Basic realm="Windows Defender Helpline: your computer is infected. Call Microsoft Support now +1-888-555-0111"'},
        b"",
    ),
    "/schemes.html": (200, {"Content-Type": "text/html"}, b"<html><body>x<img src='ftp://example.test/a.png'></body></html>"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_pages(PAGES) as base:
        yield base


@pytest.fixture(scope="module")
def capturer() -> Iterator[LiveCapturer]:
    with LiveCapturer() as cap:
        yield cap


LOCAL = CaptureOptions(allow_private=True, budget_s=8)


def test_fake_warning_rendered_and_scored(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    assert r.error is None and r.verdict == "scam"
    live = r.extra["live"]
    assert live["screenshots"] == ["after", "before"]
    assert live["final_url"].endswith("/warning.html") and not live["timed_out"]
    assert any("jp_international_disguised" in p.flags for p in r.phones)
    assert r.extra.get("ocr_text") and "ウイルス" in r.extra["ocr_text"]


def test_ordinary_page_stays_benign(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/ordinary.html", capturer, LOCAL)
    assert r.error is None and r.verdict == "benign"


def test_redirect_chain_http_and_script(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/ad", capturer, LOCAL)
    live = r.extra["live"]
    assert [h["status"] for h in live["redirects"]][:2] == [302, 200]
    assert live["redirects"][0]["url"].endswith("/ad")
    assert live["final_url"].endswith("/warning.html")
    assert any(n.endswith("/hop") for n in live["navigations"]) and live["navigations"][-1].endswith("/warning.html")
    assert r.verdict == "scam"


def _group_alive(pgid: int) -> bool:
    from scamscope.live.capture import group_members

    return bool(group_members(pgid))


def test_hung_renderer_is_killed_within_budget_and_the_next_page_works(server: str, capturer: LiveCapturer) -> None:
    capturer.capture(f"{server}/ordinary.html", LOCAL)  # make sure a worker runs
    old = capturer._proc.pid  # noqa: SLF001 - the test checks the process group is gone
    c = capturer.capture(f"{server}/hang.html", CaptureOptions(allow_private=True, budget_s=5))
    assert c.seconds < 5 + 4
    assert c.timed_out and c.killed
    assert "before" in c.screenshots or c.html or c.errors  # whatever arrived before the hang is kept
    assert not _group_alive(old), "Chromium or the driver survived the kill"
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    assert r.verdict == "scam"


def test_alert_loop_is_recorded_and_its_text_scored(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/alerts.html", capturer, CaptureOptions(allow_private=True, budget_s=6))
    live = r.extra["live"]
    assert len(live["dialogs"]) >= 3 and "Trojan" in live["dialogs"][0]["message"]
    assert r.verdict in ("scam", "suspicious") and "text.infection_claim" in {e.signal for e in r.evidence}
    assert any(p.e164 == "+18885550100" for p in r.phones)


def test_download_is_recorded_not_kept(server: str, capturer: LiveCapturer, tmp_path: Path) -> None:
    import hashlib

    c = capturer.capture(f"{server}/download.html", LOCAL)
    assert c.downloads, c.errors
    d = c.downloads[0]
    assert d["name"] == "AutoFixerPro.exe" and d["size"] == len(EXE_BYTES)
    assert d["sha256"] == hashlib.sha256(EXE_BYTES).hexdigest()


def test_non_http_requests_are_blocked(server: str, capturer: LiveCapturer) -> None:
    c = capturer.capture(f"{server}/schemes.html", LOCAL)
    reasons = {b["url"].split(":")[0]: b["reason"] for b in c.blocked}
    assert "not fetched" in reasons["ftp"]


def test_private_targets_refused_by_default(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/warning.html", capturer, CaptureOptions())
    assert r.verdict is None and r.error and "loopback" in r.error


def test_unreachable_site_is_an_error_not_a_verdict(capturer: LiveCapturer) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = scan_url(f"http://127.0.0.1:{port}/", capturer, LOCAL)
    assert r.verdict is None and r.error and "ERR_CONNECTION_REFUSED" in r.error
    assert r.extra["live"]["load_error"] == "net::ERR_CONNECTION_REFUSED"


def test_batch_in_input_order_with_saved_artifacts(server: str, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    listing = tmp_path / "inputs.txt"
    listing.write_text(
        "\n".join([
            f"{server}/warning.html",
            "# a comment line",
            str(ROOT / "examples" / "ordinary-ja.html"),
            f"{server}/ordinary.html",
            str(tmp_path / "missing.html"),
            "http://169.254.169.254/latest/meta-data/",
            f"{server}/ad",
        ]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "saved"
    proc = subprocess.run(
        [sys.executable, "-m", "scamscope", "scan", "--json", "-i", str(listing), "--jobs", "2", "--allow-private", "--budget", "8", "--save", str(out)],
        capture_output=True, timeout=240, cwd=ROOT,
    )
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert proc.returncode == 2  # scams found, and two inputs could not be analysed
    assert [r["input"].rstrip("/").rsplit("/", 1)[-1] for r in rows] == ["warning.html", "ordinary-ja.html", "ordinary.html", "missing.html", "meta-data", "ad"]
    assert [r["verdict"] for r in rows] == ["scam", "benign", "benign", None, None, "scam"]
    assert "no such file" in rows[3]["error"]
    assert rows[4]["error"].startswith("refused") and "link-local" in rows[4]["error"]  # even with --allow-private
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == 6 and folders[0].startswith("0001-")
    first = out / folders[0]
    for artifact in ("verdict.json", "screenshot-before.png", "screenshot-after.png", "dom.html", "ocr.txt", "behaviour.json", "redirects.json", "messages.json"):
        assert (first / artifact).is_file(), artifact
    assert json.loads((first / "verdict.json").read_text())["verdict"] == "scam"
    assert b"Traceback" not in proc.stderr


def test_observed_behaviour_becomes_evidence(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    observed = {e.signal: e for e in r.evidence if e.source == "behaviour"}
    # the example page locks the keyboard and speaks after the click gate; the gate's Escape/F12,
    # right-click and closing the page run into its key, context-menu and unload traps
    for signal in ("lockin.keyboard_lock", "lockin.speech", "lockin.key_block", "lockin.contextmenu_block", "lockin.beforeunload", "lockin.history_flood"):
        assert signal in observed, (signal, sorted(observed))
    assert "ウイルス" in observed["lockin.speech"].excerpt + observed["lockin.speech"].detail
    quiet = scan_url(f"{server}/ordinary.html", capturer, LOCAL)
    assert not [e for e in quiet.evidence if e.source == "behaviour"] and quiet.extra["live"]["events"] == 0


def test_basic_auth_realm_text_is_scored(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/login", capturer, LOCAL)
    assert r.error is None, r.error
    prompts = r.extra["live"]["auth_prompts"]
    assert prompts and "Windows Defender Helpline" in prompts[0]["realm"]
    assert any(p.e164 == "+18885550111" for p in r.phones)
    assert {"text.infection_claim", "brand.security_vendor"} <= {e.signal for e in r.evidence}
