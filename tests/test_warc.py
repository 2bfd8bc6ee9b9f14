"""WARC evidence of a live capture: real Chromium and the real egress proxy record the exchanges,
:func:`scamscope.live.warc.save_warc` writes them, ``warcio`` reads them back."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from scamscope.bounded import StaticPool
from scamscope.live.capture import Capture, CaptureOptions, LiveCapturer
from scamscope.live.warc import read_member, save_warc, warc_path
from scamscope.netguard import Policy
from scamscope.proxy import EgressGuard, ProxyRunner, Recorder
from scamscope.scan import error_result
from scamscope.types import ScanResult
from tests.test_egress import Canary, canary_listeners, html, origin_server, self_signed, ws_echo_server

BIG = 6 * 1024 * 1024  # over the 5 MB per-body cap
CAP = 5 * 1024 * 1024


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


LOGO = png_bytes()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def routes(canary: Canary, ws_port: int, dead_port: int) -> dict[str, Any]:
    page = f"""<html><head><title>WARC-TEST</title></head><body><h1>PAGE-MARKER</h1><img src="/logo.png">
<script src="/app.js"></script>
<script>
fetch('/echo', {{method: 'POST', body: 'POSTED-BODY-42'}}).catch(function () {{}});
fetch('/big').then(function (r) {{ return r.arrayBuffer(); }}).then(function (b) {{ document.title = 'BIG-' + b.byteLength; }}).catch(function () {{}});
fetch('{canary.base}/secret').catch(function () {{}});
fetch('http://127.0.0.1:{dead_port}/nobody').catch(function () {{}});
var ws = new WebSocket('ws://127.0.0.1:{ws_port}/');
ws.onopen = function () {{ ws.send('ping'); }};
</script></body></html>"""
    return {
        "/start": lambda _h, _n: (302, {"Location": "/page.html"}, b""),
        "/page.html": html(page),
        "/logo.png": lambda _h, _n: (200, {"Content-Type": "image/png"}, LOGO),
        "/app.js": lambda _h, _n: (200, {"Content-Type": "text/javascript"}, b"document.body.setAttribute('data-js', 'SCRIPT-RAN');"),
        "/echo": lambda _h, _n: (200, {"Content-Type": "text/plain"}, b"ECHOED"),
        "/big": lambda _h, _n: (200, {"Content-Type": "application/octet-stream"}, b"B" * BIG),
        "/other.html": html("<html><body><h1>OTHER-PAGE</h1><img src='/other.png'></body></html>"),
        "/other.png": lambda _h, _n: (200, {"Content-Type": "image/png"}, LOGO),
        "/hang.html": html("<html><body><h1>HANG-PAGE</h1><img src='/logo.png'><script>addEventListener('load', function () { setTimeout(function () { while (true) {} }, 0) })</script></body></html>"),
    }


@dataclass
class Lab:
    origin: str
    canary: Canary
    capturer: LiveCapturer
    opts: CaptureOptions
    dead_port: int
    recorded: Capture
    plain: Capture
    result: ScanResult
    warc: Path


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC, read back with warcio: type, WARC headers, HTTP status and decoded body."""
    out = []
    with open(path, "rb") as stream:
        for rec in ArchiveIterator(stream):
            status = rec.http_headers.get_statuscode() if rec.rec_type == "response" and rec.http_headers else None
            out.append({
                "type": rec.rec_type,
                "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                "warc": dict(rec.rec_headers.headers),
                "http": rec.http_headers,
                "status": int(status) if status else None,
                "body": rec.content_stream().read(),
            })
    return out


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    dead = closed_port()
    with canary_listeners() as canary, ws_echo_server() as ws_port:
        with origin_server(routes(canary, ws_port, dead)) as origin, LiveCapturer() as capturer, StaticPool(1) as pool:
            port = origin.rsplit(":", 1)[1]
            opts = CaptureOptions(allow_hosts=(f"127.0.0.1:{port}", f"127.0.0.1:{ws_port}", f"127.0.0.1:{dead}"), budget_s=10, record=True, ocr="off")
            recorded = capturer.capture(f"{origin}/start", opts)
            plain = capturer.capture(f"{origin}/start", CaptureOptions(**{**opts.__dict__, "record": False}))
            result = pool.scan_capture(recorded.url, recorded, ocr="off")
            warc = save_warc(tmp_path_factory.mktemp("warc"), result, recorded, index=7)
            yield Lab(origin, canary, capturer, opts, dead, recorded, plain, result, warc)


