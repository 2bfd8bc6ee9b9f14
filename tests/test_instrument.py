"""In-page instrumentation (scamscope/live/instrument.js) in real headless Chromium, and the
mapping of what it observes onto lock-in evidence (scamscope/live/behaviour.py).

Pages are served on loopback by the test itself, one per behaviour, hostile ones included
(a 10^7-call pushState flood, an alert loop, a worker bomb, full-screen re-entry, a voice, a
looping siren). Every load and read has a timeout and every context is closed, so a page that
misbehaves fails its test instead of hanging the run.
"""

from __future__ import annotations

import io
import json
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scamscope.live.behaviour import MAX_EVENTS, BehaviourLog, parse_console
from scamscope.types import Evidence
from tests.conftest import serve_pages
from tests.guard_support import headless_chromium

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = ROOT / "scamscope" / "live" / "instrument.js"
TIMEOUT_MS = 10_000
HIDDEN_API = "__ssq_k7m2x"  # the instrumentation's one (non-enumerable) global


def _wav() -> bytes:
    """A 0.2 s, 8 kHz square-wave beep: the test's 'siren'."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join((b"\xff\x3f" if (i // 10) % 2 else b"\x01\xc0") for i in range(1600)))
    return buf.getvalue()


HTML = "text/html; charset=utf-8"
JA_WARNING = "お使いのコンピューターはウイルスに感染しています。今すぐサポートに電話してください。"

PAGES: dict[str, tuple[str, bytes]] = {
    # --- hostile -------------------------------------------------------------------------------
    "/flood.html": (
        HTML,
        b"""<html><body><h1>Windows Defender</h1><script>
        for (var i = 0; i < 1e7; i++) history.pushState({i: i}, '', '#' + (i % 7));
        window.loopDone = true;
        </script></body></html>""",
    ),
    "/alerts.html": (
        HTML,
        b"""<html><body><script>
        for (var i = 0; i < 25; i++) alert(i % 2 ? 'Your computer is infected!' : 'Call Microsoft Support: +1-888-555-0100');
        for (var j = 0; j < 3; j++) window.lastConfirm = confirm('Do not close this page');
        </script></body></html>""",
    ),
    "/workers.html": (
        HTML,
        b"""<html><body><script>
        var code = 'postMessage(1); var n = 0; while (true) { n++; }';
        window.bomb = [];
        window.refused = [];
        for (var i = 0; i < 40; i++) {
          var url = URL.createObjectURL(new Blob([code], {type: 'text/javascript'}));
          try { window.bomb.push(new Worker(url)); } catch (e) { window.refused.push(e.name); }
        }
        setTimeout(function () { window.bomb.forEach(function (w) { w.terminate(); }); }, 300);
        </script></body></html>""",
    ),
    "/pool.html": (
        HTML,
        b"""<html><body><script>
        window.pool = [];
        for (var i = 0; i < 8; i++) window.pool.push(new Worker(URL.createObjectURL(new Blob(['onmessage = function (e) { postMessage(e.data * 2); };']))));
        </script></body></html>""",
    ),
    "/keylock.html": (
        HTML,
        b"""<html><body style="margin:0"><div style="height:100vh">Click anywhere</div><script>
        document.addEventListener('click', function () {
          document.documentElement.requestFullscreen().catch(function () {});
          navigator.keyboard.lock(['Escape', 'F11']).then(function () { window.locked = true; });
        });
        </script></body></html>""",
    ),
    "/churn.html": (
        HTML,
        b"""<html><body style="margin:0"><div style="height:100vh">x</div><script>
        function go() { document.documentElement.requestFullscreen().catch(function () {}); }
        document.body.addEventListener('mousedown', go);
        document.addEventListener('fullscreenchange', function () { if (!document.fullscreenElement) go(); });
        </script></body></html>""",
    ),
    "/speech.html": (
        HTML,
        (
            "<html lang=ja><body><script>"
            f"var u = new SpeechSynthesisUtterance('{JA_WARNING}'); u.lang = 'ja-JP'; speechSynthesis.speak(u);"
            "</script></body></html>"
        ).encode(),
    ),
    "/audio.html": (
        HTML,
        b"""<html><body><audio id=a src="/alarm.wav" autoplay loop></audio><script>
        var ctx = new AudioContext();
        for (var i = 0; i < 3; i++) { var o = ctx.createOscillator(); o.frequency.value = 880 + i; }
        </script></body></html>""",
    ),
    "/alarm.wav": ("audio/wav", _wav()),
    "/cursor.html": (HTML, b"""<html><body style="cursor: none"><h1>Security warning</h1></body></html>"""),
    "/cursor-click.html": (
        HTML,
        b"""<html><body style="margin:0"><div id=cover style="position:fixed;inset:0">Click to scan</div><script>
        document.addEventListener('click', function () { document.getElementById('cover').style.cursor = 'none'; });
        </script></body></html>""",
    ),
    "/blocks.html": (
        HTML,
        b"""<html><body><p>Support</p><input id=q><script>
        document.addEventListener('keydown', function (e) {
          if (e.key === 'F12' || (e.ctrlKey && e.shiftKey && e.key === 'I')) e.preventDefault();
        });
        document.oncontextmenu = function () { return false; };
        window.onbeforeunload = function () { return 'Leave?'; };
        </script></body></html>""",
    ),
    "/frames.html": (
        HTML,
        b"""<html><body><iframe src="/child.html"></iframe><script>
        var f = document.createElement('iframe');
        document.body.appendChild(f);
        f.contentWindow.alert('clean alert from a fresh iframe');
        </script></body></html>""",
    ),
    "/child.html": (
        HTML,
        b"""<html><body><script>
        for (var i = 0; i < 120; i++) history.pushState(null, '', '?step=' + i);
        Notification.requestPermission();
        </script></body></html>""",
    ),
    "/stall.html": (
        HTML,
        b"""<html><body><script>
        setTimeout(function () { var t = Date.now(); while (Date.now() - t < 1500) {} }, 200);
        </script></body></html>""",
    ),
    "/many.html": (
        HTML,
        b"""<html><body><script>
        var blob = new Blob(['x']);
        for (var i = 0; i < 3000; i++) URL.createObjectURL(blob);
        for (var j = 0; j < 3000; j++) document.title = 'Warning ' + j;
        for (var k = 0; k < 3000; k++) document.addEventListener('keydown', function () {});
        for (var m = 0; m < 300; m++) window.moveTo(0, 0);
        </script></body></html>""",
    ),
    "/stealth.html": (
        HTML,
        b"""<html><body><script>
        var r = {};
        var ts = Function.prototype.toString;
        r.alert = ts.call(alert);
        r.alertStr = String(alert);
        r.play = ts.call(HTMLMediaElement.prototype.play);
        r.toString = ts.call(ts);
        r.titleSetter = ts.call(Object.getOwnPropertyDescriptor(Document.prototype, 'title').set);
        r.push = [history.pushState.name, history.pushState.length, 'prototype' in history.pushState];
        r.alertNew = (function () { try { new alert(); return 'constructed'; } catch (e) { return e.name; } })();
        r.worker = (function () { var w = new Worker(URL.createObjectURL(new Blob(['1']))); var ok = w instanceof Worker && w.constructor === Worker; w.terminate(); return ok; })();
        r.workerName = [Worker.name, Worker.length, ts.call(Worker)];
        r.binding = typeof window.__scamscope_emit;
        r.enumerable = Object.keys(window).filter(function (k) { return k.indexOf('ssq') >= 0 || k.indexOf('scamscope') >= 0; });
        r.crossOrigin = (function () { try { history.pushState(null, '', 'http://example.invalid/'); return 'pushed'; } catch (e) { return e.name; } })();
        r.clone = (function () { try { history.pushState(function () {}, ''); return 'pushed'; } catch (e) { return e.name; } })();
        r.illegal = (function () { try { EventTarget.prototype.addEventListener.call({}, 'keydown', function () {}); return 'called'; } catch (e) { return e.name; } })();
        r.confirm = confirm('ok?');
        r.open = typeof window.open;
        window.result = r;
        </script></body></html>""",
    ),
    "/activation.html": (
        HTML,
        b"""<html><body><script>
        window.seen = [];
        document.documentElement.requestFullscreen().catch(function () {});  // refused: no gesture
        history.pushState(null, '', '#1');  // something for the instrumentation to report
        setTimeout(function () { window.seen.push(navigator.userActivation.hasBeenActive); }, 700);
        </script></body></html>""",
    ),
    # --- benign --------------------------------------------------------------------------------
    "/slides.html": (
        HTML,
        b"""<html><body><div id=deck><h1 id=s>Slide 1</h1><button id=fs>Full screen</button></div><script>
        var n = 1;
        document.addEventListener('keydown', function (e) {
          if (e.key === 'ArrowRight') { e.preventDefault(); n++; history.pushState({n: n}, '', '#slide-' + n);
            document.getElementById('s').textContent = 'Slide ' + n; }
        });
        document.getElementById('fs').addEventListener('click', function () {
          document.getElementById('deck').requestFullscreen().catch(function () {});
        });
        </script></body></html>""",
    ),
    "/game.html": (
        HTML,
        b"""<html><body><canvas id=c width=300 height=200 style="border:1px solid"></canvas><script>
        var c = document.getElementById('c');
        c.addEventListener('click', function () { try { c.requestPointerLock(); } catch (e) {} });
        </script></body></html>""",
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_pages({path: (200, {"Content-Type": ctype}, body) for path, (ctype, body) in PAGES.items()}) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as b:
        yield b


def read(page_or_frame: Any, expr: str) -> Any:
    """Evaluate ``expr`` with a timeout (page.evaluate has none: a hung page would hang the test)."""
    handle = page_or_frame.wait_for_function(
        f"() => {{ const v = ({expr}); return v === undefined ? {{v: null}} : {{v}}; }}",
        timeout=TIMEOUT_MS,
        polling=50,
    )
    try:
        return handle.json_value()["v"]
    finally:
        handle.dispose()


class Run:
    """One page opened in a fresh context with the instrumentation; what it emitted."""

    def __init__(self, log: BehaviourLog, raw: list[dict[str, Any]], page: Any, errors: list[str]) -> None:
        self.log = log
        self.raw = raw  # the events as the binding received them
        self.page = page
        self.errors = errors

    def of(self, etype: str) -> list[dict[str, Any]]:
        return [e["detail"] for e in self.raw if e.get("type") == etype]

    def total(self, etype: str) -> int:
        return self.log.summary().get(etype, {}).get("total", 0)

    def evidence(self) -> dict[str, Evidence]:
        return {e.signal: e for e in self.log.to_evidence()}


def visit(
    browser: Any,
    url: str,
    act: Callable[[Any], None] | None = None,
    settle_ms: int = 300,
    binding: bool = True,
    check: Callable[[Run], None] | None = None,
) -> Run:
    """Open ``url`` (instrumented), run ``act``, flush the counters of every frame, collect events."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    raw: list[dict[str, Any]] = []
    log = BehaviourLog()
    errors: list[str] = []

    def handler(source: Any, event: Any) -> None:
        raw.append(event)
        log.add(event)

    try:
        if binding:
            context.expose_binding("__scamscope_emit", handler)
        context.add_init_script(path=str(INSTRUMENT))
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda d: d.dismiss())
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, timeout=TIMEOUT_MS, wait_until="load")
        if act:
            act(page)
        page.wait_for_timeout(settle_ms)
        for frame in page.frames:
            try:
                read(frame, f"window.{HIDDEN_API} ? window.{HIDDEN_API}.flush() : null")
            except Exception:  # a detached frame
                pass
        page.wait_for_timeout(150)  # let the last binding calls arrive
        run = Run(log, raw, page, errors)
        if check:
            check(run)
        return run
    finally:
        context.close()


