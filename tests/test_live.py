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
    "/state.html": (
        200,
        {"Content-Type": "text/html"},
        b"<html><body><p id=o></p><script>var n = new URLSearchParams(location.search).get('n');"
        b"document.getElementById('o').textContent = 'stored-before: ' + (localStorage.getItem('k') || (document.cookie ? document.cookie : 'none'));"
        b"localStorage.setItem('k', 'page ' + n); document.cookie = 'k=' + n;</script></body></html>",
    ),
    "/canvas.html": (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        "<html><body><h1>Recipes of the week</h1><p>Seasonal vegetables, rice and miso soup for busy evenings.</p>"
        "<canvas id=c width=700 height=120></canvas><script>var x = document.getElementById('c').getContext('2d');"
        "x.fillStyle = '#fff'; x.fillRect(0, 0, 700, 120); x.fillStyle = '#000'; x.font = '32px sans-serif';"
        "x.fillText('ウイルス警告 サポート 0101-506-5731', 10, 70);</script></body></html>".encode(),
    ),
    "/leave.html": (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        "<html><body><h1>さくら青果店</h1><p>旬の野菜と果物をお届けします。営業時間は9時から18時です。</p>"
        "<script>setTimeout(function () { location.href = 'http://169.254.169.254/latest/meta-data/'; }, 50)</script></body></html>".encode(),
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
    assert "ocr_text" not in r.extra  # all of its text is in the DOM: nothing drawn to read


def test_full_ocr_reads_the_whole_screenshot(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/warning.html", capturer, CaptureOptions(allow_private=True, budget_s=8, ocr="full"))
    assert r.extra.get("ocr_text") and "ウイルス" in r.extra["ocr_text"]


def test_text_drawn_on_a_canvas_is_read_by_ocr(server: str, capturer: LiveCapturer) -> None:
    r = scan_url(f"{server}/canvas.html", capturer, LOCAL)
    c = r.extra["live"]
    ocr = r.extra.get("ocr_text") or ""
    assert "0101" in ocr.replace(" ", ""), (ocr, c["errors"])
    assert "Recipes" not in ocr  # only the drawn region was read, not the DOM text around it
    assert any(p.e164 and p.e164.startswith("+1") and "jp_international_disguised" in p.flags for p in r.phones)


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


def test_hung_renderer_is_closed_within_budget_and_the_browser_goes_on(server: str, capturer: LiveCapturer) -> None:
    capturer.capture(f"{server}/ordinary.html", LOCAL)  # make sure a worker runs
    worker = capturer.worker_pid
    before = _renderers_of(worker)
    c = capturer.capture(f"{server}/hang.html", CaptureOptions(allow_private=True, budget_s=5))
    assert c.seconds < 5 + 4
    assert c.timed_out and not c.killed  # the page's context was closed; the shared browser stayed
    assert any("budget" in e for e in c.errors)
    assert capturer.worker_pid == worker
    import time

    end = time.monotonic() + 3
    while _renderers_of(worker) - before and time.monotonic() < end:  # the kill is asynchronous
        time.sleep(0.1)
    assert not _renderers_of(worker) - before, "the hung page's renderer is still running"
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    assert r.verdict == "scam"


def _renderers_of(root: int | None) -> set[int]:
    from scamscope.live.capture import tree_members

    found = set()
    for pid in tree_members(root or -1):
        try:
            if b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
        except OSError:
            continue
    return found


def test_wedged_browser_is_killed_with_its_whole_tree_and_restarted(server: str, capturer: LiveCapturer) -> None:
    """When the worker itself stops answering, the parent kills driver and Chromium (another session) too."""
    import os
    import signal
    import threading

    from scamscope.live.capture import GRACE_S, tree_members

    capturer.capture(f"{server}/ordinary.html", LOCAL)
    worker = capturer.worker_pid
    assert worker is not None
    members = tree_members(worker)
    assert len(members) > 3  # worker, driver, Chromium and its helpers
    timer = threading.Timer(0.3, lambda: os.kill(worker, signal.SIGSTOP))  # the worker freezes mid-page
    timer.start()
    c = capturer.capture(f"{server}/warning.html", CaptureOptions(allow_private=True, budget_s=3))
    timer.join()
    assert c.killed and c.timed_out
    assert c.seconds < 3 + GRACE_S + 8
    alive = [p for p in members if Path(f"/proc/{p}").exists() and Path(f"/proc/{p}/stat").read_text().split(") ")[1][0] != "Z"]
    assert not alive, f"processes of the killed browser survived: {alive}"
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    assert r.verdict == "scam" and capturer.worker_pid != worker


def test_browser_crash_restarts_and_retries_the_pages_in_flight(server: str, capturer: LiveCapturer) -> None:
    import os
    import signal
    import threading

    from scamscope.live.capture import tree_members

    capturer.capture(f"{server}/ordinary.html", LOCAL)
    worker = capturer.worker_pid
    browser = next(p for p in tree_members(worker or -1) if b"chromium" in Path(f"/proc/{p}/cmdline").read_bytes() and b"--type=" not in Path(f"/proc/{p}/cmdline").read_bytes())
    timer = threading.Timer(0.3, lambda: os.kill(browser, signal.SIGKILL))
    timer.start()
    r = scan_url(f"{server}/warning.html", capturer, LOCAL)
    timer.join()
    assert r.verdict == "scam", r.extra["live"]["errors"]
    assert any("restarted" in e for e in r.extra["live"]["errors"])
    assert capturer.worker_pid != worker


def test_concurrent_pages_share_one_browser_without_sharing_state(server: str) -> None:
    """Several pages at once in one browser, each in its own context: no cookie or storage crosses over."""
    from concurrent.futures import ThreadPoolExecutor

    with LiveCapturer() as cap:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda p: cap.capture(f"{server}{p}", LOCAL), ["/state.html?n=1", "/state.html?n=2", "/state.html?n=3", "/warning.html"]))
        pids = {cap.worker_pid}
    assert len(pids) == 1
    for c in results[:3]:
        assert "stored-before: none" in c.text, c.text  # nothing left by the other pages
    assert {e["type"] for e in results[3].events} >= {"keyboard_lock", "speech"}
    assert not {e["type"] for c in results[:3] for e in c.events} & {"keyboard_lock", "speech"}


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
        [sys.executable, "-m", "scamscope", "scan", "--json", "-i", str(listing), "--jobs", "2", "--allow-private", "--budget", "8", "--ocr", "full", "--save", str(out)],
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


def test_a_refused_navigation_leaves_the_page_where_it_was(server: str, capturer: LiveCapturer) -> None:
    """Chromium's error page (its dinosaur game has Web Audio, its text says 'blocked') must not be scored."""
    r = scan_url(f"{server}/leave.html", capturer, LOCAL)
    live = r.extra["live"]
    assert live["final_url"].endswith("/leave.html"), live
    assert any(b.get("navigation") and "169.254.169.254" in b["url"] for b in live["blocked_requests"])
    assert r.verdict == "benign" and "さくら青果店" in r.extra.get("text", "") + str(r.to_dict())
