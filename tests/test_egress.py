"""The egress guard of live capture, attacked the way a hostile page would, in real Chromium.

A test origin on loopback is admitted with ``allow_hosts`` (never ``allow_private``, which would
admit the canary too). Its pages try every way a browser has to reach a *canary*: plain TCP (and
UDP) listeners on other loopback ports that count what connects to them. The canary must count
zero, the capture must list each refusal with its reason, attributed to the page that asked, and
nothing the canary could serve may appear in the evidence.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scamscope.live.capture import Capture, CaptureOptions, LiveCapturer
from scamscope.netguard import Policy
from scamscope.proxy import EgressGuard, ProxyRunner

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "CANARY-5e1f-SECRET"  # what the canary would serve; must never reach the evidence
EXE = b"MZ" + b"\x00" * 200


@dataclass
class Canary:
    """Loopback listeners (TCP on 127.0.0.1 and ::1, UDP on 127.0.0.1) counting every contact."""

    port: int = 0
    port6: int = 0
    udp_port: int = 0
    contacts: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def canary_listeners(host4: str = "127.0.0.1", port: int = 0) -> Iterator[Canary]:
    canary = Canary()
    socks: list[socket.socket] = []

    def tcp(family: int, addr: tuple[Any, ...]) -> int:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(addr)
        s.listen(64)
        socks.append(s)

        def accept() -> None:
            while True:
                try:
                    c, peer = s.accept()
                except OSError:
                    return
                canary.contacts.append(f"tcp {peer}")
                try:
                    c.settimeout(1)
                    c.recv(4096)
                    c.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: {len(TOKEN)}\r\n\r\n{TOKEN}".encode())
                except OSError:
                    pass
                finally:
                    c.close()

        threading.Thread(target=accept, daemon=True).start()
        return s.getsockname()[1]

    canary.port = tcp(socket.AF_INET, (host4, port))
    canary.port6 = tcp(socket.AF_INET6, ("::1", 0))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    socks.append(u)
    canary.udp_port = u.getsockname()[1]

    def udp() -> None:
        while True:
            try:
                _data, peer = u.recvfrom(4096)
            except OSError:
                return
            canary.contacts.append(f"udp {peer}")

    threading.Thread(target=udp, daemon=True).start()
    try:
        yield canary
    finally:
        for s in socks:
            s.close()


Route = Callable[[BaseHTTPRequestHandler, int], tuple[int, dict[str, str], bytes]]


@contextmanager
def origin_server(routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """The admitted origin: ``routes[path](handler, nth request to that path)``, GET and POST; HTTPS with ``tls``."""
    hits: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with lock:
                hits[path] = n = hits.get(path, 0) + 1
            route = routes.get(path)
            status, headers, body = route(self, n) if route else (404, {"Content-Type": "text/plain"}, b"not found")
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((host, port), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"{'https' if tls else 'http'}://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def html(body: str) -> Route:
    return lambda _h, _n: (200, {"Content-Type": "text/html; charset=utf-8"}, body.encode())


def redirect(status: int, location: str) -> Route:
    return lambda _h, _n: (status, {"Location": location}, b"")


@contextmanager
def ws_echo_server() -> Iterator[int]:
    from websockets.sync.server import serve

    def echo(ws: Any) -> None:
        for message in ws:
            ws.send(f"pong-{message}")

    with serve(echo, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield server.socket.getsockname()[1]


def attack_routes(c: Canary, ws_port: int) -> dict[str, Route]:
    cb = c.base
    routes: dict[str, Route] = {f"/r{code}": redirect(code, f"{cb}/via-{code}") for code in (301, 302, 303, 307, 308)}
    routes["/r307post"] = redirect(307, f"{cb}/via-307post")
    routes["/rfetch"] = redirect(302, f"{cb}/via-fetch")
    routes["/rxhr"] = redirect(302, f"{cb}/via-xhr")
    routes["/rimg"] = redirect(301, f"{cb}/via-img")
    routes["/rscript"] = redirect(303, f"{cb}/via-script")
    routes["/riframe"] = redirect(308, f"{cb}/via-iframe")
    routes["/rpopup"] = redirect(302, f"{cb}/via-popup")
    # first request (Chromium's): a download; second (the re-fetch to hash it): a redirect to the canary
    routes["/dl"] = lambda _h, n: (
        (200, {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=fix.exe"}, EXE) if n == 1 else (302, {"Location": f"{cb}/via-download"}, b"")
    )
    routes["/form.html"] = html("<form method=post action='/r307post'><input name=a value=b></form><script>document.forms[0].submit()</script>")
    routes["/sw.js"] = lambda _h, _n: (200, {"Content-Type": "text/javascript"}, f"fetch('{cb}/via-sw')".encode())
    routes["/all.html"] = html(f"""<html><body><h1>ORIGIN-PAGE</h1>