def assert_flood_safe(run: Run, limit: int = 500) -> None:
    """No document emitted more than the instrumentation's per-frame budget."""
    per_doc: dict[str, int] = {}
    for e in run.raw:
        per_doc[e["doc"]] = per_doc.get(e["doc"], 0) + 1
    assert per_doc and max(per_doc.values()) <= limit, per_doc
    for e in run.raw:  # plain JSON, the documented shape
        assert set(e) >= {"type", "detail", "t", "top", "doc"}
        json.dumps(e)


# --- hostile pages --------------------------------------------------------------------------------------


def test_pushstate_flood_of_ten_million_calls(browser: Any, server: str) -> None:
    started = time.monotonic()
    results: dict[str, Any] = {}

    def check(run: Run) -> None:
        results["hash"] = read(run.page, "location.hash")
        results["done"] = read(run.page, "window.loopDone === true")

    run = visit(browser, f"{server}/flood.html", settle_ms=600, check=check)
    elapsed = time.monotonic() - started
    assert results["done"] is True
    assert run.total("history") == 10_000_000  # every call counted
    counts = [d["count"] for d in run.of("history") if d.get("kind") == "pushState"]
    assert counts[:8] == [1, 2, 5, 10, 20, 50, 100, 1000]  # emitted at exponentially spaced counts
    assert max(counts) == 10_000_000
    assert len(run.of("history")) <= 20  # ten million calls, a dozen events
    assert any(d.get("guarded") for d in run.of("history"))  # the flood guard held the browser back
    assert results["hash"] == f"#{(10_000_000 - 1) % 7}"  # ... and the page still ended where it asked
    ev = run.evidence()["lockin.history_flood"]
    assert ev.strength == 1.0 and ev.source == "behaviour"
    assert "10,000,000 times" in ev.detail
    assert_flood_safe(run)
    assert elapsed < 30, f"the flood took {elapsed:.1f} s"


