"""``scamscope guard`` end to end: real mitmproxy (in the guard), real Chromium launched with
``--proxy-server`` and ``--proxy-bypass-list=<-loopback>``, corpus pages and hand-written kits
served on loopback under ``.test`` names (the guard resolves them to 127.0.0.1, as split DNS would).

What is checked: scam kits are blocked, benign pages (the seed articles included) arrive byte for
byte, a kit that locks the screen only after a click is replaced after the click, HTTPS through
interception with the guard's CA trusted in the browser profile, passthrough hosts are not
decrypted, the block list by host, pattern and number (before a byte reaches the origin), the
decision log, forged watcher reports, compressed pages and compression bombs, fail open and closed.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scamscope.guard.addon import REPORT_PATH
from scamscope.guard.server import Guard, GuardConfig
from scamscope.netguard import resolve
from scamscope.scan import scan_bytes
from tests.conftest import CORPUS, SEEDS, corpus_rows, from_earlier_holdout, require_shared
from tests.guard_support import TIMEOUT_MS, launch, make_ca, read_log, serve, server_context, trusting_home

playwright = pytest.importorskip("playwright.sync_api")

MARKER = 'meta[name="scamscope-guard"][content="blocked"]'
NAMES = ("shop.test", "kit.test", "bank.test", "evil.test", "news.test")
HTML = {"Content-Type": "text/html; charset=utf-8"}

# A kit that looks mild until it is clicked, and hides its lock-in calls from static analysis
CLICK_KIT = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Security alert</title></head><body>
<h1>Warning</h1><p>Your computer may be infected. Click OK to continue.</p><button id="go">OK</button>
<script>
document.getElementById('go').addEventListener('click', function () {
  var d = document.documentElement, n = navigator, s = String.fromCharCode;
  d['request' + 'Full' + 'screen']();
  n[s(107, 101, 121, 98, 111, 97, 114, 100)][s(108, 111, 99, 107)]();
});
</script></body></html>"""


def _resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host.endswith(".test") else resolve(host, port)