<img src="/rimg"><script src="/rscript"></script><iframe src="/riframe"></iframe><iframe src="/form.html"></iframe>
<link rel="prefetch" href="{cb}/prefetch">
<img src="http://0x7f.0.0.1:{c.port}/enc-hex"><img src="http://2130706433:{c.port}/enc-decimal"><img src="http://0177.0.0.01:{c.port}/enc-octal">
<img src="http://%31%32%37.0.0.1:{c.port}/enc-percent"><img src="http://１２７．０．０．１:{c.port}/enc-fullwidth"><img src="http://127.0.0.1.:{c.port}/enc-trailing-dot">
<img src="{cb}/long-{"x" * 60000}">
<img src="http://[::1]:{c.port6}/v6-loopback"><img src="http://[::ffff:127.0.0.1]:{c.port}/v4-mapped"><img src="http://[::127.0.0.1]:{c.port}/v4-compatible">
<script>
fetch('/rfetch').catch(function () {{}});
var x = new XMLHttpRequest(); x.open('GET', '/rxhr'); x.send();
try {{ new WebSocket('ws://127.0.0.1:{c.port}/websocket'); }} catch (e) {{}}
try {{ new EventSource('{cb}/eventsource'); }} catch (e) {{}}
navigator.sendBeacon('{cb}/beacon', 'x');
if (navigator.serviceWorker) navigator.serviceWorker.register('/sw.js').catch(function () {{}});
window.open('{cb}/popup'); window.open('/rpopup');
try {{
  var pc = new RTCPeerConnection({{iceServers: [{{urls: ['stun:127.0.0.1:{c.udp_port}', 'turn:127.0.0.1:{c.port}?transport=tcp', 'turn:127.0.0.1:{c.udp_port}?transport=udp'], username: 'u', credential: 'p'}}]}});
  pc.createDataChannel('d'); pc.createOffer().then(function (o) {{ return pc.setLocalDescription(o); }});
}} catch (e) {{}}
var a = document.createElement('a'); a.href = '/dl'; a.download = 'fix.exe'; document.body.appendChild(a); a.click();
var ws = new WebSocket('ws://127.0.0.1:{ws_port}/');
ws.onopen = function () {{ ws.send('ping'); }};
ws.onmessage = function (e) {{ var p = document.createElement('p'); p.textContent = 'WS-OK:' + e.data; document.body.appendChild(p); }};
</script></body></html>""")
    routes["/jsloc.html"] = html(f"<html><body><h1>JSLOC-PAGE</h1><script>setTimeout(function () {{ location.href = '{cb}/jsloc'; }}, 30)</script></body></html>")
    routes["/meta.html"] = html(f"<html><head><meta http-equiv=refresh content='0;url={cb}/meta'></head><body><h1>META-PAGE</h1></body></html>")
    routes["/tagged.html"] = html(
        f"<html><body>tagged<script>var who = new URLSearchParams(location.search).get('who');"
        f"setInterval(function () {{ fetch('{cb}/tag-' + who).catch(function () {{}}); }}, 60);</script></body></html>"
    )
    return routes


def urls(c: Capture) -> str:
    return " ".join(b["url"] for b in c.blocked)


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[str, Canary, CaptureOptions, LiveCapturer]]:
    with canary_listeners() as canary, ws_echo_server() as ws_port, origin_server(attack_routes(canary, ws_port)) as origin, LiveCapturer() as capturer:
        port = origin.rsplit(":", 1)[1]
        opts = CaptureOptions(allow_hosts=(f"127.0.0.1:{port}", f"127.0.0.1:{ws_port}"), budget_s=10)
        yield origin, canary, opts, capturer


def test_every_way_out_of_a_page_is_refused_and_recorded(lab: tuple[str, Canary, CaptureOptions, LiveCapturer]) -> None:
    origin, canary, opts, capturer = lab
    c = capturer.capture(f"{origin}/all.html", opts)
    time.sleep(0.3)
    assert canary.contacts == [], canary.contacts
    assert "ORIGIN-PAGE" in c.text and TOKEN not in c.html + c.text, c.errors
    seen = urls(c)
    for marker in ("via-img", "via-script", "via-iframe", "via-307post", "via-fetch", "via-xhr", "/websocket", "/eventsource", "/beacon",
                   "/popup", "via-popup", "v6-loopback", "v4-mapped", "v4-compatible", "via-download",
                   "/enc-hex", "/enc-decimal", "/enc-octal", "/enc-percent", "/enc-fullwidth", "/enc-trailing-dot", "/long-xxx"):
        assert marker in seen, (marker, c.blocked)
    assert all(len(b["url"]) <= 500 for b in c.blocked)
    kinds = {b["url"].rsplit("/", 1)[-1]: b["kind"] for b in c.blocked}
    assert kinds["websocket"] == "websocket" and kinds["eventsource"] == "eventsource" and kinds["via-img"] == "image"
    assert kinds["via-script"] == "script" and kinds["via-iframe"] == "iframe" and kinds["via-fetch"] == "fetch"
    assert all("loopback" in b["reason"] for b in c.blocked), c.blocked
    assert any(b["url"].startswith("http://[::7f00:1]:") and "IPv4-compatible form of 127.0.0.1" in b["reason"] for b in c.blocked)
    assert any(b["url"].startswith("http://[::ffff:7f00:1]:") and "IPv4-mapped form of 127.0.0.1" in b["reason"] for b in c.blocked)
    assert any(b["url"].startswith("http://[::1]:") for b in c.blocked)
    # WebRTC: no UDP of its own (STUN/TURN to the UDP canary), TURN over TCP only through the guard
    assert any(b["kind"] == "connection" and b["url"] == f"127.0.0.1:{canary.port}" for b in c.blocked), c.blocked
    # the download was recorded from the browser's own fetch; the re-fetch was refused at its redirect
    assert c.downloads and c.downloads[0]["name"] == "fix.exe" and "refused" in c.downloads[0].get("error", ""), c.downloads
    # the guard does not just break everything: the admitted WebSocket works
    assert "WS-OK:pong-ping" in c.text, c.text


@pytest.mark.parametrize("path", ["/r301", "/r302", "/r303", "/r307", "/r308", "/jsloc.html", "/meta.html"])
def test_navigations_to_the_canary_are_refused_and_the_page_stays(lab: tuple[str, Canary, CaptureOptions, LiveCapturer], path: str) -> None:
    origin, canary, opts, capturer = lab
    c = capturer.capture(f"{origin}{path}", opts)
    assert canary.contacts == [], canary.contacts
    refused = [b for b in c.blocked if b["url"].startswith(canary.base)]
    assert refused and refused[0].get("navigation") and refused[0]["kind"] == "navigation", c.blocked
    assert "loopback" in refused[0]["reason"]
    assert TOKEN not in c.html + c.text
    if path.endswith(".html"):  # the page that tried to leave is still there, not Chromium's error page
        assert c.final_url == f"{origin}{path}" and path[1:5].upper() in c.text, (c.final_url, c.text)


def test_blocked_requests_are_attributed_to_their_own_page(lab: tuple[str, Canary, CaptureOptions, LiveCapturer]) -> None:
    origin, canary, opts, capturer = lab
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda who: capturer.capture(f"{origin}/tagged.html?who={who}", opts), ["A", "B"])
    assert canary.contacts == []
    assert a.blocked and b.blocked
    assert all("tag-A" in r["url"] for r in a.blocked), a.blocked
    assert all("tag-B" in r["url"] for r in b.blocked), b.blocked


def test_allow_host_admits_only_the_named_port(lab: tuple[str, Canary, CaptureOptions, LiveCapturer]) -> None:
    """``allow_hosts`` admits exactly the named origin: another port of the same address is refused."""
    origin, canary, opts, capturer = lab
    c = capturer.capture(f"{canary.base}/direct", opts)
    assert canary.contacts == []
    assert c.load_error or not c.html or TOKEN not in c.html


def test_cli_allow_host_and_blocked_requests_in_json(lab: tuple[str, Canary, CaptureOptions, LiveCapturer]) -> None:
    origin, canary, _opts, _capturer = lab
    port = origin.rsplit(":", 1)[1]
    proc = subprocess.run(
        [sys.executable, "-m", "scamscope", "scan", "--json", "--budget", "8", "--allow-host", f"127.0.0.1:{port}", f"{origin}/jsloc.html", f"{canary.base}/x"],
        capture_output=True, timeout=120, cwd=ROOT,
    )
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(rows) == 2, proc.stderr.decode()[-2000:]
    blocked = rows[0]["live"]["blocked_requests"]
    assert any(b["url"] == f"{canary.base}/jsloc" and "loopback" in b["reason"] and b["kind"] == "navigation" for b in blocked), blocked
    assert rows[1]["error"].startswith("refused") and "loopback" in rows[1]["error"]
    assert canary.contacts == [] and b"Traceback" not in proc.stderr
    bad = subprocess.run([sys.executable, "-m", "scamscope", "scan", "--allow-host", "127.0.0.1:99999", f"{origin}/jsloc.html"], capture_output=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2 and b"malformed port" in bad.stderr + bad.stdout and b"Traceback" not in bad.stderr


# --- the guard on its own, with an injected resolver (DNS rebinding) ------------------------------


@contextmanager
def guard_proxy(tmp_path: Path, resolver: Callable[[str, int], list[str]], policy: Policy, ttl: float = 30.0) -> Iterator[tuple[urllib.request.OpenerDirector, list[dict[str, Any]], EgressGuard, int]]:
    refused: list[dict[str, Any]] = []
    guard = EgressGuard(on_refusal=lambda _tag, r: refused.append(r), resolver=resolver, dns_ttl_s=ttl)
    runner = ProxyRunner([guard], str(tmp_path))
    port = runner.start()
    guard.allow("t", policy)
    token = base64.b64encode(f"t:{guard.secret}".encode()).decode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
    opener.addheaders = [("Proxy-Authorization", f"Basic {token}")]
    try:
        yield opener, refused, guard, port
    finally:
        runner.stop()


def fetch(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, bytes]:
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_dns_rebinding_cannot_move_the_connection(tmp_path: Path) -> None:
    """The resolver answers 127.0.0.1 first, then 127.0.0.2 (where the canary listens on the same
    port): every connection goes to the address that was vetted, and the name is resolved once."""
    with origin_server({"/": html("ORIGIN")}) as origin:
        port = int(origin.rsplit(":", 1)[1])
        with canary_listeners("127.0.0.2", port) as canary:
            calls: list[str] = []

            def flipping(host: str, _port: int) -> list[str]:
                calls.append(host)
                return ["127.0.0.1"] if len(calls) == 1 else ["127.0.0.2"]

            with guard_proxy(tmp_path, flipping, Policy.of(allow_hosts=[f"rebind.test:{port}"])) as (opener, refused, _g, _p):
                for _ in range(3):
                    assert fetch(opener, f"http://rebind.test:{port}/") == (200, b"ORIGIN")
            assert calls == ["rebind.test"] and canary.contacts == [] and refused == []


def test_rebinding_after_the_ttl_to_metadata_is_refused(tmp_path: Path) -> None:
    answers = [["127.0.0.1"], ["169.254.169.254"], ["127.0.0.1", "169.254.169.254"]]
    with origin_server({"/": html("ORIGIN")}) as origin:
        port = int(origin.rsplit(":", 1)[1])
        with guard_proxy(tmp_path, lambda _h, _p: answers.pop(0), Policy.of(allow_hosts=[f"rebind.test:{port}"]), ttl=0.5) as (opener, refused, _g, _p):
            assert fetch(opener, f"http://rebind.test:{port}/") == (200, b"ORIGIN")
            time.sleep(0.6)  # the answer expired: the name is resolved again, and vetted again
            assert fetch(opener, f"http://rebind.test:{port}/") == (204, b"")
            time.sleep(0.6)
            assert fetch(opener, f"http://rebind.test:{port}/") == (204, b"")  # a mixed answer: every address counts
    assert [("link-local" in r["reason"]) for r in refused] == [True, True], refused


def test_a_mixed_public_and_private_answer_is_refused(tmp_path: Path) -> None:
    with canary_listeners("127.0.0.2") as canary:
        policy = Policy.of()  # nothing private admitted
        with guard_proxy(tmp_path, lambda _h, _p: ["93.184.215.14", "127.0.0.2"], policy) as (opener, refused, _g, _p):
            assert fetch(opener, f"http://mixed.test:{canary.port}/") == (204, b"")
        assert canary.contacts == [] and "127.0.0.2" in refused[0]["reason"] and "loopback" in refused[0]["reason"]


def test_without_credentials_or_policy_nothing_is_reached(tmp_path: Path) -> None:
    with canary_listeners() as canary:
        with guard_proxy(tmp_path, lambda _h, _p: [], Policy.of(allow_private=True)) as (_opener, refused, guard, port):
            plain = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
            assert fetch(plain, f"{canary.base}/no-credentials")[0] == 407
            forged = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
            forged.addheaders = [("Proxy-Authorization", "Basic " + base64.b64encode(b"t:wrong-secret").decode())]
            assert fetch(forged, f"{canary.base}/forged")[0] == 407
            guard.forget("t")  # the capture finished: its credentials reach nothing any more
            ours = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
            ours.addheaders = [("Proxy-Authorization", "Basic " + base64.b64encode(f"t:{guard.secret}".encode()).decode())]
            assert fetch(ours, f"{canary.base}/late")[0] == 204
        assert canary.contacts == [] and "finished" in refused[-1]["reason"]


def test_a_raw_tcp_tunnel_to_a_refused_address_is_never_connected(tmp_path: Path) -> None:
    """CONNECT, then bytes that are neither TLS nor HTTP: the proxy would relay them as raw TCP."""
    with canary_listeners() as canary:
        with guard_proxy(tmp_path, lambda _h, _p: [], Policy.of()) as (_opener, refused, guard, port):
            token = base64.b64encode(f"t:{guard.secret}".encode()).decode()
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(f"CONNECT 127.0.0.1:{canary.port} HTTP/1.1\r\nHost: 127.0.0.1:{canary.port}\r\nProxy-Authorization: Basic {token}\r\n\r\n".encode())
                assert s.recv(4096).startswith(b"HTTP/1.1 200")
                s.sendall(b"\x00\x01raw protocol bytes\r\n")
                s.settimeout(3)
                try:
                    answer = s.recv(4096)
                except TimeoutError:
                    answer = b""
            time.sleep(0.3)
        assert canary.contacts == [] and TOKEN.encode() not in answer
        assert refused and refused[0]["kind"] == "connection" and "loopback" in refused[0]["reason"]


@pytest.mark.parametrize("answer", [["not-an-address"], RuntimeError("resolver broke")])
def test_a_failing_resolver_fails_closed(tmp_path: Path, answer: Any) -> None:
    def resolver(_host: str, _port: int) -> list[str]:
        if isinstance(answer, Exception):
            raise answer
        return answer

    with canary_listeners() as canary:
        with guard_proxy(tmp_path, resolver, Policy.of(allow_private=True)) as (opener, refused, _g, _p):
            assert fetch(opener, f"http://broken.test:{canary.port}/") == (204, b"")
        assert canary.contacts == [] and len(refused) == 1 and "broken.test" in refused[0]["url"]


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 that no browser trusts (hostile sites have such ones too)."""
    from cryptography.hazmat.primitives import serialization
    from mitmproxy.certs import CertStore

    store = CertStore.from_store(tmp_path / "origin-ca", "origin", 2048)
    entry = store.get_cert("127.0.0.1", [])
    key = entry.privatekey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "origin.pem").write_bytes(entry.cert.to_pem() + key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "origin.pem")
    return ctx