def test_alert_loop_is_counted_and_texts_kept(browser: Any, server: str) -> None:
    results: dict[str, Any] = {}
    run = visit(
        browser,
        f"{server}/alerts.html",
        check=lambda r: results.update(confirm=read(r.page, "window.lastConfirm")),
    )
    assert results["confirm"] is False  # dismissed: what confirm() returns was not changed
    assert run.log.summary()["dialog"]["total"] == 28
    messages = {d["message"] for d in run.of("dialog")}
    assert messages == {
        "Your computer is infected!",
        "Call Microsoft Support: +1-888-555-0100",
        "Do not close this page",
    }
    assert len(run.of("dialog")) < 15
    ev = run.evidence()["lockin.dialog_loop"]
    assert ev.strength == 1.0
    assert "28 dialogs" in ev.detail and "alert ×25" in ev.detail and "confirm ×3" in ev.detail


def test_worker_bomb_from_blob_urls(browser: Any, server: str) -> None:
    """Every attempt is counted, but only the first 8 busy-looping workers run: the rest fail as
    they would when the browser runs out of resources, so a bomb cannot starve other captures."""
    results: dict[str, Any] = {}

    def after(page: Any) -> None:
        results.update(page.evaluate("() => ({made: window.bomb.length, refused: window.refused})"))

    run = visit(browser, f"{server}/workers.html", settle_ms=500, act=after)
    assert run.total("worker") == 40
    assert all(d["blob"] for d in run.of("worker"))
    assert any(d.get("refused") for d in run.of("worker"))
    assert run.total("object_url") == 40
    assert results == {"made": 8, "refused": ["QuotaExceededError"] * 32}
    ev = run.evidence()["lockin.freeze"]
    assert ev.strength == 1.0 and "40 Web Workers from Blob/data URLs" in ev.detail and "refused" in ev.detail


