"""The guard's parts on their own: block lists (formats, protections, reload, hostile files), the
watcher's insertion and CSP widening, the block page (language, escaping), bounded decompression
and the command line's errors. Self-contained: no ../shared, no browser."""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from scamscope.guard.addon import TooLarge, decoded_body
from scamscope.guard.blocklist import BlockList, BlockListError, url_shape
from scamscope.guard.blockpage import MARKER, pick_language, render
from scamscope.guard.decisions import DecisionLog, without_query
from scamscope.guard.inject import CannotInject, insert_script, script_hash, widen_csp
from scamscope.phones import find_phones

ROOT = Path(__file__).resolve().parent.parent


def _list(tmp_path: Path, text: str, name: str = "list.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- block lists ------------------------------------------------------------------------------------


def test_block_list_entries(tmp_path: Path) -> None:
    bl = BlockList([str(_list(tmp_path, "# c\nevil.example\n*.bad.example\nhttps://*.r2.dev/*?ph=*\nre:/kit/[0-9]+/index\\.html\ntel:+1 (888) 555-0142\n\n"))])
    assert bl.size == 5 and bl.problems == (0, [])
    assert bl.match("http://evil.example/").kind == "domain"
    assert bl.match("https://a.b.EVIL.example./x").rule == "evil.example"  # case, trailing dot, sub-domains
    assert bl.match("http://xn--evil-.example/") is None
    assert bl.match("http://notevil.example/") is None and bl.match("http://evil.example.com/") is None
    assert bl.match("http://www.bad.example/").rule == "bad.example"
    assert bl.match("https://pub-1.r2.dev/a/b.html?ph=1").kind == "pattern"
    assert bl.match("https://pub-1.r2.dev/a/b.html?x=1") is None
    assert bl.match("https://x.test/kit/42/index.html").kind == "regex"
    for carried in ("?n=18885550142", "?tel=%2B1-888-555-0142", "#8885550142", "?a=1&phone=(888)%20555-0142"):
        assert bl.match(f"https://x.test/p{carried}").kind == "phone", carried
    assert bl.match("https://x.test/p?n=18885550143") is None
    # the Host header or TLS name a request goes by is checked too
    assert bl.match("http://1.2.3.4/", ["evil.example"]).rule == "evil.example"


def test_never_blocked_as_a_whole(tmp_path: Path) -> None:
    text = "github.io\nr2.dev\ns3.amazonaws.com\nwindows.net\nmicrosoft.com\nco.jp\ncom\nbank.test\nfoo.github.io\n"
    bl = BlockList([str(_list(tmp_path, text))], protected_hosts=["www.bank.test"])
    count, shown = bl.problems
    assert count == 8 and len(shown) == 5
    assert bl.size == 1
    assert bl.match("https://foo.github.io/x") is not None
    for safe in ("https://bar.github.io/", "https://www.microsoft.com/", "https://x.r2.dev/", "https://b.s3.amazonaws.com/k"):
        assert bl.match(safe) is None, safe


def test_desk_csv(tmp_path: Path) -> None:
    csv_text = (
        "\ufeffkind,value,region,flags,first_seen_utc,last_seen_utc,scans,scam_or_suspicious_scans,cases\r\n"
        "phone,+18885550142,US,us_toll_free,2026-01-01T00:00:00,2026-01-02T00:00:00,3,3,1 2\r\n"
        "phone,+81120000000,JP,toll_free,2026-01-01T00:00:00,2026-01-02T00:00:00,2,0,\r\n"  # benign only
        "domain,scam-kit.example,,,2026-01-01T00:00:00,2026-01-02T00:00:00,2,2,\r\n"
        "domain,mixed.example,,,2026-01-01T00:00:00,2026-01-02T00:00:00,5,1,\r\n"  # also on benign pages
        "domain,microsoft.com,,,2026-01-01T00:00:00,2026-01-02T00:00:00,9,9,\r\n"  # a brand's own: never
    )
    bl = BlockList([str(_list(tmp_path, csv_text, "indicators.csv"))])
    assert bl.match("https://www.scam-kit.example/").kind == "domain"
    assert bl.match("https://x.test/?n=8885550142").kind == "phone"
    assert bl.match("https://x.test/?n=0120000000") is None
    assert bl.match("https://mixed.example/") is None
    assert bl.match("https://microsoft.com/") is None
    assert bl.problems[0] == 1


def test_block_list_problems_are_counted_not_fatal(tmp_path: Path) -> None:
    text = "re:(unclosed\ntel:12\nnot a host\n" + "x" * 5000 + "\nok.example\n"
    bl = BlockList([str(_list(tmp_path, text))])
    count, shown = bl.problems
    assert count == 4 and all(":" in s for s in shown)
    assert bl.match("http://ok.example/") is not None


def test_unreadable_block_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BlockListError, match="cannot read block list"):
        BlockList([str(tmp_path / "missing.txt")])
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(BlockListError):
        BlockList([str(folder)])