def test_https_pages_load_and_their_ways_out_are_refused(tmp_path: Path, lab: tuple[str, Canary, CaptureOptions, LiveCapturer]) -> None:
    """HTTPS goes through CONNECT tunnels: the guard vets each request inside, and a refused
    navigation still leaves the page where it was (no tunnel error page)."""
    _origin, canary, _opts, capturer = lab
    page = html(
        f"<html><body><h1>TLS-PAGE</h1><img src='https://127.0.0.1:{canary.port}/tls-img'>"
        f"<script>fetch('https://[::1]:{canary.port6}/tls-fetch').catch(function () {{}});"
        f"setTimeout(function () {{ location.href = 'https://127.0.0.1:{canary.port}/tls-nav'; }}, 30)</script></body></html>"
    )
    with origin_server({"/tls.html": page}, tls=self_signed(tmp_path)) as origin:
        c = capturer.capture(f"{origin}/tls.html", CaptureOptions(allow_hosts=(origin.split("//")[1],), budget_s=10))
    assert canary.contacts == [], canary.contacts
    assert c.final_url == f"{origin}/tls.html" and "TLS-PAGE" in c.text, (c.final_url, c.errors)
    kinds = {b["url"]: b["kind"] for b in c.blocked}
    assert kinds.get(f"https://127.0.0.1:{canary.port}/tls-img") == "image", c.blocked
    assert kinds.get(f"https://127.0.0.1:{canary.port}/tls-nav") == "navigation", c.blocked
    assert kinds.get(f"https://[::1]:{canary.port6}/tls-fetch") == "fetch", c.blocked


def test_upstream_failures_become_the_browser_error_codes() -> None:
    from scamscope.live.capture import _upstream_cause
    from scamscope.proxy.guard import net_error

    assert net_error("[Errno 111] Connect call failed ('127.0.0.1', 9)") == "net::ERR_CONNECTION_REFUSED"
    assert net_error("TLS handshake failed: certificate verify failed") == "net::ERR_SSL_PROTOCOL_ERROR"
    assert net_error("something else entirely") == "net::ERR_CONNECTION_FAILED"
    seen = "net::ERR_EMPTY_RESPONSE at http://127.0.0.1:9/"
    assert _upstream_cause(seen, {"http://127.0.0.1:9/": "net::ERR_CONNECTION_REFUSED"}) == "net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"
    assert _upstream_cause(seen, {"http://127.0.0.1:10/": "net::ERR_CONNECTION_REFUSED"}) == seen  # another URL's failure