def test_a_few_workers_run_unhindered(browser: Any, server: str) -> None:
    """A page with a handful of workers (an app's thread pool) gets all of them, and no bomb."""
    results: dict[str, Any] = {}

    def after(page: Any) -> None:
        results["made"] = page.evaluate("() => window.pool.length")

    run = visit(browser, f"{server}/pool.html", settle_ms=300, act=after)
    assert results["made"] == 8 and run.total("worker") == 8
    assert not any(d.get("refused") for d in run.of("worker"))
    assert "a worker bomb" not in run.evidence()["lockin.freeze"].detail


def test_keyboard_lock_after_a_click(browser: Any, server: str) -> None:
    results: dict[str, Any] = {}

    def act(page: Any) -> None:
        page.mouse.click(300, 300)
        page.wait_for_timeout(300)
        results["locked"] = read(page, "window.locked === true")

    run = visit(browser, f"{server}/keylock.html", act=act)
    assert results["locked"] is True  # the lock still works: observation only
    (lock,) = run.of("keyboard_lock")
    assert lock["keys"] == ["Escape", "F11"]
    assert lock["gesture"] is True and lock["event"] == "click" and lock["handler"] == "document"
    (fs,) = run.of("fullscreen")
    assert fs["page"] is True and fs["target"] == "html" and fs["event"] == "click" and fs["gesture"] is True
    evidence = run.evidence()
    assert evidence["lockin.keyboard_lock"].strength == 0.95
    assert (
        "navigator.keyboard.lock(['Escape','F11']) after a click anywhere on the page"
        in evidence["lockin.keyboard_lock"].detail
    )
    assert evidence["lockin.fullscreen"].strength == 0.85


