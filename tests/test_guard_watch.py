"""The guard's in-page watcher (scamscope/guard/watch.js via scamscope.guard.watch) in real headless
Chromium, without the proxy: the test inserts the script into its pages itself, right after the
doctype as the guard does, and serves them on loopback together with the report endpoint.

Hostile pages lock the browser (full screen + keyboard lock, alert loops, history floods, sirens,
a hidden cursor, a beforeunload trap, an alert flood through a fresh iframe) and must end up
showing the warning page, silenced, with a report; benign pages using the same APIs (a video
player, a game, an SPA, one alert) must be left alone. Every wait has a timeout, every context
is closed.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scamscope.guard.watch import PLACEHOLDER, WATCH_MARK, watcher_script
from tests.guard_support import headless_chromium

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 10_000
REPORT_PATH = "/__scamscope_guard__/report"
MARKER = '<meta name="scamscope-guard" content="blocked">'
BLOCK_HTML = (
    "<!DOCTYPE html><html lang=ja><head><meta charset=utf-8>" + MARKER + "<title>偽の警告を止めました</title></head>"
    "<body><h1 id=scamscope-warning>この警告は偽物です / This warning is fake</h1>"
    "<p>電話をかけないでください。Do not call the number.</p></body></html>"
)
HIDDEN = "__scamscope_guard_watch"
SETTLE_MS = 1200  # how long a benign page is watched for (the watcher's check runs every second)

JA_SCARE = "お使いのコンピューターはウイルスに感染しています。今すぐサポートに電話してください"
JA_PHONE = "0101-888-555-0123"
EN_SCARE = (
    "Windows Defender Security Alert: your computer is infected with a Trojan virus. Call Microsoft Support toll-free"
)
EN_PHONE = "+1-888-555-0100"


def _wav() -> bytes:
    """A 0.5 s, 8 kHz square-wave beep: the test's siren."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join((b"\xff\x3f" if (i // 10) % 2 else b"\x01\xc0") for i in range(4000)))
    return buf.getvalue()


def watched(name: str, body: str, *, scare_seen: bool = False, block_html: str = BLOCK_HTML) -> bytes:
    """A page with the watcher right after its doctype, as the guard inserts it; token = tok-NAME."""
    script = watcher_script(token=f"tok-{name}", report_path=REPORT_PATH, block_html=block_html, scare_seen=scare_seen)
    return f"<!DOCTYPE html><script data-{WATCH_MARK}>{script}</script>{body}".encode()


# a data: URL document (an opaque origin: out of the watcher's reach) pinging its parent and flooding alerts
DATA_FLOODER = (
    "data:text/html,%3Cscript%3EsetInterval(function%20()%20%7B%20parent.postMessage(1%2C%20'*')%3B%20"
    "alert('infected')%3B%20%7D%2C%20100)%3B%3C%2Fscript%3E"
)

FULLSCREEN_ON_CLICK = """
document.addEventListener('click', function () {
  document.documentElement.requestFullscreen().then(function () { window.fsok = true; }, function () {});
});"""