def test_the_page_its_redirect_and_resources_are_recorded_in_order(lab: Lab) -> None:
    c, o = lab.recorded, lab.origin
    assert c.errors == [] and "PAGE-MARKER" in c.text and c.title == f"BIG-{BIG}", (c.errors, c.title)
    assert lab.warc == warc_path(lab.warc.parent, 7, c.url) and lab.warc.name.startswith("0007-127.0.0.1-") and lab.warc.name.endswith(".warc.gz")
    recs = records(lab.warc)
    assert recs[0]["type"] == "warcinfo"
    info = recs[0]["body"].decode()
    assert "software: scamscope/" in info and '"record": true' in info and "scamscope-recording" in info
    responses = {r["uri"]: r for r in recs if r["type"] == "response"}
    requests = {r["uri"]: r for r in recs if r["type"] == "request"}
    assert responses[f"{o}/start"]["status"] == 302 and responses[f"{o}/start"]["http"].get_header("Location") == "/page.html"
    assert responses[f"{o}/page.html"]["status"] == 200 and b"PAGE-MARKER" in responses[f"{o}/page.html"]["body"]
    assert responses[f"{o}/logo.png"]["body"] == LOGO
    assert b"SCRIPT-RAN" in responses[f"{o}/app.js"]["body"]
    assert responses[f"{o}/echo"]["body"] == b"ECHOED" and requests[f"{o}/echo"]["body"] == b"POSTED-BODY-42"
    assert requests[f"{o}/echo"]["http"].protocol == "POST"
    # each request is linked to its response, and both carry the URI, date and payload digest
    for uri, resp in responses.items():
        req = requests[uri]
        assert req["warc"]["WARC-Concurrent-To"] == resp["warc"]["WARC-Record-ID"], uri
        assert resp["warc"]["WARC-Payload-Digest"].startswith("sha1:") and resp["warc"]["WARC-Date"].endswith("Z")
        assert resp["warc"]["WARC-IP-Address"] == "127.0.0.1"
    # in the order the requests were made: the redirect hop, then the page, then what it loaded
    order = [r["uri"] for r in recs if r["type"] == "response"]
    assert order.index(f"{o}/start") < order.index(f"{o}/page.html") < order.index(f"{o}/logo.png")
    # the proxy's credentials never reach the evidence
    assert not any(r["http"] and r["http"].get_header("Proxy-Authorization") for r in recs if r["type"] == "request")
    assert b"Proxy-Authorization" not in lab.warc.read_bytes()


def test_websocket_handshake_and_unanswered_requests_are_recorded(lab: Lab) -> None:
    recs = records(lab.warc)
    ws = [r for r in recs if r["type"] == "response" and r["status"] == 101]
    assert len(ws) == 1 and ws[0]["http"].get_header("Upgrade").lower() == "websocket", [r["uri"] for r in recs]
    # an admitted port where nothing listens: the request alone, with the proxy's error, no invented response
    dead = f"http://127.0.0.1:{lab.dead_port}/nobody"
    assert [r["type"] for r in recs if r["uri"] == dead] == ["request"]
    assert "WARC-Scamscope-Error" in next(r for r in recs if r["uri"] == dead)["warc"]


def test_screenshots_dom_and_verdict_can_be_extracted(lab: Lab) -> None:
    recs = records(lab.warc)
    shots = {r["uri"]: r for r in recs if r["type"] == "resource" and r["uri"].startswith("urn:scamscope:screenshot:")}
    assert set(shots) == {"urn:scamscope:screenshot:before", "urn:scamscope:screenshot:after"}
    before = shots["urn:scamscope:screenshot:before"]
    assert before["warc"]["Content-Type"] == "image/png" and before["body"] == lab.recorded.screenshots["before"]
    with Image.open(io.BytesIO(before["body"])) as img:
        img.load()
        assert img.size[0] > 100 and img.size[1] > 100
    dom = read_member(lab.warc, "urn:scamscope:dom")
    assert dom is not None and b"PAGE-MARKER" in dom and b'data-js="SCRIPT-RAN"' in dom
    verdict = json.loads(read_member(lab.warc, "urn:scamscope:verdict") or b"null")
    assert verdict == json.loads(json.dumps(lab.result.to_dict(), default=str))
    assert verdict["verdict"] in ("scam", "suspicious", "benign") and verdict["input"] == lab.recorded.url
    meta = next(r for r in recs if r["uri"] == "urn:scamscope:verdict")
    assert meta["type"] == "metadata" and meta["warc"]["Content-Type"] == "application/json"