def _corpus_pages(label: str, count: int) -> list[Path]:
    rows = [r for r in corpus_rows() if r["label"] == label and r["kind"] == "full-html" and not from_earlier_holdout(r["file"])]
    rows.sort(key=lambda r: r["file"])
    step = max(1, len(rows) // count)
    return [CORPUS / label / r["file"] for r in rows[::step][:count]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The origins, a guard (intercepting, with a block list and a passthrough list) and a browser."""
    require_shared(CORPUS / "MANIFEST.tsv")
    tmp = tmp_path_factory.mktemp("guard")
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/click-kit.html": (200, HTML, CLICK_KIT),
        # its own script runs by nonce; the watcher needs the hash the guard adds, and its report connect-src
        "/click-kit-csp.html": (200, {**HTML, "Content-Security-Policy": "script-src 'nonce-k1t'; connect-src 'none'"}, CLICK_KIT.replace(b"<script>", b'<script nonce="k1t">')),
        "/plain.html": (200, HTML, b"<!DOCTYPE html><html><head><title>Shop</title></head><body><p>Opening hours 9-17.</p></body></html>"),
        "/kits/7/landing.html": (200, HTML, b"<!DOCTYPE html><html><body><p>kit landing</p></body></html>"),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4000),
    }
    scam_files = _corpus_pages("scam", 10)
    benign_files = _corpus_pages("benign", 8)
    for p in scam_files:
        pages[f"/scam/{p.name}"] = (200, HTML, p.read_bytes())
    for p in benign_files:
        pages[f"/benign/{p.name}"] = (200, HTML, p.read_bytes())
    seeds = sorted(s for s in SEEDS.iterdir() if s.is_file()) if SEEDS.is_dir() else []
    for s in seeds:
        pages[f"/seed/{s.name}"] = (200, HTML, s.read_bytes())
    block_list = tmp / "blocked.txt"
    block_list.write_text("# test feed\nevil.test\n*://shop.test*/kits/*/landing.html\ntel:+1 888 555 0142\n", encoding="utf-8")
    passthrough = tmp / "passthrough.txt"
    passthrough.write_text("bank.test\n", encoding="utf-8")
    upstream_ca, ca_key, ca_cert = make_ca(tmp, "upstream-test-ca")
    tls = server_context(tmp, ca_key, ca_cert, list(NAMES))
    log = tmp / "decisions.jsonl"
    with serve(pages) as http_origin, serve(pages, tls) as https_origin:
        guard = Guard(
            GuardConfig(
                listen_port=0,
                block_lists=[str(block_list)],
                passthrough_files=[str(passthrough)],
                log_path=str(log),
                confdir=str(tmp / "confdir"),
                upstream_ca=str(upstream_ca),
                allow_hosts=list(NAMES),
                resolver=_resolver,
            )
        )
        port = guard.start()
        home = trusting_home(tmp, {"scamscope guard CA": Path(guard.ca_files[0]), "upstream test CA": upstream_ca})
        with playwright.sync_playwright() as pw:
            browser = launch(pw, port, home)
            try:
                yield {
                    "guard": guard,
                    "port": port,
                    "http": http_origin,
                    "https": https_origin,
                    "browser": browser,
                    "log": log,
                    "scam": scam_files,
                    "benign": benign_files,
                    "seeds": seeds,
                    "pages": pages,
                }
            finally:
                browser.close()
                guard.stop()


def _open(site: dict[str, Any], url: str, locale: str = "ja-JP") -> tuple[Any, Any, Any]:
    context = site["browser"].new_context(locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    response = page.goto(url, wait_until="load")
    return context, page, response


def _blocked(page: Any) -> bool:
    return page.locator(MARKER).count() == 1


def _entries(site: dict[str, Any], url_part: str) -> list[dict[str, Any]]:
    return [e for e in read_log(site["log"]) if url_part in e["url"]]


def _proxy_opener(site: dict[str, Any]) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{site['port']}"}))


# --- scoring as pages pass -----------------------------------------------------------------------


def test_scam_kits_are_blocked(site: dict[str, Any]) -> None:
    base = site["http"].base("kit.test")
    blocked = 0
    for path in site["scam"]:
        url = f"{base}/scam/{path.name}"
        expected = scan_bytes(path.read_bytes(), url=url).verdict
        context, page, response = _open(site, url)
        try:
            if expected == "scam":
                assert _blocked(page), f"{path.name} was not blocked"
                assert response.status == 403
                assert response.headers.get("x-scamscope-guard") == "blocked"
                blocked += 1
        finally:
            context.close()
        entry = _entries(site, f"/scam/{path.name}")[-1]
        assert entry["action"] == ("block" if expected == "scam" else "inject" if expected == "suspicious" else "pass")
    assert blocked >= 9, f"only {blocked} of {len(site['scam'])} corpus kits blocked"


def test_block_page_explains_in_the_browsers_language(site: dict[str, Any]) -> None:
    name = site["scam"][0].name
    for locale, words in (("ja-JP", ("偽のセキュリティ警告", "感染していません", "Esc", "188", "03-5978-7509", "タスク マネージャー")), ("en-US", ("fake", "not infected", "Esc", "188", "Task Manager", "Alt"))):
        context, page, _ = _open(site, f"{site['http'].base('kit.test')}/scam/{name}?lang={locale}", locale)
        try:
            assert _blocked(page)
            text = page.inner_text("body")
            for word in words:
                assert word in text, f"{word!r} missing from the {locale} block page"
        finally:
            context.close()


def test_block_page_shows_the_number_with_why_not_to_call(site: dict[str, Any]) -> None:
    kit = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>Windows Defender - セキュリティ警告</title></head>
<body style="cursor:none"><h1>警告: お使いのPCはウイルスに感染しています</h1>
<p>トロイの木馬が検出されました。個人情報が盗まれる危険があります。今すぐ Windows サポートに電話してください: 0101-888-555-0199（無料）</p></body></html>""".encode()
    site["pages"]["/number-kit.html"] = (200, HTML, kit)
    context, page, _ = _open(site, f"{site['http'].base('kit.test')}/number-kit.html")
    try:
        assert _blocked(page)
        text = page.inner_text("body")
        assert "0101-888-555-0199" in text
        assert "国際電話" in text  # 0101 = 010 + 1: an international call disguised as Japanese
    finally:
        context.close()


WATCHER = re.compile(rb"<script data-scamscope-guard-watch>.*?</script>", re.S)


def test_benign_pages_arrive_unchanged(site: dict[str, Any]) -> None:
    base = site["http"].base("news.test")
    for prefix, files in (("benign", site["benign"]), ("seed", site["seeds"])):
        for path in files:
            context, page, response = _open(site, f"{base}/{prefix}/{path.name}")
            try:
                assert not _blocked(page), f"{path.name} was blocked"
                body = response.body()
                entry = _entries(site, f"/{prefix}/{path.name}")[-1]
                if entry["action"] == "inject":
                    # an uncertain page (the seed articles quote scare text): the watcher, nothing else
                    assert prefix == "seed" and entry["verdict"] == "suspicious"
                    assert response.headers.get("x-scamscope-guard") == "watched"
                    assert len(WATCHER.findall(body)) == 1 and WATCHER.sub(b"", body) == path.read_bytes()
                else:
                    assert entry["action"] == "pass" and entry["verdict"] == "benign"
                    assert body == path.read_bytes(), f"{path.name} was changed on the way"
                    assert response.headers.get("x-scamscope-guard") is None
            finally:
                context.close()


def test_non_html_streams_through_untouched(site: dict[str, Any]) -> None:
    url = f"{site['http'].base('shop.test')}/image.png"
    before = len(read_log(site["log"]))
    with _proxy_opener(site).open(url, timeout=20) as r:
        assert r.read() == site["pages"]["/image.png"][2]
    assert len(read_log(site["log"])) == before  # not a decision: nothing logged about it


def test_click_lockin_kit_is_replaced_after_the_click(site: dict[str, Any]) -> None:
    for path in ("/click-kit.html", "/click-kit-csp.html"):
        # over HTTPS: the Keyboard Lock API exists in secure contexts only
        url = f"{site['https'].base('shop.test', 'https')}{path}"
        assert scan_bytes(site["pages"][path][2], url=url).verdict == "suspicious"  # the precondition: uncertain, not blocked
        context, page, response = _open(site, url, "en-US")
        try:
            assert not _blocked(page)
            assert response.headers.get("x-scamscope-guard") == "watched"
            page.click("#go")
            page.wait_for_selector(MARKER, state="attached", timeout=TIMEOUT_MS)
            assert page.evaluate("document.fullscreenElement") is None
            assert "fake" in page.inner_text("body").lower()
        finally:
            context.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(e["action"] == "replaced" for e in _entries(site, path)):
            time.sleep(0.1)
        actions = [e["action"] for e in _entries(site, path)]
        assert actions[:1] == ["inject"] and "replaced" in actions, actions
        replaced = next(e for e in _entries(site, path) if e["action"] == "replaced")
        assert any("keyboard" in r or "fullscreen" in r for r in replaced["reasons"]), replaced
        # the page it reported is blocked before a byte is fetched from now on
        hits = len(site["https"].hits)
        context, page, _ = _open(site, url, "en-US")
        try:
            assert _blocked(page)
        finally:
            context.close()
        assert len(site["https"].hits) == hits
        assert _entries(site, path)[-1]["action"] == "block_request"


def test_forged_reports_are_rejected(site: dict[str, Any]) -> None:
    opener = _proxy_opener(site)
    guard: Guard = site["guard"]
    shop = site["http"].base("shop.test")
    news = site["http"].base("news.test")
    forged = [
        (f"{news}{REPORT_PATH}", {"token": "0" * 32, "url": f"{news}/benign/x.html", "reasons": ["made up"]}),
        # a token is only good for the origin it was given to: shop's token cannot report news
        (f"{news}{REPORT_PATH}", {"token": guard.addon.token(shop), "url": f"{news}/benign/x.html", "reasons": ["made up"]}),
    ]
    for target, body in forged:
        req = urllib.request.Request(target, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(req, timeout=10)
        assert err.value.code == 403
    assert not [p for p, _ in site["http"].posts if p.startswith("/__scamscope_guard__")]  # reserved paths never reach an origin
    assert [e["action"] for e in _entries(site, news)][-2:] == ["report_rejected", "report_rejected"]
    # other reserved paths are answered by the guard too
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(f"{news}/__scamscope_guard__/anything", timeout=10)
    assert err.value.code == 404
    assert not [h for h in site["http"].hits if "__scamscope_guard__" in h[2]]


# --- HTTPS -----------------------------------------------------------------------------------------


def test_https_is_intercepted_and_scored(site: dict[str, Any]) -> None:
    https = site["https"]
    name = site["scam"][0].name
    context, page, response = _open(site, f"{https.base('kit.test', 'https')}/scam/{name}")
    try:
        assert _blocked(page)
    finally:
        context.close()
    context, page, response = _open(site, f"{https.base('news.test', 'https')}/plain.html")
    try:
        issuer = response.security_details()["issuer"]
        assert "mitmproxy" in issuer  # the browser talked to the guard, which it trusts through its profile
        assert response.body() == site["pages"]["/plain.html"][2]
    finally:
        context.close()


def test_passthrough_hosts_are_not_intercepted(site: dict[str, Any]) -> None:
    https = site["https"]
    name = site["scam"][0].name
    before = len(read_log(site["log"]))
    context, page, response = _open(site, f"{https.base('bank.test', 'https')}/scam/{name}")
    try:
        issuer = response.security_details()["issuer"]
        assert issuer == "upstream-test-ca"  # the origin's own certificate: the guard did not decrypt
        assert not _blocked(page)  # and so it could not (and did not) look inside
    finally:
        context.close()
    assert not [e for e in read_log(site["log"])[before:] if "bank.test" in e["url"]]


# --- block list ----------------------------------------------------------------------------------------


def test_block_list_by_host_pattern_and_number(site: dict[str, Any]) -> None:
    http = site["http"]
    cases = [
        (f"{http.base('evil.test')}/plain.html", "evil.test"),
        (f"{http.base('www.evil.test')}/plain.html", "evil.test"),
        (f"{http.base('shop.test')}/kits/7/landing.html", "*://shop.test*/kits/*/landing.html"),
        (f"{http.base('shop.test')}/plain.html?n=18885550142", "tel:+1 888 555 0142"),
        (f"{http.base('shop.test')}/plain.html?phone=0101-888-555-0199", None),  # a built-in URL shape
    ]
    for url, rule in cases:
        hits = len(http.hits)
        context, page, response = _open(site, url, "en-US")
        try:
            assert _blocked(page), url
            assert response.status == 403
        finally:
            context.close()
        assert len(http.hits) == hits, f"{url} reached the origin"
        entry = _entries(site, url)[-1]
        assert entry["action"] == "block_request" and entry["verdict"] == "scam"
        if rule is not None:
            assert entry["rule"] == rule
    # the same host, other paths, still work
    context, page, response = _open(site, f"{http.base('shop.test')}/plain.html")
    try:
        assert not _blocked(page) and response.status == 200
    finally:
        context.close()


def test_blocked_host_over_https(site: dict[str, Any]) -> None:
    https = site["https"]
    hits = len(https.hits)
    context, page, response = _open(site, f"{https.base('evil.test', 'https')}/plain.html", "en-US")
    try:
        assert _blocked(page)
    finally:
        context.close()
    assert len(https.hits) == hits


# --- the decision log ----------------------------------------------------------------------------------


def test_log_lines(site: dict[str, Any]) -> None:
    http = site["http"]
    _proxy_opener(site).open(urllib.request.Request(f"{http.base('news.test')}/plain.html?q=private+search", headers={"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}), timeout=10).read()
    entries = read_log(site["log"])
    assert entries
    for e in entries:
        assert set(e) >= {"time", "client", "url", "verdict", "score", "reasons", "action"}
        assert e["time"].endswith("Z") and e["client"] in ("127.0.0.1", "-")
    passed = [e for e in entries if e["action"] == "pass" and "/plain.html" in e["url"]]
    assert passed and all("?" not in e["url"] for e in passed)  # a passed page's query is not kept
    blocked = [e for e in entries if e["action"] == "block"]
    assert blocked and all(e["verdict"] == "scam" and e["reasons"] and isinstance(e["ms"], float) for e in blocked)
    assert not any("private search" in json.dumps(e) for e in entries)


# --- compressed, too large, failing -------------------------------------------------------------------


def test_compressed_scam_is_blocked_and_a_bomb_is_not_decompressed(site: dict[str, Any]) -> None:
    scam = site["scam"][0].read_bytes()
    site["pages"]["/gz-kit.html"] = (200, {**HTML, "Content-Encoding": "gzip"}, gzip.compress(scam))
    bomb = gzip.compress(b"<html><body>" + b" " * (200 * 1024 * 1024) + b"</body></html>", 9)
    assert len(bomb) < 1024 * 1024
    site["pages"]["/bomb.html"] = (200, {**HTML, "Content-Encoding": "gzip"}, bomb)
    context, page, _ = _open(site, f"{site['http'].base('kit.test')}/gz-kit.html")
    try:
        assert _blocked(page)
    finally:
        context.close()
    req = urllib.request.Request(f"{site['http'].base('kit.test')}/bomb.html", headers={"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Accept-Encoding": "gzip"})
    with _proxy_opener(site).open(req, timeout=30) as r:
        assert r.read() == bomb  # failed open: passed as it came
    entry = _entries(site, "/bomb.html")[-1]
    assert entry["action"] == "pass" and "too large" in entry["error"]


def test_alert_flood_from_a_cross_origin_frame_is_stopped(site: dict[str, Any]) -> None:
    """No script in the page can reach into another origin's frame; the guard sees the frame's own
    HTML pass, and blocks it or watches it."""
    flood = b"""<!DOCTYPE html><html><body><script>
var m = 'Your computer is infected with a virus. Call Windows support now: 1-888-555-0177';
setInterval(function () { window['al' + 'ert'](m); }, 300);
</script></body></html>"""
    site["pages"]["/flood-frame.html"] = (200, HTML, flood)
    host = f"""<!DOCTYPE html><html><body><p>Weekly news</p><iframe src="{site['http'].base('kit.test')}/flood-frame.html"></iframe></body></html>""".encode()
    site["pages"]["/frame-host.html"] = (200, HTML, host)
    context = site["browser"].new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{site['http'].base('news.test')}/frame-host.html", wait_until="load")
        page.wait_for_timeout(4000)
        assert len(dialogs) <= 3, f"{len(dialogs)} dialogs from the frame"
        frame = next((f for f in page.frames if "flood-frame" in f.url), None)
        assert frame is not None, [f.url for f in page.frames] + [str(e) for e in _entries(site, "flood")]
        assert frame.locator(MARKER).count() == 1
    finally:
        context.close()
    actions = [e["action"] for e in _entries(site, "/flood-frame.html")]
    assert actions[0] in ("block", "inject") and (actions[0] == "block" or "replaced" in actions), actions