PAGES: dict[str, tuple[str, bytes]] = {
    # --- hostile -------------------------------------------------------------------------------------
    "/ja-lock.html": (
        "text/html; charset=utf-8",
        watched(
            "ja-lock",
            f"""<html lang=ja><head><title>セキュリティ警告</title></head><body style="margin:0">
<div style="height:100vh"><h1>{JA_SCARE}</h1><p>サポート窓口: <a href="tel:{JA_PHONE}">{JA_PHONE}</a></p></div>
<script>
window.ticks = 0; setInterval(function () {{ window.ticks++; document.title = 'セキュリティ警告 ' + window.ticks; }}, 50);
window.frames_ = 0; (function loop() {{ window.frames_++; requestAnimationFrame(loop); }})();
(function again() {{ setTimeout(function () {{ window.again = (window.again || 0) + 1; again(); }}, 30); }})();
document.addEventListener('click', function () {{
  document.documentElement.requestFullscreen().catch(function () {{}});
  navigator.keyboard.lock(['Escape', 'F11']).then(function () {{ window.locked = true; }});
}});
</script><script async src="/slow.js"></script></body></html>""",
        ),
    ),
    "/slow.js": (
        "text/javascript",
        b"window.slowRan = true; document.body && document.body.insertAdjacentHTML('beforeend', '<p id=late>scam again</p>');",
    ),
    "/alert-loop.html": (
        "text/html; charset=utf-8",
        watched(
            "alert-loop",
            f"""<html><body><h1>Security alert</h1><script>
window.shown = 0;
while (true) {{ window.shown++; alert('{EN_SCARE} {EN_PHONE}'); }}
</script><p id=after>after the loop</p></body></html>""",
        ),
    ),
    "/alert-interval.html": (
        "text/html; charset=utf-8",
        watched(
            "alert-interval",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
window.shown = 0;
setInterval(function () {{ window.shown++; alert('Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/print-flood.html": (
        "text/html; charset=utf-8",
        watched(
            "print-flood",
            f"""<html><body><h1>{EN_SCARE}</h1><script>
window.prints = 0;
setInterval(function () {{ window.prints++; print(); }}, 100);
</script></body></html>""",
        ),
    ),
    "/history-flood.html": (
        "text/html; charset=utf-8",
        watched(
            "history-flood",
            f"""<html lang=ja><body><h1>{JA_SCARE} {JA_PHONE}</h1><script>
window.pushed = 0;
for (var i = 0; i < 1e6; i++) {{ window.pushed++; history.pushState({{i: i}}, '', '#' + i); }}
window.loopDone = true;
</script></body></html>""",
        ),
    ),
    "/siren.html": (
        "text/html; charset=utf-8",
        watched(
            "siren",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1>
<audio id=siren src="/alarm.wav" autoplay loop></audio></body></html>""",
        ),
    ),
    "/oscillator.html": (
        "text/html; charset=utf-8",
        watched(
            "oscillator",
            f"""<html lang=ja><body><h1>{JA_SCARE}</h1><script>
window.ctx = new AudioContext();
var o = ctx.createOscillator(); o.frequency.value = 880; o.connect(ctx.destination); o.start();
</script></body></html>""",
        ),
    ),
    "/alarm.wav": ("audio/wav", _wav()),
    "/cursor.html": (
        "text/html; charset=utf-8",
        watched(
            "cursor", f"""<html><body style="cursor: none; margin: 0"><h1>{EN_SCARE} {EN_PHONE}</h1></body></html>"""
        ),
    ),
    "/cursor-cover.html": (
        "text/html; charset=utf-8",
        watched(
            "cursor-cover",
            f"""<html lang=ja><body style="margin:0"><div id=cover style="position:fixed;inset:0;cursor:none">
<p>{JA_SCARE}</p></div></body></html>""",
            scare_seen=True,
        ),
    ),
    "/unload-trap.html": (
        "text/html; charset=utf-8",
        watched(
            "unload-trap",
            f"""<html><body style="margin:0"><div style="height:100vh"><h1>{EN_SCARE} {EN_PHONE}</h1></div><script>
window.onbeforeunload = function () {{ return 'Your computer is at risk if you leave'; }};
window.addEventListener('beforeunload', function (e) {{ e.preventDefault(); e.returnValue = 'stay'; }});
{FULLSCREEN_ON_CLICK}
</script></body></html>""",
        ),
    ),
    "/elsewhere.html": (
        "text/html; charset=utf-8",
        b"<!DOCTYPE html><html><body><h1 id=elsewhere>Elsewhere</h1></body></html>",
    ),
    "/escape.html": (
        "text/html; charset=utf-8",
        watched(
            "escape",
            f"""<html><body><h1>{EN_SCARE}</h1><script>
window.before = window.pwned;
document.addEventListener('click', function () {{ for (var i = 0; i < 5; i++) alert('Call support now'); }});
</script></body></html>""",
            block_html=BLOCK_HTML.replace(
                "</body>", "</script><script>window.pwned=1</script><!-- <script> --></body>"
            ),
        ),
    ),
    # --- hostile, against the watcher itself -----------------------------------------------------------
    "/iframe-alert.html": (
        "text/html; charset=utf-8",
        watched(
            "iframe-alert",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
window.alert = function () {{ window.decoy = true; }};  // the page's own alert, as if undoing ours
var f = document.createElement('iframe');
f.style.display = 'none';
document.body.appendChild(f);
var pristine = f.contentWindow.alert;
window.shown = 0;
setInterval(function () {{ window.shown++; pristine('Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/frames-index.html": (
        "text/html; charset=utf-8",
        watched(
            "frames-index",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
delete window.alert;
var f = document.createElement('iframe');
f.src = '/plain.html';  // not loaded yet: frames[0] is its initial about:blank document
document.body.appendChild(f);
var pristine = frames[0].alert;
window.shown = 0;
setInterval(function () {{ window.shown++; pristine.call(frames[0], 'Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/parsed-frame.html": (
        "text/html; charset=utf-8",
        watched(
            "parsed-frame",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><iframe src="/plain.html"></iframe><script>
var pristine = frames[0].alert;  // an iframe from the markup, still loading
window.shown = 0;
setInterval(function () {{ window.shown++; pristine('Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/child-flood.html": (
        "text/html; charset=utf-8",
        watched(
            "child-flood",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
var f = document.createElement('iframe');
f.src = '/flooder.html';  // same origin, served without a watcher: its own scripts flood
document.body.appendChild(f);
</script></body></html>""",
        ),
    ),
    "/flooder.html": (
        "text/html; charset=utf-8",
        b"""<!DOCTYPE html><html><body><script>
parent.shown = 0;
setInterval(function () { parent.shown++; alert('Your computer is infected! Call support'); }, 100);
</script></body></html>""",
    ),
    "/srcdoc.html": (
        "text/html; charset=utf-8",
        watched(
            "srcdoc",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
var f = document.createElement('iframe');
f.srcdoc = '<!DOCTYPE html><script>parent.shown = 0; setInterval(function () {{ parent.shown++; alert("Your computer is infected!"); }}, 100);<' + '/script>';
document.body.appendChild(f);
</script></body></html>""",
        ),
    ),
    "/srcdoc-markup.html": (
        "text/html; charset=utf-8",
        watched(
            "srcdoc-markup",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><div id=box></div><script>
document.getElementById('box').innerHTML =
  '<iframe srcdoc="<script>parent.shown = 0; setInterval(function () {{ parent.shown++; alert(1); }}, 100);</' + 'script>"></iframe>';
</script></body></html>""",
        ),
    ),
    "/blob-frame.html": (
        "text/html; charset=utf-8",
        watched(
            "blob-frame",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
var html = '<script>parent.shown = 0; setInterval(function () {{ parent.shown++; alert("infected"); }}, 100);</' + 'script>';
var f = document.createElement('iframe');
f.src = URL.createObjectURL(new Blob([html], {{type: 'text/html'}}));
document.body.appendChild(f);
</script></body></html>""",
        ),
    ),
    "/range-frame.html": (
        "text/html; charset=utf-8",
        watched(
            "range-frame",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
var f = document.createElement('iframe');
f.src = '/plain.html';
var range = document.createRange(); range.selectNodeContents(document.body);
range.insertNode(f);
var pristine = frames[0].alert;
setInterval(function () {{ pristine('Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/polluted.html": (
        "text/html; charset=utf-8",
        watched(
            "polluted",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
// setters on Array.prototype indices would break a watcher that appends with arr[arr.length] = x
for (var i = 0; i < 10; i++) Object.defineProperty(Array.prototype, i, {{set: function () {{ throw new Error('no'); }}, configurable: true}});
// inherited descriptor fields would break the watcher's Object.defineProperty calls
var d = Object.create(null); d.value = 'polluted'; d.writable = true; d.configurable = true;
Object.defineProperty(Object.prototype, 'value', d);
// a trap on Object.prototype would receive the original function if the watcher's Proxy handlers inherited it
d = Object.create(null); d.value = function (t, k) {{ window.leaked = t; return Reflect.get(t, k); }}; d.writable = true; d.configurable = true;
Object.defineProperty(Object.prototype, 'get', d);
window.probe = [alert.name, typeof history.pushState.foo];
var f = document.createElement('iframe'); document.body.appendChild(f);
window.probe = [window.probe[0], window.probe[1], f.contentWindow.alert.name, window.leaked === undefined];
localStorage.setItem('probe', JSON.stringify(window.probe));  // read by the test from outside the page's world
setInterval(function () {{ f.contentWindow.alert('Your computer is infected!'); }}, 100);
</script></body></html>""",
        ),
    ),
    "/timer-wipe.html": (
        "text/html; charset=utf-8",
        watched(
            "timer-wipe",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
function wipe() {{ var last = setTimeout(function () {{}}, 0); for (var i = 1; i <= last; i++) clearTimeout(i); }}
window.addEventListener('load', function () {{
  for (var i = 0; i < 3; i++) alert('Your computer is infected!');
  wipe();  // after the third alert: the watcher's replacement timer goes too
}});
</script></body></html>""",
        ),
    ),
    "/cursor-wipe.html": (
        "text/html; charset=utf-8",
        watched(
            "cursor-wipe",
            f"""<html><body style="margin:0"><div style="height:100vh"><h1>{EN_SCARE} {EN_PHONE}</h1></div><script>
window.addEventListener('load', function () {{
  setTimeout(function () {{
    var last = setTimeout(function () {{}}, 0); for (var i = 1; i <= last; i++) clearTimeout(i);  // the watcher's check too
    document.body.style.cursor = 'none';
    window.wiped = true;
  }}, 50);
}});
</script></body></html>""",
        ),
    ),
    "/slow-loop.html": (
        "text/html; charset=utf-8",
        watched(
            "slow-loop",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
window.addEventListener('load', function () {{ while (true) alert('Your computer is infected!'); }});
</script></body></html>""",
        ),
    ),
    "/cross-origin-frame.html": (
        "text/html; charset=utf-8",
        watched(
            "cross-origin-frame",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1>
<iframe id=x></iframe><script>
document.getElementById('x').src = location.href.replace('127.0.0.1', 'localhost').replace('cross-origin-frame', 'xflooder');
</script></body></html>""",
        ),
    ),
    "/data-frame.html": (
        "text/html; charset=utf-8",
        watched(
            "data-frame",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><iframe src="{DATA_FLOODER}"></iframe><script>
window.pings = 0; window.addEventListener('message', function () {{ window.pings++; }});
</script></body></html>""",
        ),
    ),
    "/data-frame-script.html": (
        "text/html; charset=utf-8",
        watched(
            "data-frame-script",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><script>
window.pings = 0; window.addEventListener('message', function () {{ window.pings++; }});
var f = document.createElement('iframe');
f.setAttribute('sandbox', 'allow-scripts allow-modals');
f.src = "{DATA_FLOODER}";
document.body.appendChild(f);
</script></body></html>""",
        ),
    ),
    "/data-frame-open.html": (
        "text/html; charset=utf-8",
        watched(
            "data-frame-open",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><iframe name=target></iframe><script>
window.pings = 0; window.addEventListener('message', function () {{ window.pings++; }});
window.open("{DATA_FLOODER}", 'target');  // navigated by name: no src attribute to see
</script></body></html>""",
        ),
    ),
    "/data-frame-location.html": (
        "text/html; charset=utf-8",
        watched(
            "data-frame-location",
            f"""<html><body><h1>{EN_SCARE} {EN_PHONE}</h1><iframe></iframe><script>
frames[0].location.href = "{DATA_FLOODER}";  // navigated through its Location: nothing to see
</script></body></html>""",
        ),
    ),
    "/xflooder.html": (
        "text/html; charset=utf-8",
        b"""<!DOCTYPE html><html><body><script>
setInterval(function () { alert('Your computer is infected! Call support'); }, 100);
</script></body></html>""",
    ),
    "/plain.html": ("text/html; charset=utf-8", b"<!DOCTYPE html><html><body><p>plain</p></body></html>"),
    # --- benign --------------------------------------------------------------------------------------
    "/video.html": (
        "text/html; charset=utf-8",
        watched(
            "video",
            f"""<html><body style="margin:0"><div id=player style="height:100vh;background:#000;color:#fff">
<h1>Big Buck Bunny</h1><p>A short animated film. Click to watch in full screen.</p></div><script>
{FULLSCREEN_ON_CLICK}
</script></body></html>""",
        ),
    ),
    "/game.html": (
        "text/html; charset=utf-8",
        watched(
            "game",
            """<html><body style="margin:0"><canvas id=c width=800 height=600 style="display:block"></canvas>
<p>Space Rocks: arrow keys to fly, click to capture the mouse.</p><script>
var c = document.getElementById('c');
c.addEventListener('click', function () {
  c.requestFullscreen().catch(function () {});
  try { c.requestPointerLock(); } catch (e) {}
  navigator.keyboard.lock(['KeyW', 'KeyA', 'KeyS', 'KeyD']).catch(function () {});
  var ctx = new AudioContext(); var o = ctx.createOscillator(); o.connect(ctx.destination); o.start(); window.beep = ctx;
});
</script></body></html>""",
        ),
    ),
    "/spa.html": (
        "text/html; charset=utf-8",
        watched(
            "spa",
            """<html><body><nav>Home | Products | Support | Contact</nav><h1 id=h>Home</h1><script>
['products', 'support', 'contact'].forEach(function (p) { history.pushState({p: p}, '', '/spa/' + p); });
document.getElementById('h').textContent = 'Contact';
</script></body></html>""",
        ),
    ),
    "/one-alert.html": (
        "text/html; charset=utf-8",
        watched(
            "one-alert",
            """<html><body><h1>Newsletter</h1><script>alert('Thanks for subscribing!');</script></body></html>""",
        ),
    ),
    "/article.html": (
        "text/html; charset=utf-8",
        watched(
            "article",
            f"""<html lang=ja><body style="margin:0"><article style="height:100vh"><h1>サポート詐欺に注意</h1>
<p>偽の警告画面は「{JA_SCARE}」と表示し、電話をかけさせます。</p>
<video src="/alarm.wav" muted autoplay></video></article><script>
{FULLSCREEN_ON_CLICK}
</script></body></html>""",
        ),
    ),
    "/transparent.html": (
        "text/html; charset=utf-8",
        watched(
            "transparent",
            """<html><body style="margin:0"><div style="height:100vh">Settings</div><script>
window.r = {};
history.pushState({a: 1}, '', '/moved/here');
r.path = location.pathname;
r.state = history.state && history.state.a;
r.replaced = (history.replaceState(null, '', '/moved/again'), location.pathname);
r.names = [history.pushState.name, history.pushState.length, alert.name, alert.length, 'prototype' in alert];
r.ctx = (function () { var c = new AudioContext(); var ok = c instanceof AudioContext && c.constructor === AudioContext; c.close(); return ok; })();
r.keys = Object.keys(window).filter(function (k) { return /scamscope|guard/i.test(k); });
r.hidden = Object.getOwnPropertyNames(window).filter(function (k) { return /scamscope/i.test(k); });
r.confirm = confirm('Save changes?');
r.prompt = prompt('Your name?', 'x');
r.frame = (function () { var f = document.createElement('iframe'); document.body.appendChild(f); var w = f.contentWindow; var ok = typeof w.alert === 'function' && w.document.body !== null; f.remove(); return ok; })();
document.addEventListener('click', function () {
  var p = document.documentElement.requestFullscreen();
  r.isPromise = p instanceof Promise;
  p.then(function () { r.fullscreen = !!document.fullscreenElement; }, function (e) { r.fullscreen = 'rejected: ' + e; });
});
</script></body></html>""",
        ),
    ),
}


# --- the loopback site: pages, a slow script, the report endpoint ---------------------------------------------


class Site:
    def __init__(self, base: str, reports: list[dict[str, Any]], lock: threading.Lock) -> None:
        self.base = base
        self._reports = reports
        self._lock = lock

    def reports(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._reports if r.get("token") == f"tok-{name}"]

    def wait_report(self, name: str, timeout_s: float = 5.0, page: Any = None) -> dict[str, Any]:
        """The first report of page NAME; ``page``: wait with it (sync Playwright handles the page's
        dialogs only while one of its calls runs)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.reports(name)
            if found:
                return found[0]
            if page is not None:
                page.wait_for_timeout(50)
            else:
                time.sleep(0.05)
        raise AssertionError(f"no report from {name} within {timeout_s} s")


@contextmanager
def serve_site() -> Iterator[Site]:
    """PAGES on 127.0.0.1 (GET; /slow.js answers after 1 s) and a POST endpoint at REPORT_PATH that
    records the JSON reports (tests.conftest.serve_pages serves GET only, hence this small variant)."""
    reports: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == "/slow.js":
                time.sleep(1.0)
            ctype, body = PAGES.get(path, ("text/plain", b"not found"))
            self._send(200 if path in PAGES else 404, ctype, body)

        def do_POST(self) -> None:  # noqa: N802
            length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
            data = self.rfile.read(length)
            if self.path != REPORT_PATH:
                self._send(404, "text/plain", b"")
                return
            try:
                report = json.loads(data.decode("utf-8"))
            except ValueError:
                report = {"invalid": data.decode("utf-8", "replace")}
            report["_content_type"] = self.headers.get("Content-Type", "")
            with lock:
                reports.append(report)
            self.send_response(204)
            self.end_headers()

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the page was replaced meanwhile
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield Site(f"http://127.0.0.1:{httpd.server_address[1]}", reports, lock)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve_site() as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as b:
        yield b


def read(page: Any, expr: str, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Evaluate ``expr`` with a timeout (page.evaluate has none: a hung page would hang the test)."""
    handle = page.wait_for_function(
        f"() => {{ const v = ({expr}); return v === undefined ? {{v: null}} : {{v}}; }}",
        timeout=timeout_ms,
        polling=50,
    )
    try:
        return handle.json_value()["v"]
    finally:
        handle.dispose()


class Visit:
    def __init__(self, page: Any, dialogs: list[tuple[str, str]], errors: list[str]) -> None:
        self.page = page
        self.dialogs = dialogs  # (type, message) of every dialog the page opened
        self.errors = errors

    def blocked(self, timeout_ms: int = TIMEOUT_MS) -> bool:
        return bool(read(self.page, "!!document.querySelector('meta[name=\"scamscope-guard\"]')", timeout_ms))

    def wait_blocked(self, timeout_ms: int = 5000) -> None:
        # polled from here: a wait_for_function started before the replacement would never return
        # (its polling timer in the page is cleared with the page's timers); a read may also time out
        # while the page sits in a dialog
        self.wait_for("!!document.querySelector('meta[name=\"scamscope-guard\"]')", timeout_ms)

    def wait_for(self, expr: str, timeout_ms: int = 5000) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            try:
                if read(self.page, expr, 1000):
                    return
            except PlaywrightTimeout:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{expr} not true within {timeout_ms} ms")
            time.sleep(0.05)


@contextmanager
def visit(browser: Any, url: str, wait_until: str = "load", dismiss_after_s: float = 0.0) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    dialogs: list[tuple[str, str]] = []
    errors: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append((d.type, d.message))
        if dismiss_after_s:
            time.sleep(dismiss_after_s)  # a user reading the dialog
        try:
            d.dismiss()
        except Exception:  # the page went away meanwhile
            pass

    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, timeout=TIMEOUT_MS, wait_until=wait_until)
        yield Visit(page, dialogs, errors)
    finally:
        context.close()


def assert_left_alone(site: Site, v: Visit, name: str, check: Callable[[], None] | None = None) -> None:
    """Watched for SETTLE_MS: the page is still the page, nothing was reported."""
    v.page.wait_for_timeout(SETTLE_MS)
    assert not v.blocked(), f"{name} was replaced"
    assert site.reports(name) == []
    if check:
        check()


# --- watcher_script ----------------------------------------------------------------------------------------


def test_template_is_ascii_and_inline_safe() -> None:
    source = (ROOT / "scamscope" / "guard" / "watch.js").read_text(encoding="utf-8")
    assert source.isascii()
    assert source.count(PLACEHOLDER) == 1
    low = source.lower()
    assert "</script" not in low and "<!--" not in low


def test_watcher_script_escapes_its_config() -> None:
    html = "<!DOCTYPE html><p>x</p></script><script>alert(1)</script><!-- & \u2028\u2029 ウイルス"
    script = watcher_script(token='t"</script>', report_path=REPORT_PATH, block_html=html, scare_seen=True)
    assert PLACEHOLDER not in script
    assert script.isascii()
    assert not re.search(r"^\s*(//|/\*)", script, re.M)  # comment lines are left out of the page
    low = script.lower()
    assert "</script" not in low and "<!--" not in low and "<script" not in low.replace("'<' + 'script", "")
    m = re.search(r"var CONFIG = (\{.*?\});\n", script)
    assert m is not None
    config = json.loads(m.group(1))
    assert config == {"token": 't"</script>', "report_path": REPORT_PATH, "block_html": html, "scare_seen": True}
    assert "\\u003c/script\\u003e" in m.group(1) and "\\u0026" in m.group(1) and "\\u2028" in m.group(1)
    for bad in ("https://evil.example/r", "//evil.example/r", "report"):
        with pytest.raises(ValueError):
            watcher_script(token="t", report_path=bad, block_html="", scare_seen=False)


# --- lock-in: replaced, silenced, reported --------------------------------------------------------------------


def test_fullscreen_with_keyboard_lock_is_replaced_and_reported(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/ja-lock.html", wait_until="domcontentloaded") as v:
        v.page.mouse.click(400, 300)
        v.wait_blocked()
        assert read(v.page, "document.fullscreenElement") is None
        assert (
            read(v.page, "document.getElementById('scamscope-warning').textContent")
            == "この警告は偽物です / This warning is fake"
        )
        assert "ウイルス" not in v.page.content()
        counters = read(v.page, "[window.ticks, window.frames_, window.again]")
        v.page.wait_for_timeout(1300)  # past the slow script's arrival
        assert read(v.page, "[window.ticks, window.frames_, window.again]") == counters  # timers, rAF loops: stopped
        assert read(v.page, "window.slowRan === true") is False  # the old page's pending script was cancelled
        assert v.blocked() and read(v.page, "document.getElementById('late')") is None
        assert read(v.page, "document.title") == "偽の警告を止めました"
        report = site.wait_report("ja-lock")
        assert report["url"] == f"{site.base}/ja-lock.html"
        assert report["reasons"] == ["fullscreen+keyboard_lock"]
        assert report["phones"] == [JA_PHONE]
        assert report["title"].startswith("セキュリティ警告")
        assert report["text"].startswith(JA_SCARE[:20]) and len(report["text"]) <= 500
        assert report["_content_type"] == "application/json"
        assert v.errors == []
        assert len(site.reports("ja-lock")) == 1


def test_alert_loop_is_stopped(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/alert-loop.html", wait_until="commit") as v:
        v.wait_blocked()
        shown = len(v.dialogs)
        v.page.wait_for_timeout(800)
        assert len(v.dialogs) == shown <= 2  # the third alert of the loop was the last attempt
        assert v.blocked() and read(v.page, "document.getElementById('after')") is None
        report = site.wait_report("alert-loop")
        assert report["reasons"] == ["dialog_flood"]
        assert EN_PHONE in report["phones"]  # from the alert's message: the page showed no text yet


def test_alert_interval_is_stopped(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/alert-interval.html", wait_until="commit") as v:
        v.wait_blocked()
        shown = read(v.page, "window.shown")
        v.page.wait_for_timeout(800)
        assert read(v.page, "window.shown") == shown  # the interval was cleared
        assert len(v.dialogs) <= 2
        report = site.wait_report("alert-interval")
        assert "dialog_flood" in report["reasons"]
        assert report["phones"] == [EN_PHONE]


def test_print_flood_is_stopped(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/print-flood.html") as v:
        v.wait_blocked()
        assert site.wait_report("print-flood")["reasons"] == ["print_flood"]
        prints = read(v.page, "window.prints")
        v.page.wait_for_timeout(500)
        assert read(v.page, "window.prints") == prints <= 3


def test_history_flood_is_stopped(browser: Any, site: Site) -> None:
    started = time.monotonic()
    with visit(browser, f"{site.base}/history-flood.html", wait_until="commit") as v:
        v.wait_blocked()
        report = site.wait_report("history-flood")
        assert report["reasons"] == ["history_flood"]
        assert report["url"].startswith(f"{site.base}/history-flood.html#")
        assert read(v.page, "window.pushed") <= 1100  # the loop was broken soon after the 10th call
        assert read(v.page, "window.loopDone === true") is False
    assert time.monotonic() - started < 10


def test_siren_is_stopped(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/siren.html", wait_until="commit") as v:
        v.wait_blocked()
        report = site.wait_report("siren")
        assert report["reasons"] == ["alarm_audio"]
        assert report["phones"] == [EN_PHONE]
        # the <audio> element is gone with the old document and was paused first
        assert read(v.page, "document.querySelectorAll('audio').length") == 0


def test_oscillator_is_stopped(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/oscillator.html") as v:
        v.wait_blocked()
        assert site.wait_report("oscillator")["reasons"] == ["alarm_audio"]
        v.page.wait_for_timeout(100)
        assert read(v.page, "window.ctx.state") == "closed"


def test_hidden_cursor_is_replaced(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/cursor.html") as v:
        v.wait_blocked(3000)
        assert site.wait_report("cursor")["reasons"] == ["hidden_cursor"]
    with visit(browser, f"{site.base}/cursor-cover.html") as v:  # a full-viewport layer, scare seen by the guard
        v.wait_blocked(3000)
        assert site.wait_report("cursor-cover")["reasons"] == ["hidden_cursor"]


def test_beforeunload_trap_is_removed(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/unload-trap.html") as v:
        v.page.mouse.click(400, 300)  # a gesture: from now on Chromium would ask "leave site?"
        v.wait_blocked()
        assert site.wait_report("unload-trap")["reasons"] == ["fullscreen+beforeunload"]
        v.page.goto(f"{site.base}/elsewhere.html", timeout=5000)
        assert read(v.page, "document.getElementById('elsewhere').textContent") == "Elsewhere"
        assert [d for d in v.dialogs if d[0] == "beforeunload"] == []


def test_block_html_cannot_break_out_of_the_script(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/escape.html") as v:
        assert read(v.page, "window.before === undefined && window.pwned === undefined") is True
        assert read(v.page, f"Object.getOwnPropertyNames(window).includes('{HIDDEN}')") is True  # the watcher runs
        v.page.mouse.click(300, 300)
        v.wait_blocked()
        assert len(v.dialogs) == 2
        assert site.wait_report("escape")["reasons"] == ["dialog_flood"]
        assert v.errors == []


# --- benign pages are left alone -----------------------------------------------------------------------------


def test_video_player_keeps_its_full_screen(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/video.html") as v:
        v.page.mouse.click(400, 300)
        assert_left_alone(site, v, "video", lambda: read(v.page, "!!document.fullscreenElement && window.fsok") is True)


def test_game_with_pointer_lock_keyboard_lock_and_sound(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/game.html") as v:
        v.page.mouse.click(400, 300)
        assert_left_alone(site, v, "game", lambda: read(v.page, "!!document.fullscreenElement") is True)


def test_spa_with_a_few_push_states(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/spa.html") as v:
        assert_left_alone(site, v, "spa", lambda: read(v.page, "location.pathname") == "/spa/contact")


def test_one_alert(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/one-alert.html") as v:
        assert_left_alone(site, v, "one-alert")
        assert v.dialogs == [("alert", "Thanks for subscribing!")]


def test_scare_text_with_full_screen_alone_is_not_lock_in(browser: Any, site: Site) -> None:
    """An article about support scams (quoting their text) with a muted video, in full screen."""
    with visit(browser, f"{site.base}/article.html") as v:
        v.page.mouse.click(400, 300)
        assert_left_alone(site, v, "article", lambda: read(v.page, "!!document.fullscreenElement") is True)


def test_wrappers_are_transparent(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/transparent.html") as v:
        r = read(v.page, "window.r")
        assert r["path"] == "/moved/here" and r["state"] == 1 and r["replaced"] == "/moved/again"
        assert r["names"] == ["pushState", 2, "alert", 0, False]
        assert r["ctx"] is True
        assert r["keys"] == []  # nothing enumerable
        assert r["hidden"] == [HIDDEN]  # one non-enumerable global
        assert r["confirm"] is False and r["prompt"] is None  # dismissed: the page gets what the browser says
        assert r["frame"] is True
        assert [d[0] for d in v.dialogs] == ["confirm", "prompt"]
        v.page.mouse.click(400, 300)
        v.wait_for("window.r.fullscreen !== undefined")
        assert read(v.page, "[window.r.isPromise, window.r.fullscreen]") == [True, True]  # resolved, in full screen
        assert_left_alone(site, v, "transparent")
        assert v.errors == []


# --- pages working against the watcher -------------------------------------------------------------------------


def test_alert_from_a_fresh_iframe_is_caught(browser: Any, site: Site) -> None:
    """The page replaces window.alert and floods with the pristine alert of an iframe it creates."""
    with visit(browser, f"{site.base}/iframe-alert.html", wait_until="commit") as v:
        v.wait_blocked()
        shown = read(v.page, "window.shown")
        v.page.wait_for_timeout(600)
        assert read(v.page, "window.shown") == shown
        assert len(v.dialogs) <= 2
        assert site.wait_report("iframe-alert")["reasons"] == ["dialog_flood"]


@pytest.mark.parametrize(
    "name",
    [
        "frames-index",  # window.frames[0] right after appendChild, before the frame loaded
        "parsed-frame",  # an <iframe src> from the markup, reached by the next script
        "child-flood",  # a same-origin child page (no watcher of its own) floods by itself
        "srcdoc",  # a srcdoc document's own script floods
        "srcdoc-markup",  # the same, the iframe created through innerHTML
        "blob-frame",  # a blob: URL document (same origin) floods
    ],
)
def test_floods_from_frames_are_caught(browser: Any, site: Site, name: str) -> None:
    with visit(browser, f"{site.base}/{name}.html", wait_until="commit") as v:
        v.wait_blocked()
        assert len(v.dialogs) <= 2, v.dialogs
        assert site.wait_report(name)["reasons"] == ["dialog_flood"]
        v.page.wait_for_timeout(400)
        assert len(v.dialogs) <= 2


def test_range_inserted_frame_is_patched(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/range-frame.html", wait_until="commit") as v:
        v.wait_blocked()
        assert len(v.dialogs) <= 2
        assert site.wait_report("range-frame")["reasons"] == ["dialog_flood"]


def test_prototype_pollution_does_not_leak_originals_or_break_the_watcher(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/polluted.html", wait_until="commit") as v:
        # Playwright's own evaluation in the page's world breaks on those Array setters: the report,
        # a query from Playwright's utility world and localStorage tell what happened
        assert site.wait_report("polluted", page=v.page)["reasons"] == ["dialog_flood"]
        v.page.locator('meta[name="scamscope-guard"]').wait_for(state="attached", timeout=5000)
        assert v.page.locator("#scamscope-warning").count() == 1
        assert len(v.dialogs) <= 2
        (origin,) = [o for o in v.page.context.storage_state()["origins"] if o["origin"] == site.base]
        probe = json.loads({i["name"]: i["value"] for i in origin["localStorage"]}["probe"])
        assert probe == ["alert", "undefined", "alert", True]  # names intact, no original leaked to a trap


def test_page_clearing_every_timer_cannot_stop_the_watcher(browser: Any, site: Site) -> None:
    with visit(browser, f"{site.base}/timer-wipe.html", wait_until="commit") as v:
        v.wait_blocked()  # replaced through a MessageChannel task when the timer is gone
        assert len(v.dialogs) == 2
        assert site.wait_report("timer-wipe")["reasons"] == ["dialog_flood"]
    with visit(browser, f"{site.base}/cursor-wipe.html") as v:
        v.wait_for("window.wiped === true")
        for i in range(9):  # the victim looks for the pointer: the check is restarted
            v.page.mouse.move(300 + 10 * i, 300)
            v.page.wait_for_timeout(250)
        v.wait_blocked(3000)
        assert site.wait_report("cursor-wipe")["reasons"] == ["hidden_cursor"]


def test_alert_loop_with_a_slow_reader_is_caught(browser: Any, site: Site) -> None:
    """3 alerts take more than 10 s when the user reads each for 5 s: each re-opens at once, though."""
    started = time.monotonic()
    with visit(browser, f"{site.base}/slow-loop.html", wait_until="commit", dismiss_after_s=5.2) as v:
        v.wait_blocked(15_000)
        assert len(v.dialogs) == 2
        assert time.monotonic() - started > 10
        assert site.wait_report("slow-loop")["reasons"] == ["dialog_flood"]


@pytest.mark.parametrize("name", ["data-frame", "data-frame-script", "data-frame-open"])
def test_data_url_frames_get_no_dialogs(browser: Any, site: Site, name: str) -> None:
    """A data: document is cross-origin: the watcher cannot wrap its alert(), so the frame is
    sandboxed without allow-modals (its scripts still run, it still talks to its parent)."""
    with visit(browser, f"{site.base}/{name}.html") as v:
        v.wait_for("window.pings > 5")
        assert v.dialogs == []
        assert (
            read(v.page, "document.querySelector('iframe').getAttribute('sandbox')").split().count("allow-modals") == 0
        )
        assert not v.blocked()  # nothing was seen: the page itself is left as it is


@pytest.mark.xfail(
    strict=True,
    reason=(
        "bypass left open: dialogs from a cross-origin document. The watcher cannot reach into another "
        "origin's realm, and Chromium shows alert() from cross-origin frames. (a) another site's page in an "
        "iframe: it passes through the guard, which can score it and add a watcher of its own; (b) a data: "
        "document loaded into a frame other than through its src attribute or window.open(url, frameName) "
        "(frame.location = url, a link or form targeting the frame): the sandbox is not applied before it loads."
    ),
)
@pytest.mark.parametrize("name", ["cross-origin-frame", "data-frame-location"])
def test_floods_from_cross_origin_frames(browser: Any, site: Site, name: str) -> None:
    with visit(browser, f"{site.base}/{name}.html", wait_until="commit") as v:
        v.page.wait_for_timeout(1000)
        assert len(v.dialogs) <= 2, f"{len(v.dialogs)} dialogs"