def test_a_refused_request_is_listed_and_gets_no_records(lab: Lab) -> None:
    secret = f"{lab.canary.base}/secret"
    assert lab.canary.contacts == []
    capture = json.loads(read_member(lab.warc, "urn:scamscope:capture") or b"null")
    assert any(b["url"] == secret and "loopback" in b["reason"] for b in capture["blocked_requests"]), capture["blocked_requests"]
    assert capture["redirects"][0]["url"].endswith("/start") and capture["final_url"].endswith("/page.html")
    assert not [r for r in records(lab.warc) if r["uri"] == secret]


def test_a_body_over_the_cap_is_cut_and_says_so(lab: Lab) -> None:
    big = next(r for r in records(lab.warc) if r["type"] == "response" and r["uri"] == f"{lab.origin}/big")
    assert big["body"] == b"B" * CAP
    assert big["warc"]["WARC-Truncated"] == "length" and f"cut at {CAP} of {BIG} bytes" in big["warc"]["WARC-Scamscope-Note"]
    assert big["http"].get_header("Content-Length") == str(BIG)  # the server's header, as it was
    assert lab.recorded.recording is not None and lab.recorded.recording["cut_bodies"] >= 1
    # the page itself got every byte: recording never alters what passes
    assert lab.recorded.title == f"BIG-{BIG}"


def test_recording_off_records_nothing_and_changes_nothing(lab: Lab, tmp_path: Path) -> None:
    p, r = lab.plain, lab.recorded
    assert p.exchanges == [] and p.recording is None and p.errors == []
    assert (p.final_url, p.title, p.text, p.redirects, sorted(p.screenshots)) == (r.final_url, r.title, r.text, r.redirects, sorted(r.screenshots))
    path = save_warc(tmp_path / "plain.warc.gz", error_result(p.url, "not scored", p.url), p)
    kinds = [x["type"] for x in records(path)]
    assert "request" not in kinds and "response" not in kinds and kinds.count("resource") == 4
    assert json.loads(read_member(path, "urn:scamscope:capture") or b"null")["recording"] == {"record": False}


def test_https_exchanges_are_recorded(lab: Lab, tmp_path: Path) -> None:
    page = html("<html><body><h1>TLS-MARKER</h1><img src='/tls.png'></body></html>")
    with origin_server({"/tls.html": page, "/tls.png": lambda _h, _n: (200, {"Content-Type": "image/png"}, LOGO)}, tls=self_signed(tmp_path)) as origin:
        c = lab.capturer.capture(f"{origin}/tls.html", CaptureOptions(allow_hosts=(origin.split("//")[1],), budget_s=10, record=True, click_gate=False, ocr="off"))
    assert "TLS-MARKER" in c.text, c.errors
    path = save_warc(tmp_path, error_result(c.url, "not scored", c.url), c)
    assert path.parent == tmp_path and path.name.endswith(".warc.gz")
    responses = {x["uri"]: x for x in records(path) if x["type"] == "response"}
    assert b"TLS-MARKER" in responses[f"{origin}/tls.html"]["body"] and responses[f"{origin}/tls.png"]["body"] == LOGO


def test_pages_in_flight_together_keep_their_own_exchanges(lab: Lab) -> None:
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda path: lab.capturer.capture(f"{lab.origin}{path}", lab.opts), ["/start", "/other.html"])
    paths_a = {e["url"].removeprefix(lab.origin) for e in a.exchanges}
    paths_b = {e["url"].removeprefix(lab.origin) for e in b.exchanges}
    assert {"/start", "/page.html", "/logo.png", "/big"} <= paths_a and "/other.png" not in paths_a, paths_a
    assert paths_b == {"/other.html", "/other.png"}, paths_b