def test_block_list_reload_keeps_rules_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scamscope.guard.blocklist.RELOAD_CHECK_S", 0.0)
    path = _list(tmp_path, "one.example\n")
    bl = BlockList([str(path)])
    assert bl.match("http://one.example/") and not bl.match("http://two.example/")
    path.write_text("one.example\ntwo.example\n", encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert bl.maybe_reload() is None
    assert bl.match("http://two.example/")
    path.unlink()  # being replaced: the rules in force stay
    assert bl.maybe_reload() is None and bl.match("http://two.example/")


def test_url_shapes() -> None:
    assert url_shape("https://storage.googleapis.com/b/index.html?phone=0120-123-456").kind == "shape"
    assert url_shape("https://kit.web.core.windows.net/?ph0n=%2B1-888-555-0142") is not None
    assert url_shape("https://any.example/?phone=0101-888-555-0199") is not None  # disguised international call
    assert url_shape("https://shop.example/contact?phone=03-1234-5678") is None  # an ordinary site's form
    assert url_shape("https://storage.googleapis.com/b/report.pdf") is None
    assert url_shape("https://www.google.com/search?q=12345678901") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_match_never_raises(url: str) -> None:
    bl = BlockList([])
    bl.match(url)
    bl.match("http://" + url)
    url_shape("https://storage.googleapis.com/?phone=" + url)


# --- the watcher's insertion ------------------------------------------------------------------------


def test_script_goes_right_after_the_doctype() -> None:
    script = "console.log(1)"
    out = insert_script(b"\xef\xbb\xbf  <!DOCTYPE html>\n<html><head><meta http-equiv=Content-Security-Policy content=\"script-src 'none'\"></head></html>", script, "m")
    assert out.startswith(b"\xef\xbb\xbf  <!DOCTYPE html><script data-m>console.log(1)</script>\n<html>")
    assert insert_script(b"<html></html>", script, "m").startswith(b"<script data-m>")
    assert insert_script(b"\xef\xbb\xbf<p>x</p>", script, "m").startswith(b"\xef\xbb\xbf<script data-m>")
    with pytest.raises(CannotInject):
        insert_script("<html></html>".encode("utf-16"), script, "m")
    with pytest.raises(CannotInject):
        insert_script(b"<html></html>", script, "m", "text/html; charset=UTF-16LE")


def test_script_insertion_is_linear() -> None:
    hostile = b" " * 1_000_000 + b"<!doctype" + b"x" * 1_000_000
    start = time.perf_counter()
    insert_script(hostile, "1", "m")
    assert time.perf_counter() - start < 1.0


def test_csp_widening() -> None:
    script, report = "x()", "https://a.test/__scamscope_guard__/report"
    h = script_hash(script)
    assert widen_csp("script-src 'self'", script, report) == f"script-src 'self' {h}"
    assert widen_csp("script-src 'nonce-a'; connect-src 'none'", script, report) == f"script-src 'nonce-a' {h}; connect-src {report}"
    # default-src governs: a script-src with its sources plus the hash is added
    assert widen_csp("default-src 'self' cdn.test", script, report) == f"default-src 'self' cdn.test; script-src 'self' cdn.test {h}; connect-src 'self' cdn.test {report}"
    assert widen_csp("default-src 'none'", script, report) == f"default-src 'none'; script-src {h}; connect-src {report}"
    # 'unsafe-inline' already allows it, and a hash would switch it off for the page's own scripts
    assert widen_csp("script-src 'self' 'unsafe-inline'", script, report) == "script-src 'self' 'unsafe-inline'"
    assert widen_csp("script-src-elem 'none'; script-src 'self'", script, report).startswith(f"script-src-elem {h}; script-src 'self'")
    assert widen_csp("img-src *", script, report) == "img-src *"
    assert widen_csp("", script, report) == ""


# --- the block page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [(None, "ja"), ("", "ja"), ("en-US,en;q=0.9", "en"), ("ja,en-US;q=0.8", "ja"), ("en;q=0.5, ja;q=0.9", "ja"), ("de-DE,de;q=0.9", "en"), ("ja;q=0, en", "en"), ("fr, en;q=0.2, ja;q=0.1", "en"), ("ja;q=abc,en;q=0.1", "en")],
)
def test_language(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang


def test_block_page_is_static_and_escaped() -> None:
    phones = find_phones("今すぐ 0101-888-555-0199 に電話", language="ja")
    page = render("ja", url='https://x.test/"><script>alert(1)</script>', phones=phones, reasons=["<img src=x onerror=alert(1)>"])
    assert MARKER in page
    assert "<script" not in page.replace("&lt;script", "")  # the page has no script, and the URL cannot add one
    assert "<img" not in page
    assert "0101-888-555-0199" in page and "国際電話" in page
    assert "03-5978-7509" in page and "188" in page
    en = render("en", variant="watch")
    assert 'lang="en"' in en and "Esc" in en and "No phone number was found" in en


# --- bounded decompression ---------------------------------------------------------------------------------


def test_decoding_is_bounded() -> None:
    page = b"<html>" + b"a" * 5000 + b"</html>"
    assert decoded_body(gzip.compress(page), "gzip", 10_000) == page
    assert decoded_body(zlib.compress(page), "deflate", 10_000) == page
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decoded_body(raw_deflate.compress(page) + raw_deflate.flush(), "deflate", 10_000) == page
    assert decoded_body(brotli.compress(page), "br", 10_000) == page
    assert decoded_body(zstandard.ZstdCompressor().compress(page), "zstd", 10_000) == page
    assert decoded_body(gzip.compress(gzip.compress(page)), "gzip, gzip", 10_000) == page
    assert decoded_body(page, "identity", 10_000) == page
    bomb = b"\0" * (50 * 1024 * 1024)
    for coding, packed in (("gzip", gzip.compress(bomb)), ("br", brotli.compress(bomb)), ("zstd", zstandard.ZstdCompressor().compress(bomb))):
        start = time.perf_counter()
        with pytest.raises(TooLarge):
            decoded_body(packed, coding, 1_000_000)
        assert time.perf_counter() - start < 2.0, coding
    with pytest.raises(ValueError, match="unknown content encoding"):
        decoded_body(page, "lzma", 10_000)
    with pytest.raises(ValueError, match="corrupt"):
        decoded_body(b"not gzip", "gzip", 10_000)


# --- the decision log ---------------------------------------------------------------------------------------


def test_decision_log_lines(tmp_path: Path) -> None:
    log = DecisionLog(str(tmp_path / "d.jsonl"))
    log.write("pass", client="10.0.0.2", url="https://news.test/a?q=secret#frag", verdict="benign", score=0.01)
    log.write("block", client="10.0.0.2", url="https://kit.test/?phone=0101", verdict="scam", score=0.99, reasons=["r"], phones=["+1"], ms=4.2)
    log.close()
    lines = (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"url": "https://news.test/a"' in lines[0] and "secret" not in lines[0]
    assert '"url": "https://kit.test/?phone=0101"' in lines[1] and '"ms": 4.2' in lines[1]
    assert without_query("http://[::1]:8/p?x#y") == "http://[::1]:8/p"


# --- the command line ----------------------------------------------------------------------------------------


def _guard(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scamscope", "guard", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nonsense"], "HOST:PORT"),
        (["--listen", "127.0.0.1:99999"], "HOST:PORT"),
        (["--tls", "sometimes"], "--tls"),
        (["--fail", "maybe"], "--fail"),
        (["--block-list", "/nonexistent/list.txt"], "cannot read block list"),
        (["--allow-host", "[::1"], "allow-host"),
        (["--upstream-ca", "/nonexistent/ca.pem"], "no such file"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = _guard(*args, "--confdir", str(tmp_path / "ca"))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cli_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        done = _guard("--listen", f"127.0.0.1:{s.getsockname()[1]}", "--confdir", str(tmp_path / "ca"))
    assert done.returncode == 2 and "did not start" in done.stderr and "Traceback" not in done.stderr


def test_cli_runs_until_sigterm(tmp_path: Path) -> None:
    bl = _list(tmp_path, "github.io\nevil.example\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scamscope", "guard", "--listen", "127.0.0.1:0", "--confdir", str(tmp_path / "ca"), "--block-list", str(bl), "--log", str(tmp_path / "d.jsonl")],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if "listening on" in line or not line:
            break
    assert any("github.io is never blocked" in line for line in lines)
    listening = next(line for line in lines if "listening on" in line)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", listening).group(1))  # type: ignore[union-attr]
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(urllib.request.Request("http://evil.example/", headers={"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}), timeout=20)
    assert err.value.code == 403 and MARKER.encode() in err.value.read()
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(30) == 0
    assert "stopped (block_request 1)" in rest and "Traceback" not in rest
    assert (tmp_path / "ca" / "mitmproxy-ca-cert.pem").exists()
