"""``scamscope guard`` in its other modes, one guard per test: ``--tls passthrough`` (nothing
decrypted, HTTPS blocked by host name at CONNECT and by TLS server name), scoring that cannot
finish in time failing open (the page passes as it came, logged with the error) or closed (a notice
instead of the page), and many pages at once.

A module of its own: mitmproxy keeps process-wide state (``ctx.options``), so one guard runs at a
time in a test process; the guard of tests/test_guard.py is stopped when its module ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscope.guard.server import Guard, GuardConfig
from scamscope.netguard import resolve
from tests.guard_support import TIMEOUT_MS, launch, make_ca, navigate, read_log, serve, server_context, trusting_home

playwright = pytest.importorskip("playwright.sync_api")
MARKER = 'meta[name="scamscope-guard"][content="blocked"]'

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.mark.parametrize("fail", ["open", "closed"])
def test_scoring_timeout_fails_open_or_closed(tmp_path: Path, fail: str) -> None:
    big = b"<!DOCTYPE html><html><body>" + b"<p>" + b"word " * 400_000 + b"</p></body></html>"
    log = tmp_path / "log.jsonl"
    with serve({"/big.html": (200, HTML, big)}) as origin:
        guard = Guard(GuardConfig(listen_port=0, log_path=str(log), confdir=str(tmp_path / "ca"), score_timeout_s=0.05, workers=1, fail=fail, allow_hosts=[f"127.0.0.1:{origin.port}"]))
        port = guard.start()
        try:
            status, body = navigate(port, f"{origin.base()}/big.html")
        finally:
            guard.stop()
    entry = read_log(log)[-1]
    assert "budget" in entry["error"]
    if fail == "open":
        assert status == 200 and body == big and entry["action"] == "pass"
    else:
        assert status == 403 and b"could not be checked" in body and entry["action"] == "block"


def _resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host.endswith(".test") else resolve(host, port)


def _tunnel(proxy_port: int, target: str, sni: str, ca: Path) -> str:
    """CONNECT to ``target`` through the proxy, then a TLS handshake naming ``sni``: "ok" or why not."""
    import socket
    import ssl

    sock = socket.create_connection(("127.0.0.1", proxy_port), timeout=15)
    try:
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        answer = sock.recv(4096).decode("latin-1")
        if " 200 " not in answer.split("\r\n", 1)[0]:
            return answer.split("\r\n", 1)[0]
        ctx = ssl.create_default_context(cafile=str(ca))
        try:
            with ctx.wrap_socket(sock, server_hostname=sni) as tls:
                return "ok" if tls.version() else "no TLS"
        except (ssl.SSLError, OSError) as exc:
            return f"handshake failed: {exc}"
    finally:
        sock.close()


def test_tls_passthrough_blocks_by_host_name(tmp_path: Path) -> None:
    names = ["shop.test", "evil.test"]
    ca_path, ca_key, ca_cert = make_ca(tmp_path, "upstream-test-ca")
    page = b"<!DOCTYPE html><html><body><p>Your computer is infected! Call 0101-888-555-0199 now. Windows Defender</p></body></html>"
    block_list = tmp_path / "bl.txt"
    block_list.write_text("evil.test\n", encoding="utf-8")
    log = tmp_path / "log.jsonl"
    with serve({"/p.html": (200, HTML, page)}, server_context(tmp_path, ca_key, ca_cert, names)) as origin:
        guard = Guard(GuardConfig(listen_port=0, tls="passthrough", block_lists=[str(block_list)], log_path=str(log), confdir=str(tmp_path / "ca"), allow_hosts=names, resolver=_resolver))
        port = guard.start()
        try:
            home = trusting_home(tmp_path, {"upstream": ca_path})
            with playwright.sync_playwright() as pw:
                browser = launch(pw, port, home)
                try:
                    context = browser.new_context()
                    context.set_default_timeout(TIMEOUT_MS)
                    tab = context.new_page()
                    response = tab.goto(f"{origin.base('shop.test', 'https')}/p.html")
                    assert response.security_details()["issuer"] == "upstream-test-ca"  # not decrypted
                    assert response.body() == page and tab.locator(MARKER).count() == 0  # so not scored either
                    with pytest.raises(playwright.Error, match="ERR_TUNNEL_CONNECTION_FAILED"):
                        tab.goto(f"{origin.base('evil.test', 'https')}/p.html")
                    context.close()
                finally:
                    browser.close()
            hits = len(origin.hits)
            # a tunnel opened to a harmless name whose TLS names the blocked host is cut before the server
            assert _tunnel(port, f"shop.test:{origin.port}", "evil.test", ca_path).startswith("handshake failed")
            assert _tunnel(port, f"shop.test:{origin.port}", "shop.test", ca_path) == "ok"
            assert len(origin.hits) == hits
        finally:
            guard.stop()
    entries = read_log(log)
    assert {e["action"] for e in entries} == {"block_connect"}  # Chromium may try a refused tunnel twice
    assert entries[0]["url"] == f"evil.test:{origin.port}" and entries[0]["rule"] == "evil.test"
    assert "TLS server name" in entries[-1]["reasons"][0]
    assert sum("TLS server name" in e["reasons"][0] for e in entries) == 1
    assert not [h for h in origin.hits if "evil" in h[1]]


def test_a_passthrough_name_does_not_carry_a_blocked_host(tmp_path: Path) -> None:
    """Intercepting, with bank.test never decrypted: a tunnel to the blocked evil.test whose TLS
    names bank.test would pass unread; it is refused before the server is reached."""
    names = ["bank.test", "evil.test"]
    ca_path, ca_key, ca_cert = make_ca(tmp_path, "upstream-test-ca")
    block_list = tmp_path / "bl.txt"
    block_list.write_text("evil.test\n", encoding="utf-8")
    passthrough = tmp_path / "pt.txt"
    passthrough.write_text("bank.test\n", encoding="utf-8")
    log = tmp_path / "log.jsonl"
    with serve({"/p.html": (200, HTML, b"<p>x</p>")}, server_context(tmp_path, ca_key, ca_cert, names)) as origin:
        guard = Guard(GuardConfig(listen_port=0, block_lists=[str(block_list)], passthrough_files=[str(passthrough)], log_path=str(log), confdir=str(tmp_path / "ca"), allow_hosts=names, resolver=_resolver))
        port = guard.start()
        try:
            assert _tunnel(port, f"bank.test:{origin.port}", "bank.test", ca_path) == "ok"  # the bank itself: passed through
            assert _tunnel(port, f"evil.test:{origin.port}", "bank.test", ca_path).startswith("handshake failed")
        finally:
            guard.stop()
    assert [e["action"] for e in read_log(log)] == ["block_connect"]


def test_many_pages_at_once(tmp_path: Path) -> None:
    """Fifty navigations in parallel over separate connections: every one answered and logged once."""
    import concurrent.futures

    scam = b"<!DOCTYPE html><html lang=ja><head><title>Windows Defender - \xe3\x82\xbb\xe3\x82\xad\xe3\x83\xa5\xe3\x83\xaa\xe3\x83\x86\xe3\x82\xa3\xe8\xad\xa6\xe5\x91\x8a</title></head><body style=cursor:none><p>Your computer is infected with a Trojan. Do not close this page. Call Microsoft support now: 0101-888-555-0199</p></body></html>"
    plain = b"<!DOCTYPE html><html><body><p>Opening hours 9-17.</p></body></html>"
    pages = {f"/s{i}.html": (200, HTML, scam) for i in range(25)} | {f"/b{i}.html": (200, HTML, plain) for i in range(25)}
    log = tmp_path / "log.jsonl"
    with serve(pages) as origin:
        guard = Guard(GuardConfig(listen_port=0, log_path=str(log), confdir=str(tmp_path / "ca"), allow_hosts=["kit.test"], resolver=_resolver))
        port = guard.start()
        try:
            def get(path: str) -> tuple[str, int, bytes]:
                return (path, *navigate(port, f"{origin.base('kit.test')}{path}"))

            with concurrent.futures.ThreadPoolExecutor(16) as ex:
                results = list(ex.map(get, sorted(pages)))
        finally:
            guard.stop()
    for path, status, body in results:
        if path.startswith("/s"):
            assert status == 403 and b"scamscope-guard" in body, path
        else:
            assert status == 200 and body == plain, path
    entries = read_log(log)
    assert sorted(e["url"].rsplit("/", 1)[1] for e in entries) == sorted(p[1:] for p in pages)
    assert {e["action"] for e in entries} == {"block", "pass"}


@pytest.mark.parametrize(
    ("fail", "size", "chunked", "outcome"),
    [
        ("open", 480_000, False, "passed"),
        ("open", 480_000, True, "passed"),
        ("closed", 480_000, False, "held"),
        ("closed", 480_000, True, "held"),  # buffered up to 4x the limit to be held back
        ("closed", 2_000_000, False, "held"),  # held back without being read into memory
        ("closed", 2_000_000, True, "streamed"),  # of unknown length and beyond the buffer: logged, not held
    ],
)
def test_page_over_the_size_limit(tmp_path: Path, fail: str, size: int, chunked: bool, outcome: str) -> None:
    """A page padded past the limit is not held in memory: it streams through as it came (logged
    as not scored), or with --fail closed is held back."""
    limit = 200_000
    head = b"<!DOCTYPE html><html><body><p>Your computer is infected! Call 0101-888-555-0199</p>"
    big = head + b"<!-- pad -->" * ((size - len(head)) // 12) + b"</body></html>"
    assert len(big) > limit
    log = tmp_path / "log.jsonl"
    headers = {**HTML, "Transfer-Encoding": "chunked"} if chunked else HTML
    with serve({"/big.html": (200, headers, big)}) as origin:
        guard = Guard(GuardConfig(listen_port=0, log_path=str(log), confdir=str(tmp_path / "ca"), max_html_bytes=limit, fail=fail, workers=1, allow_hosts=[f"127.0.0.1:{origin.port}"]))
        port = guard.start()
        try:
            status, body = navigate(port, f"{origin.base()}/big.html")
        finally:
            guard.stop()
    (entry,) = read_log(log)
    assert "not scored: larger than" in entry["error"]
    if outcome == "passed":
        assert status == 200 and body == big and entry["action"] == "pass"
    elif outcome == "held":
        assert status == 403 and b"could not be checked" in body and entry["action"] == "block"
    else:
        assert status == 200 and body == big and entry["action"] == "pass" and "could be held back" in entry["error"]