def test_a_hung_page_keeps_what_was_recorded(lab: Lab, tmp_path: Path) -> None:
    c = lab.capturer.capture(f"{lab.origin}/hang.html", CaptureOptions(**{**lab.opts.__dict__, "budget_s": 4}))
    assert c.timed_out
    assert {e["url"].removeprefix(lab.origin) for e in c.exchanges} >= {"/hang.html", "/logo.png"}
    responses = {x["uri"] for x in records(save_warc(tmp_path, error_result(c.url, "x", c.url), c)) if x["type"] == "response"}
    assert f"{lab.origin}/hang.html" in responses


def test_hostile_values_are_made_to_fit_the_warc(tmp_path: Path) -> None:
    """URLs, methods, header names and values from a hostile page or server: one line each, readable back."""
    evil = "http://evil.test/a b\r\nX-Injected: 1/\udcff\u65e5?q=<\x00>"
    exchange = {
        "seq": 0, "url": evil, "method": "GET /x HTTP/1.1\r\n", "http_version": "HTTP/2.0", "kind": "fetch", "started": 1.0e9,
        "server_ip": "203.0.113.9\r\nX: y", "request_headers": [("Bad Name\r\n", "v"), ("X-Ok", "caf\u00e9\r\nInjected: 1")],
        "request": {"body": b"", "size": 0, "cut": None}, "error": None,
        "response": {"status": 200, "reason": "", "http_version": "HTTP/2.0", "started": 1.0e9, "headers": [("Transfer-Encoding", "chunked"), ("X-\u65e5", "\udcff")],
                     "body": b"BODY", "size": 10, "cut": "incomplete: 4 bytes arrived before the exchange ended"},
    }
    capture = Capture(url=evil, exchanges=[exchange], html="<p>\ud800</p>", started_at=1.0e9)
    path = save_warc(tmp_path / "evil.warc", error_result(evil, "x", evil), capture)
    recs = records(path)
    resp = next(r for r in recs if r["type"] == "response")
    req = next(r for r in recs if r["type"] == "request")
    assert resp["body"] == b"BODY" and resp["status"] == 200 and resp["warc"]["WARC-Truncated"] == "disconnect"
    assert resp["warc"]["WARC-Protocol"] == "h2" and resp["http"].get_header("Transfer-Encoding") is None
    assert " " not in resp["uri"] and "\n" not in resp["uri"] and resp["uri"].startswith("http://evil.test/a%20b%0D%0AX-Injected")
    assert req["http"].protocol == "GETxHTTP1.1" and req["http"].get_header("Injected") is None and req["http"].get_header("X-Injected") is None
    assert req["http"].get_header("BadName") == "v" and req["warc"]["WARC-IP-Address"] == "203.0.113.9 X: y"
    assert read_member(path, "urn:scamscope:dom") == b"<p>?</p>"


def test_a_refused_url_still_gets_its_verdict(tmp_path: Path) -> None:
    result = error_result("http://127.0.0.1:1/", "refused: loopback", "http://127.0.0.1:1/")
    path = save_warc(tmp_path / "out", result, None, index=3)
    assert [x["type"] for x in records(path)] == ["warcinfo", "metadata"]
    assert json.loads(read_member(path, "urn:scamscope:verdict") or b"null")["error"] == "refused: loopback"
    assert not list((tmp_path / "out").glob("*.part"))


# --- the recorder on its own, in a real proxy, with small caps ------------------------------------