def test_fullscreen_reentered_on_fullscreenchange(browser: Any, server: str) -> None:
    def act(page: Any) -> None:
        page.mouse.click(200, 200)
        page.wait_for_timeout(300)
        for _ in range(2):  # the victim leaves full screen; the page takes it back
            read(page, "(document.exitFullscreen().catch(() => {}), true)")
            page.wait_for_timeout(300)

    run = visit(browser, f"{server}/churn.html", act=act)
    churn = run.of("fullscreen_churn")
    assert churn and churn[0]["via"] == "fullscreenchange"
    assert run.total("fullscreen_churn") == 2
    assert run.total("fullscreen") == 3
    evidence = run.evidence()
    assert evidence["lockin.fullscreen_churn"].strength == 1.0
    assert evidence["lockin.fullscreen"].strength >= 0.85  # from a mousedown on <body>, then twice more


def test_speech_in_japanese(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/speech.html")
    (speech,) = run.of("speech")
    assert speech["text"] == JA_WARNING and speech["lang"] == "ja-JP"
    ev = run.evidence()["lockin.speech"]
    assert ev.strength == 1.0 and "(ja-JP)" in ev.detail and "ウイルスに感染" in ev.detail


def test_looping_autoplay_audio_and_oscillators(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/audio.html", settle_ms=800)
    (play,) = [d for d in run.of("media_play") if d["via"] == "autoplay"]
    assert play["src"].endswith("/alarm.wav") and play["loop"] is True and play["muted"] is False
    assert play["kind"] == "audio" and play["gesture"] is False
    assert any(d["src"].endswith("/alarm.wav") for d in run.of("media_playing"))  # it really played
    assert run.total("oscillator") == 3
    ev = run.evidence()["lockin.audio_alarm"]
    # the strongest observation: three oscillators (a synthesised siren) beat a self-starting loop
    # (0.45, + 0.3 for a file called 'alarm'), which real browsers would not even let play
    assert ev.strength == 0.9 and "oscillator created 3 times" in ev.detail
    from scamscope.signals.families.audio import _live_audio_alarm as _audio_alarm

    observations = _audio_alarm(run.log._snapshot())  # noqa: SLF001 - every candidate, not just the strongest
    autoplay = [o for o in observations if "starts by itself and loops (it played): alarm.wav" in o.detail]
    assert len(autoplay) == 1 and abs(autoplay[0].strength - 0.75) < 1e-9


def test_cursor_none_on_body_and_after_a_click(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/cursor.html", settle_ms=500)
    assert [d["where"] for d in run.of("cursor_none")] == ["body"]
    assert run.evidence()["lockin.cursor_none"].strength == 0.9

    run = visit(browser, f"{server}/cursor-click.html", act=lambda p: p.mouse.click(400, 300), settle_ms=600)
    (seen,) = run.of("cursor_none")
    assert seen["where"] == "viewport" and seen["when"] == "click" and seen["element"] == "div#cover"
    assert run.evidence()["lockin.cursor_none"].strength == 0.9


def test_blocked_keys_right_click_and_leave_prompt(browser: Any, server: str) -> None:
    def act(page: Any) -> None:
        page.mouse.click(500, 500)  # on the page, not in the text field
        page.keyboard.press("F12")
        page.keyboard.press("Control+Shift+I")
        page.keyboard.press("a")  # not blocked
        page.mouse.click(520, 500, button="right")
        page.wait_for_timeout(200)
        page.close(run_before_unload=True)  # the engine's dialog handler dismisses: we stay
        page.wait_for_timeout(400)

    run = visit(browser, f"{server}/blocks.html", act=act)
    combos = {d["combo"] for d in run.of("key_block")}
    assert combos == {"F12", "Ctrl+Shift+I"}
    assert {d["target"] for d in run.of("key_block")} == {"body"}
    (menu,) = run.of("contextmenu_block")
    assert menu["via"] == "contextmenu"
    listeners = {(d["type"], d["target"], d["via"]) for d in run.of("listener")}
    assert ("keydown", "document", "addEventListener") in listeners
    assert ("contextmenu", "document", "property") in listeners
    vias = {d["via"] for d in run.of("beforeunload")}
    assert vias == {"property", "prompted"}
    evidence = run.evidence()
    assert evidence["lockin.key_block"].strength == 0.9 and "DevTools keys" in evidence["lockin.key_block"].detail
    assert evidence["lockin.contextmenu_block"].strength == 0.85
    assert evidence["lockin.beforeunload"].strength == 0.7


def test_child_frames_are_instrumented(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/frames.html", settle_ms=500)
    child = [e for e in run.raw if e["top"] is False]
    assert {e["type"] for e in child} >= {"dialog", "history", "notification_request"}
    (alert,) = run.of("dialog")  # the "clean alert from a fresh iframe" trick is seen too
    assert alert["message"] == "clean alert from a fresh iframe"
    assert run.log.summary()["history"]["total"] == 120
    assert run.of("notification_request")[0]["gesture"] is False
    evidence = run.evidence()
    assert evidence["lockin.history_flood"].strength == 0.9
    assert evidence["lockin.notification_request"].strength == 0.7
    assert len({e["doc"] for e in run.raw if e["top"] is False}) == 2  # two child documents


def test_main_thread_stall(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/stall.html", settle_ms=2200)
    stalls = run.of("stall")
    assert stalls and max(d["ms"] for d in stalls) >= 1300
    assert run.evidence()["lockin.freeze"].strength >= 0.4


def test_floods_stay_bounded(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/many.html", settle_ms=300)
    summary = run.log.summary()
    assert summary["object_url"]["total"] == 3000
    assert summary["title_change"]["total"] == 3000
    assert len(summary["title_change"]["values"]) == 20  # first 20 distinct titles only
    # (only keydown: Playwright's own helper script, injected by the test's reads, adds a few listeners)
    assert max(d["count"] for d in run.of("listener") if d["type"] == "keydown") == 3000
    assert summary["resize"]["total"] == 300
    assert len(run.raw) < 120
    assert_flood_safe(run)
    evidence = run.evidence()
    assert evidence["lockin.freeze"].strength == 0.8
    assert evidence["lockin.tab_flash"].strength == 0.6
    assert evidence["lockin.window_resize"].strength == 0.9


def test_hooks_look_native_and_change_nothing(browser: Any, server: str) -> None:
    results: dict[str, Any] = {}

    def check(run: Run) -> None:
        results["r"] = read(run.page, "window.result")

    for with_binding in (True, False):  # no binding (a frame without it): the page must not notice
        run = visit(browser, f"{server}/stealth.html", binding=with_binding, check=check)
        r = results["r"]
        assert r["alert"] == r["alertStr"] == "function alert() { [native code] }"
        assert r["play"] == "function play() { [native code] }"
        assert r["toString"] == "function toString() { [native code] }"
        assert r["titleSetter"] == "function set title() { [native code] }"
        assert r["push"] == ["pushState", 2, False]
        assert r["alertNew"] == "TypeError"
        assert r["worker"] is True
        assert r["workerName"] == ["Worker", 1, "function Worker() { [native code] }"]
        assert r["binding"] == "undefined" and r["enumerable"] == []
        assert r["crossOrigin"] == "SecurityError" and r["clone"] == "DataCloneError" and r["illegal"] == "TypeError"
        assert r["confirm"] is False
        assert run.errors == []
        if with_binding:
            assert {e["type"] for e in run.raw} >= {"dialog", "worker", "history", "object_url"}
        else:
            assert run.raw == []


def test_console_transport_gives_the_page_no_user_activation(browser: Any, server: str) -> None:
    """The binding's replies hand the page user activation; the console transport does not."""
    seen: dict[str, Any] = {}
    for transport in ("binding", "console"):
        context = browser.new_context()
        log = BehaviourLog()
        other: list[str] = []
        try:
            if transport == "console":
                context.add_init_script(script="window.__scamscope_transport = 'console';")
            else:
                context.expose_binding("__scamscope_emit", log)
            context.add_init_script(path=str(INSTRUMENT))
            page = context.new_page()
            page.on("console", lambda m, log=log, other=other: log.add_console(m.text) or other.append(m.text))
            page.goto(f"{server}/activation.html", timeout=TIMEOUT_MS)
            page.wait_for_timeout(900)  # read only after the page's own check (reads are gestures too)
            seen[transport] = read(page, "window.seen[0]")
            page.wait_for_timeout(100)
        finally:
            context.close()
        summary = log.summary()
        assert summary["fullscreen"]["first"][0]["gesture"] is False
        assert summary["history"]["total"] == 1
        assert not any(parse_console(t) for t in other)
    assert seen == {"binding": True, "console": False}


# --- benign pages ----------------------------------------------------------------------------------------


def test_slides_give_only_weak_evidence(browser: Any, server: str) -> None:
    def act(page: Any) -> None:
        page.mouse.click(500, 600)  # focus the page
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.click("#fs")

    run = visit(browser, f"{server}/slides.html", act=act)
    assert run.total("history") == 3
    assert {d["combo"] for d in run.of("key_block")} == {"ArrowRight"}
    (fs,) = run.of("fullscreen")
    assert fs["target"] == "div#deck" and fs["handler"] == "element" and fs["page"] is False
    evidence = run.evidence()
    assert "lockin.history_flood" not in evidence
    assert evidence["lockin.fullscreen"].strength == 0.5
    assert max(e.strength for e in evidence.values()) <= 0.5, evidence


def test_game_pointer_lock_on_canvas_is_weak(browser: Any, server: str) -> None:
    run = visit(browser, f"{server}/game.html", act=lambda p: p.click("#c"))
    (lock,) = run.of("pointer_lock")
    assert lock["tag"] == "canvas" and lock["handler"] == "element" and lock["event"] == "click"
    evidence = run.evidence()
    assert evidence["lockin.pointer_lock"].strength == 0.3
    assert max(e.strength for e in evidence.values()) <= 0.5, evidence


# --- BehaviourLog without a browser ----------------------------------------------------------------------


def _event(etype: str, doc: str = "d1", **detail: Any) -> dict[str, Any]:
    return {"type": etype, "detail": detail, "t": 1.0, "top": True, "doc": doc}


def test_log_rejects_malformed_events_and_stays_bounded() -> None:
    log = BehaviourLog()
    for bad in (None, "x", 5, {}, {"type": 3}, {"type": "Bad Type"}, {"type": "x" * 80}):
        assert log.add(bad) is False
    assert log.dropped == 7 and len(log) == 0
    assert log.add(
        {"type": "dialog", "detail": {"kind": "alert", "message": "m" * 10_000, "count": 1, "nested": {"a": [1] * 999}}}
    )
    first = log.summary()["dialog"]["first"][0]
    assert len(first["message"]) == 500 and len(first["nested"]["a"]) == 50
    for i in range(3 * MAX_EVENTS):
        log.add(_event(f"t{i % 100}", count=i))
    assert len(log) <= MAX_EVENTS
    assert len(log.summary()) <= 64


def test_log_is_thread_safe_and_sums_documents() -> None:
    log = BehaviourLog()

    def feed(doc: str) -> None:
        for n in (1, 2, 5, 10, 20, 50, 100):
            log.add(_event("history", doc, kind="pushState", count=n))

    threads = [threading.Thread(target=feed, args=(f"doc{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = log.summary()["history"]
    assert summary["count"] == 56 and summary["max_count"] == 100 and summary["total"] == 800
    log(object(), _event("history", "doc0", kind="pushState", count=1000))  # used as a binding handler
    assert log.summary()["history"]["total"] == 1700


@pytest.mark.parametrize(
    ("events", "signal", "strength"),
    [
        ([_event("history", kind="pushState", count=1)], "lockin.history_flood", None),  # routing
        ([_event("history", kind="pushState", count=20)], "lockin.history_flood", 0.3),
        ([_event("history", kind="pushState", count=50)], "lockin.history_flood", 0.9),
        ([_event("dialog", kind="alert", message="Hello", count=1)], "lockin.dialog_loop", 0.2),
        (
            [
                _event("dialog", kind="alert", message="Hi", count=2),
                _event("dialog", kind="confirm", message="?", count=1),
            ],
            "lockin.dialog_loop",
            0.9,
        ),
        ([_event("speech", text="Welcome to our museum", lang="en-US", count=1)], "lockin.speech", 0.6),
        ([_event("speech", text="Your computer has a virus", lang="en-US", count=1)], "lockin.speech", 1.0),
        (
            [
                _event(
                    "fullscreen",
                    target="video#v",
                    page=False,
                    handler="element",
                    event="click",
                    trusted=True,
                    gesture=True,
                    count=1,
                )
            ],
            "lockin.fullscreen",
            0.4,
        ),
        (
            [
                _event(
                    "fullscreen",
                    target="html",
                    page=True,
                    handler="element",
                    event="click",
                    trusted=True,
                    gesture=True,
                    count=1,
                )
            ],
            "lockin.fullscreen",
            0.5,
        ),
        (
            [
                _event(
                    "fullscreen",
                    target="html",
                    page=True,
                    handler="document",
                    event="click",
                    trusted=True,
                    gesture=True,
                    count=1,
                )
            ],
            "lockin.fullscreen",
            0.85,
        ),
        (
            [_event("fullscreen", target="html", page=True, event="click", trusted=False, handler="body", count=1)],
            "lockin.fullscreen",
            0.9,
        ),
        ([_event("keyboard_lock", keys=None, all_keys=True, gesture=False, count=1)], "lockin.keyboard_lock", 1.0),
        ([_event("keyboard_lock", keys=["KeyW", "KeyA"], gesture=True, count=1)], "lockin.keyboard_lock", 0.95),
        ([_event("keyboard_lock", keys=["KeyA"], gesture=True, count=1)], "lockin.keyboard_lock", 0.7),
        (
            [_event("media_play", via="autoplay", kind="video", src="bg.mp4", loop=True, muted=True, count=1)],
            "lockin.audio_alarm",
            None,
        ),
        ([_event("media_play", via="autoplay", kind="audio", src="bgm.mp3", loop=True, count=1)], "lockin.audio_alarm", 0.45),
        ([_event("media_play", via="autoplay", kind="audio", src="alarm.mp3", loop=True, count=1)], "lockin.audio_alarm", 0.75),
        (
            [
                _event(
                    "media_play",
                    via="play()",
                    kind="audio",
                    src="click.mp3",
                    loop=False,
                    muted=False,
                    handler="element",
                    event="click",
                    trusted=True,
                    gesture=True,
                    count=1,
                )
            ],
            "lockin.audio_alarm",
            0.3,
        ),
        (
            [
                _event("media_play", via="play()", kind="audio", src="a.mp3", loop=False, muted=False, count=n)
                for n in (1, 2, 5)
            ],
            "lockin.audio_alarm",
            1.0,
        ),
        ([_event("worker", kind="Worker", blob=True, count=1)], "lockin.freeze", 0.3),
        ([_event("key_block", combo="s", editable=True, count=1)], "lockin.key_block", 0.2),
        (
            [_event("key_block", combo=c, editable=False, count=i + 1) for i, c in enumerate("XYZ")],
            "lockin.key_block",
            0.9,
        ),
        ([_event("beforeunload", via="addEventListener", target="window", count=1)], "lockin.beforeunload", 0.4),
        ([_event("dialog", kind="alert", message="Wait!", event="beforeunload", count=1)], "lockin.beforeunload", 1.0),
        ([_event("window_open", url="https://x.test/", count=1)], "lockin.window_resize", 0.2),
        ([_event("window_open", url="https://x.test/", count=5)], "lockin.window_resize", 0.9),
        ([_event("stall", ms=12000, max_ms=12000, count=1)], "lockin.freeze", 0.9),
        ([_event("key_block", combo="F12", editable=True, count=1)], "lockin.key_block", 0.9),  # wherever focused
        ([_event("key_block", combo="Escape", editable=True, count=1)], "lockin.key_block", 0.2),  # an editor
        ([_event("something_new", x=1)], None, None),
    ],
)
def test_evidence_strengths(events: list[dict[str, Any]], signal: str | None, strength: float | None) -> None:
    log = BehaviourLog()
    log.extend(events)
    evidence = {e.signal: e for e in log.to_evidence()}
    assert all(e.source == "behaviour" and e.detail for e in evidence.values())
    if signal is None:
        assert evidence == {}
    elif strength is None:
        assert signal not in evidence
    else:
        assert evidence[signal].strength == strength, evidence[signal]