class _Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/chunked":  # no Content-Length: mitmproxy would switch to streaming midway
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(30):
                chunk = bytes([65 + i % 26]) * 100_000
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return
        body = b"s" * 600 if self.path == "/small" else b"L" * 2_500_000  # /large: over 2 MB, streamed
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_proxy(tmp_path: Path, **caps: int) -> Iterator[tuple[Recorder, Any, str]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    guard = EgressGuard()
    recorder = Recorder(guard.tag_of, **caps)
    runner = ProxyRunner([guard, recorder], str(tmp_path))
    port = runner.start()
    policy = Policy.of(allow_hosts=(f"127.0.0.1:{httpd.server_address[1]}",))
    guard.allow("t", policy)
    guard.allow("u", policy)

    def opener(tag: str) -> urllib.request.OpenerDirector:
        op = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        op.addheaders = [("Proxy-Authorization", "Basic " + base64.b64encode(f"{tag}:{guard.secret}".encode()).decode())]
        return op

    try:
        yield recorder, opener, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        runner.stop()
        httpd.shutdown()
        httpd.server_close()


def test_recorder_caps_taps_and_tags(tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    with recording_proxy(tmp_path, body_cap=1000, page_cap=2500) as (recorder, opener, base):
        recorder.watch("t", got.append)
        t, u = opener("t"), opener("u")
        assert u.open(f"{base}/small", timeout=10).read() == b"s" * 600  # another tag: not recorded
        chunked = t.open(f"{base}/chunked", timeout=10).read()
        assert len(chunked) == 3_000_000 and chunked[:1] == b"A" and chunked[-100_000:] == bytes([65 + 29 % 26]) * 100_000  # passed on whole
        assert t.open(f"{base}/small", timeout=10).read() == b"s" * 600
        assert t.open(urllib.request.Request(f"{base}/post", data=b"p" * 1500), timeout=10).read() == b"p" * 1500
        assert len(t.open(f"{base}/large", timeout=10).read()) == 2_500_000
        summary = recorder.finish("t")
        assert t.open(f"{base}/small", timeout=10).read() == b"s" * 600  # after finish: not recorded
    assert [g["url"].rsplit("/", 1)[1] for g in got] == ["chunked", "small", "post", "large"]
    chunk, small, post, large = got
    assert chunk["response"]["body"] == b"A" * 1000 and chunk["response"]["size"] == 3_000_000
    assert "per-body cap of 1000" in chunk["response"]["cut"]
    assert small["response"]["body"] == b"s" * 600 and small["response"]["cut"] is None
    # 2500 - 1000 - 600 = 900 bytes left for the page: the upload is cut by the page cap
    assert post["method"] == "POST" and post["request"]["body"] == b"p" * 900 and "per-page cap of 2500" in post["request"]["cut"]
    assert post["response"]["body"] == b"" and "per-page cap" in post["response"]["cut"]
    assert large["response"]["body"] == b"" and large["response"]["size"] == 2_500_000 and "per-page cap" in large["response"]["cut"]
    assert summary is not None and summary["exchanges"] == 4 and summary["body_bytes_kept"] == 2500 and summary["cut_bodies"] == 4
    assert recorder.finish("t") is None


def test_recorder_counts_what_it_does_not_keep(tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    with recording_proxy(tmp_path, max_exchanges=2) as (recorder, opener, base):
        recorder.watch("t", got.append)
        t = opener("t")
        for _ in range(5):
            assert t.open(f"{base}/small", timeout=10).read() == b"s" * 600
        summary = recorder.finish("t")
    assert len(got) == 2 and summary is not None and summary["exchanges"] == 2 and summary["dropped_exchanges"] == 3


def test_cli_save_warc_end_to_end(tmp_path: Path) -> None:
    """``scamscope scan --save-warc DIR URL``: one .warc.gz per URL, whose page and verdict read back."""
    from typer.testing import CliRunner

    from scamscope.cli import app
    from tests.conftest import serve_pages

    page = b"<html><head><title>Windows Defender</title></head><body><h1>Your PC is infected</h1><p>Call +1-888-555-0137</p></body></html>"
    with serve_pages({"/alert": (200, {"Content-Type": "text/html"}, page)}) as base:
        host = base.split("//", 1)[1]
        res = CliRunner().invoke(app, ["scan", "--json", "--allow-host", host, "--budget", "10", "--ocr", "off",
                                       "--save-warc", str(tmp_path / "warc"), f"{base}/alert"])
    assert res.exit_code == 1, res.output
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) == 1 and files[0].name.startswith("0001-")
    recs = records(files[0])
    page_records = [r for r in recs if r["type"] == "response" and r["uri"] == f"{base}/alert"]
    assert page_records and page_records[0]["body"] == page
    verdict = [r for r in recs if r["type"] == "metadata" and r["uri"] == "urn:scamscope:verdict"]
    assert verdict and json.loads(verdict[0]["body"])["verdict"] == "scam"
