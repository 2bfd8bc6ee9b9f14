"""The desk in Japanese (the default) and English: the gettext catalog, how a request's language is
chosen, the scan result's plain-language summary, times in the desk's zone, and every page kind
rendered in real Chromium with no untranslated UI text left."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from markupsafe import escape
from sqlalchemy import select

from scamscope import data
from scamscope.web import i18n, summary
from scamscope.web.app import create_app
from scamscope.web.auth import add_user
from scamscope.web.config import Settings
from scamscope.web.db import transaction
from scamscope.web.models import Scan
from tests import desk_server
from tests.conftest import serve_pages
from tests.guard_support import headless_chromium

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "scamscope" / "web"
PO = WEB / "locale" / "ja" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
SCAM_PAGE = ROOT / "examples" / "fake-warning-ja.html"
BENIGN_PAGE = ROOT / "examples" / "ordinary-ja.html"
PASSWORD = "i18n password 1234"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin words a Japanese page may show: product and brand names, abbreviations, file formats
ALLOWED_LATIN = {
    "scamscope", "URL", "ID", "CSV", "PDF", "IPA", "AnyDesk", "TeamViewer", "Windows", "Microsoft", "Defender", "Chromium",
    "SHA", "OCR", "HTML", "PNG", "JPEG", "WebP", "MB", "JST", "IP", "Esc", "English", "http", "https", "localhost", "example", "com",
    "Apple", "Google", "Chrome", "Edge", "Mac", "PC", "SNS", "SMS", "LAN", "Wi", "Fi", "NG", "KAPE", "Ctrl", "Alt", "Delete",
}
# product names and a command line quoted in scamscope.advice's Japanese text (advice.toml): data, not desk UI
ADVICE_DATA = [
    "Auto Fixer Pro", "Auto Mechanic", "Speedy PC Pro", "Boost PC Pro", "Smart PC Care", "Identity Protector", "Mac Keeper",
    "ScreenConnect", "UltraViewer", "Supremo", "scamscope triage", "--out", "report.pdf", "evidence.json",
    "情報セキュリティ安心相談窓口", "消費者ホットライン",  # the English advice names the Japanese offices as they answer the phone
]


# --- the catalog ---------------------------------------------------------------------------------


def pybabel() -> list[str]:
    exe = shutil.which("pybabel") or str(Path(sys.executable).with_name("pybabel"))
    return [exe]


def extracted(tmp_path: Path) -> dict[str | tuple[str, ...], Any]:
    """The msgids of the templates and Python sources, by the extraction command in i18n.py."""
    pot = tmp_path / "messages.pot"
    cmd = [*pybabel(), "extract", "-F", str(WEB / "babel.cfg"), "-k", "N_", "-k", "gettext_in:2", "-o", str(pot), str(WEB)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with pot.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sdr]", text))


def test_every_message_has_a_japanese_translation_and_none_is_obsolete(tmp_path: Path) -> None:
    wanted = extracted(tmp_path)
    assert len(wanted) > 300  # the templates and the Python messages were found
    with PO.open("rb") as f:
        po = read_po(f, locale="ja")
    assert not po.fuzzy, "the catalog header is marked fuzzy: the .mo would be empty"
    have = {m.id: m for m in po if m.id}
    missing = []
    for msgid in wanted:
        m = have.get(msgid)
        strings = (m.string if isinstance(m.string, tuple) else (m.string,)) if m is not None else ()
        if m is None or m.fuzzy or not all(strings):
            missing.append(msgid)
    assert missing == [], f"{len(missing)} message(s) without a Japanese translation: {missing}"
    obsolete = sorted(str(k) for k in have if k not in wanted) + sorted(str(k) for k in po.obsolete)
    assert obsolete == [], f"translations of messages shown nowhere: {obsolete}"
    bad = []
    for msgid, m in have.items():
        source = " ".join(msgid) if isinstance(msgid, tuple) else msgid
        for s in m.string if isinstance(m.string, tuple) else (m.string,):
            if placeholders(s) != placeholders(source) and not (isinstance(msgid, tuple) and placeholders(s) <= placeholders(source)):
                bad.append((msgid, s))
            if "<" in source and re.findall(r"</?\w+", source) and sorted(re.findall(r"</?\w+", s)) != sorted(re.findall(r"</?\w+", source)):
                bad.append((msgid, s))
    assert bad == [], f"translations whose placeholders or tags differ from the English: {bad}"


def test_the_shipped_mo_is_the_compiled_po() -> None:
    with MO.open("rb") as f:
        shipped = {str(m.id): str(m.string) for m in read_mo(f) if m.id}
    compiled = {str(m.id): str(m.string) for m in read_mo(io.BytesIO(i18n.compile_catalog("ja", write=False))) if m.id}
    assert len(compiled) > 300
    assert shipped == compiled, "run: pybabel compile -d scamscope/web/locale -l ja"


def test_a_missing_or_stale_mo_is_compiled_at_startup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(WEB / "locale", locale)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    mo = locale / "ja" / "LC_MESSAGES" / "messages.mo"
    mo.unlink()
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("ja").gettext("Cases") == "相談"
        assert mo.exists()
        mo.write_bytes(b"")  # older than the .po: compiled again, not read
        os.utime(mo, (1, 1))
        i18n.translations.cache_clear()
        assert i18n.translations("ja").gettext("Cases") == "相談"
        assert mo.stat().st_size > 1000
        mo.chmod(0o444)
        os.utime(mo, (1, 1))
        locale.joinpath("ja", "LC_MESSAGES").chmod(0o555)  # read-only install: compiled in memory
        i18n.translations.cache_clear()
        assert i18n.translations("ja").gettext("Cases") == "相談"
    finally:
        locale.joinpath("ja", "LC_MESSAGES").chmod(0o755)
        i18n.translations.cache_clear()


def test_every_scan_stage_the_workers_record_is_translated() -> None:
    stages = set()
    for source in (WEB / "jobs.py", WEB / "routes" / "scans.py"):
        for line in source.read_text().splitlines():
            if "stage" in line and "f\"" not in line and '"stage' not in line:
                stages |= set(re.findall(r'"([^"]+)"', line)) - {"error", "queued", "running"}
    stages.add("opening the page in headless Chromium (up to 15 s), then OCR and scoring")
    assert {"starting", "analysing the page", "waiting for a free scan worker", "failed", "done"} <= stages, stages
    from scamscope.web.labels import stage_label

    with i18n.use_lang("ja"):
        assert [s for s in stages if not JAPANESE.search(stage_label(s))] == []
    assert stage_label("something new") == "something new"


def test_every_signal_the_model_knows_has_a_reason_sentence() -> None:
    import json

    features = json.loads((ROOT / "scamscope" / "model" / "model.json").read_text())["features"]
    signals = [f for f in features if f.split(".")[0] in summary.FAMILIES]
    assert [s for s in signals if summary.reason_msgid(s) is None] == []
    assert summary.reason_msgid("phone.ip_050") == summary.REASONS["phone.ip_"]  # by prefix
    assert summary.reason_msgid("lockin.something_new") == summary.REASONS["lockin."]
    assert summary.reason_msgid("count.scare_families") is None  # falls back to the evidence's detail


# --- choosing the language (test client) ----------------------------------------------------------


def make_app(tmp_path: Path, **overrides: Any) -> Any:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", **overrides))
    with transaction(app.state.db) as db:
        add_user(db, "alice", PASSWORD)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return make_app(tmp_path)


def logged_in(client: TestClient) -> str:
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return CSRF.search(client.get("/cases/new").text).group(1)  # type: ignore[union-attr]


def lang_cookie(r: httpx.Response) -> str:
    return next((c for c in r.headers.get_list("set-cookie") if c.startswith("scamscope_lang=")), "")


def test_japanese_by_default_english_by_header_cookie_or_parameter(app: Any) -> None:
    with TestClient(app, follow_redirects=False) as c:
        r = c.get("/login")
        assert "職員ログイン" in r.text and "Staff login" not in r.text and r.headers["content-language"] == "ja"
        assert '<html lang="ja">' in r.text and lang_cookie(r) == ""
        r = c.get("/login", headers={"Accept-Language": "en-US,en;q=0.9,ja;q=0.5"})
        assert "Staff login" in r.text and "職員ログイン" not in r.text and r.headers["content-language"] == "en"
        assert "職員ログイン" in c.get("/login", headers={"Accept-Language": "fr, ja;q=0.3, en;q=0.2"}).text
        assert "職員ログイン" in c.get("/login", headers={"Accept-Language": "fr-FR, de"}).text  # neither: Japanese

        r = c.get("/login", params={"lang": "en"})  # the switch: this page in English, and a cookie for the next ones
        assert "Staff login" in r.text
        cookie = lang_cookie(r)
        assert cookie.startswith("scamscope_lang=en;") and "SameSite=Lax" in cookie and "Path=/" in cookie and "HttpOnly" in cookie
        assert "Staff login" in c.get("/").text and "Staff login" in c.get("/login", headers={"Accept-Language": "ja"}).text  # cookie beats header
        assert 'href="/login?lang=ja" id="lang-switch" lang="ja"' in c.get("/login").text
        r = c.get("/login", params={"lang": "ja"})
        assert "職員ログイン" in r.text and lang_cookie(r).startswith("scamscope_lang=ja;")
        assert "職員ログイン" in c.get("/login").text

        # only ja and en: anything else is ignored, never stored, never echoed
        c.cookies.clear()
        for bad in ("fr", "en\r\nX: y", "<script>", "EN", ""):
            r = c.get("/login", params={"lang": bad})
            assert "職員ログイン" in r.text and lang_cookie(r) == "", bad
        c.cookies.set("scamscope_lang", "de")
        assert "職員ログイン" in c.get("/login").text
        c.cookies.set("scamscope_lang", '"><script>')
        assert "職員ログイン" in c.get("/login", headers={"Accept-Language": "ja"}).text
        c.cookies.clear()

        # the switch link stays on this site whatever the path
        r = c.get("/%2F%2Fevil.example/x", params={"q": '"><b>'})
        link = re.search(r'<a href="([^"]*)" id="lang-switch"', r.text).group(1)  # type: ignore[union-attr]
        assert r.status_code == 404 and link.startswith("/") and not link.startswith("//"), link
        assert '"><b>' not in r.text  # the query is escaped in the link

        # on the advice wizard ?lang= is the victim's language: the page follows it, the cookie stays
        r = c.get("/advice/q", params={"lang": "en", "step": 0})
        assert r.status_code == 200 and "Next" in r.text and lang_cookie(r) == ""
        assert "次へ" in c.get("/advice/q", params={"step": 0}).text  # without lang: the desk's language
        assert "Next" in c.get("/advice/q", params={"step": 0}, headers={"Accept-Language": "en"}).text


def test_security_headers_csrf_and_escaping_stay(app: Any) -> None:
    with TestClient(app, follow_redirects=False) as c:
        token = logged_in(c)
        r = c.post("/scans", data={"csrf_token": token}, files={"page_file": ("p.html", SCAM_PAGE.read_bytes(), "text/html")})
        scan_url = r.headers["location"]
        wait_done(c, scan_url)
        for lang in ("en", "ja"):  # ?lang= sets the cookie: Japanese after the loop
            r = c.get(scan_url, params={"lang": lang})
            assert r.headers["cache-control"] == "no-store" and "script-src 'self'" in r.headers["content-security-policy"]
            assert r.headers["x-frame-options"] == "DENY"
            # evidence excerpts from the hostile page are escaped, in both languages
            assert "&lt;audio id=&#34;alarm&#34;" in r.text or "&lt;audio id=&quot;alarm&quot;" in r.text
            assert '<audio id="alarm"' not in r.text and "<script>" not in r.text.split("<body>", 1)[1].replace('<script src="/static/', "")
        r = c.post("/cases", data={"csrf_token": "wrong", "opened_on": "2026-12-01", "channel": "phone", "category": "called"})
        assert r.status_code == 403 and "セキュリティトークン" in r.text
        assert "スキャン #999 はありません。" in c.get("/scans/999").text  # messages from Python code follow the language too
        c.get("/", params={"lang": "en"})  # the switch
        r = c.post("/cases", data={"csrf_token": "wrong"})
        assert r.status_code == 403 and "security token" in r.text
        assert "There is no scan #999." in c.get("/scans/999").text
        assert c.get("/scans/999/status.json").json() == {"error": "There is no scan #999."}


# --- the summary of a scan result -----------------------------------------------------------------


def wait_done(c: TestClient, scan_url: str) -> dict[str, Any]:
    for _ in range(300):
        s = c.get(f"{scan_url}/status.json").json()
        if s["done"]:
            return s  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("the scan did not finish")


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start) if "</section>" in html[start:] else None]


def reasons_of(html: str) -> list[tuple[str, str]]:
    block = html[html.index('id="reasons"') : html.index("</ol>", html.index('id="reasons"'))]
    return re.findall(r'<li data-signal="([^"]+)"[^>]*>([^<]+)</li>', block)


def test_summary_leads_with_verdict_three_reasons_and_the_numbers_not_to_call(app: Any) -> None:
    guard_flags = {f["flag"]: f for f in data.load("guard_page")["flag"]}
    with TestClient(app, follow_redirects=False) as c:
        token = logged_in(c)
        urls = {}
        for page in (SCAM_PAGE, BENIGN_PAGE):
            r = c.post("/scans", data={"csrf_token": token}, files={"page_file": (page.name, page.read_bytes(), "text/html")})
            urls[page] = r.headers["location"]
            wait_done(c, urls[page])
        with app.state.db() as db:
            scam = db.get(Scan, int(urls[SCAM_PAGE].rsplit("/", 1)[1]))
            evidence = scam.result["evidence"]
        strongest = [e for e in sorted(evidence, key=lambda e: -e["weight"]) if e["weight"] > 0]
        assert len(strongest) > 3

        ja = c.get(urls[SCAM_PAGE]).text
        en = c.get(urls[SCAM_PAGE], headers={"Accept-Language": "en"}).text
        summary_ja = ja[ja.index('id="summary"') : ja.index("</section>", ja.index('id="summary"'))]
        assert 'data-verdict="scam">詐欺の可能性が高い<' in summary_ja
        assert 'data-verdict="scam">Very likely a scam<' in en
        # the summary comes before the tables
        assert ja.index('id="summary"') < ja.index('id="phones"') < ja.index('id="evidence"')

        for html, lang in ((ja, "ja"), (en, "en")):
            reasons = reasons_of(html)
            assert len(reasons) == 3, reasons
            assert [s for s, _ in reasons] == [e["signal"] for e in strongest[:3]]  # the highest positive weights, in order
            for signal, sentence in reasons:
                assert sentence == escape(i18n.gettext_in(lang, summary.reason_msgid(signal) or ""))
            assert len({s for _, s in reasons}) == 3
            # the number not to call, with why: the guard page's sentence for its first flag
            no_call = html[html.index('id="no-call"') : html.index("</ul>", html.index('id="no-call"'))]
            assert no_call.count("<li ") == 1 and "0101-844-555-0142" in no_call and "+18445550142" in no_call
            assert escape(guard_flags["jp_international_disguised"][lang]) in no_call
        assert "この番号には電話しないでください" in ja and "Do not call these numbers" in en

        # the evidence, one collapsible <details> per family, the strongest family open
        families = re.findall(r'<details class="evidence-family" data-family="(\w+)"( open)?>', ja)
        assert [f for f, _ in families][0] == summary.family(strongest[0]["signal"]) and families[0][1] == " open"
        assert all(not is_open for _, is_open in families[1:])
        assert {f for f, _ in families} == {summary.family(e["signal"]) for e in evidence}
        for fam, _ in families:
            block = ja[ja.index(f'data-family="{fam}"') : ja.index("</details>", ja.index(f'data-family="{fam}"'))]
            shown = re.findall(r'<td class="mono" translate="no">([\w.]+)</td>', block)
            assert shown and all(summary.family(s) == fam for s in shown)
            assert len(shown) == sum(1 for e in evidence if summary.family(e["signal"]) == fam)
        assert "<summary>画面を閉じさせない仕掛け" in ja and "<summary>Tricks that keep the page open" in en

        benign = c.get(urls[BENIGN_PAGE]).text
        assert 'data-verdict="benign">問題は見つかりませんでした<' in benign
        assert 'id="reasons"' not in benign and 'id="no-call"' not in benign
        assert "No problem was found" in c.get(urls[BENIGN_PAGE], params={"lang": "en"}).text

    # fewer reasons when there is less evidence
    two = [{"signal": "text.call_now", "weight": 2.0, "detail": "d"}, {"signal": "phone.present", "weight": 1.0, "detail": "d"}, {"signal": "text.benign_context", "weight": -1.0, "detail": "d"}]
    with i18n.use_lang("ja"):
        got = summary.top_reasons(two)
        assert [r.sentence for r in got] == ["サポート窓口に今すぐ電話するよう指示しています。", "警告について電話をかけさせる番号を表示しています。"]
        unknown = summary.top_reasons([{"signal": "count.scare_families", "weight": 1.0, "detail": "5 scare families"}])
        assert unknown[0].sentence == "5 scare families" and not unknown[0].translated
        # two signals with one sentence make one reason
        assert len(summary.top_reasons([{"signal": "brand.domain_mismatch", "weight": 2.0}, {"signal": "brand.declared_origin_mismatch", "weight": 1.0}])) == 1


def test_times_are_shown_in_the_desk_zone_with_its_name(tmp_path: Path) -> None:
    for zone, name in (("Asia/Tokyo", "JST"), ("Europe/Berlin", ("CET", "CEST")), ("UTC", "UTC")):
        folder = tmp_path / zone.replace("/", "_")
        folder.mkdir()
        app = make_app(folder, timezone=zone)
        with TestClient(app, follow_redirects=False) as c:
            token = logged_in(c)
            r = c.post("/scans", data={"csrf_token": token}, files={"page_file": ("p.html", BENIGN_PAGE.read_bytes(), "text/html")})
            wait_done(c, r.headers["location"])
            with app.state.db() as db:
                created = db.scalars(select(Scan)).one().created_at
            local = created.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
            expected = local.strftime("%Y-%m-%d %H:%M %Z")
            assert local.tzname() in (name if isinstance(name, tuple) else (name,))
            page = c.get(r.headers["location"]).text
            assert f'<dd id="scanned-at">{expected}' in page
            assert expected in c.get("/scans").text
            assert re.search(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {local.tzname()}", c.get("/admin/audit").text)
            assert f'<span translate="no" id="desk-zone">{zone}</span>' in page
            # every date-time on these pages carries the zone's name
            for path in ("/scans", r.headers["location"], "/admin/audit", "/admin/users", "/indicators"):
                text = c.get(path).text
                for m in re.finditer(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?(?![:\d]| ?[A-Z+])", text):
                    raise AssertionError(f"{path}: time without a zone: {text[m.start() - 40 : m.end() + 20]!r}")


# --- every page kind in real Chromium --------------------------------------------------------------


VISIBLE_TEXT = """
(mode) => {
  const out = [];
  const skip = (el) => el.closest('[translate="no"], script, style, noscript') || (el.closest('[lang]') && el.closest('[lang]').getAttribute('lang') !== mode);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (node.parentElement && !skip(node.parentElement)) out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[alt], [aria-label], [placeholder], [title]')) {
    if (skip(el)) continue;
    for (const a of ['alt', 'aria-label', 'title']) if (el.hasAttribute(a)) out.push(el.getAttribute(a));
  }
  out.push(document.title);
  return out.join(' \\n ');
}
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[desk_server.Desk]:
    tmp = tmp_path_factory.mktemp("desk_i18n")
    desk_server.add_user(tmp / "desk.sqlite3", "boss", PASSWORD)  # the first account: admin
    d = desk_server.start_desk(tmp, "--allow-private")
    try:
        yield d
    finally:
        out = d.stop()
        assert "Traceback" not in out, out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium(["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]) as b:
        yield b


def untranslated(text: str, mode: str, data_values: list[str]) -> list[str]:
    for value in sorted(data_values, key=len, reverse=True):
        text = text.replace(value, " ")
    if mode == "ja":
        return sorted({w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN})
    return sorted({m for m in JAPANESE.findall(text)})


def test_every_page_kind_in_japanese_then_english(desk: desk_server.Desk, browser: Any) -> None:
    pages = {"/warning": (200, {"Content-Type": "text/html; charset=utf-8"}, SCAM_PAGE.read_bytes())}
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    problems: list[str] = []
    # CSP violations and failed loads land here; the 404 of the "no such page" visits is the one expected
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "status of 404" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_default_timeout(30_000)
    base = desk.base
    with serve_pages(pages) as site:
        # log in (Japanese: the browser asks for ja)
        page.goto(f"{base}/login")
        assert page.inner_text("h1") == "職員ログイン" and page.get_attribute("html", "lang") == "ja"
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.narrow button[type=submit]")
        page.wait_for_url(f"{base}/scans/new")

        # a real URL scan (live browser, screenshot), and an uploaded ordinary page
        page.fill("input[name=url]", f"{site}/warning")
        page.click("form.scan-form button[type=submit]")
        page.wait_for_selector("#verdict", timeout=90_000)
        scan_url = page.url
        assert page.get_attribute("#verdict", "data-verdict") == "scam"
        assert page.inner_text("#verdict") == "詐欺の可能性が高い"
        assert page.locator("#reasons > li").count() == 3
        shot = page.locator("#summary img#screenshot")
        assert shot.count() == 1 and shot.evaluate("img => img.complete && img.naturalWidth > 100")
        assert "+18445550142" in page.inner_text("#no-call") and "国際電話" in page.inner_text("#no-call .why")
        assert page.locator("#evidence details.evidence-family").count() >= 3
        # collapsible without JavaScript: a closed family opens on a click
        family = page.locator("#evidence details:not([open])").first.get_attribute("data-family")
        closed = page.locator(f"#evidence details[data-family={family}]")
        closed.locator("summary").click()
        assert closed.evaluate("d => d.open")
        page.goto(f"{base}/scans/new")
        page.set_input_files("input[name=page_file]", str(BENIGN_PAGE))
        page.click("form.scan-form button[type=submit]")
        page.wait_for_selector("#verdict", timeout=60_000)
        assert page.inner_text("#verdict") == "問題は見つかりませんでした"
        benign_url = page.url

        # a case with the scam scan, and advice attached to it
        page.goto(f"{base}/cases/new?scan={scan_url.rsplit('/', 1)[1]}")
        page.check("input[name=category][value=called]")
        page.fill("input[name=caller_name]", "試験 太郎")
        page.fill("textarea[name=notes]", "警告画面の番号に電話した")
        page.click("form.case-form button[type=submit]")
        page.wait_for_selector("#case-facts")
        case_url = page.url
        page.click("#case-advice-wizard")
        page.click("#start-ja")
        for _ in range(12):
            if page.locator("#steps").count():
                break
            page.click("#next")
            page.wait_for_load_state()
        page.wait_for_selector("#steps")
        advice_result_url = page.url
        page.click("#attach button[type=submit]")
        page.wait_for_url(case_url)
        record_url = page.locator("#case-advice a").first.get_attribute("href")
        indicator_url = f"{base}/indicators/1"

        kinds = {
            "home": f"{base}/",
            "scans": f"{base}/scans",
            "new scan": f"{base}/scans/new",
            "scan result": scan_url,
            "benign result": benign_url,
            "cases": f"{base}/cases",
            "case": case_url,
            "case edit": f"{case_url}/edit",
            "new case": f"{base}/cases/new",
            "indicators": f"{base}/indicators",
            "indicator": indicator_url,
            "trends": f"{base}/trends",
            "advice start": f"{base}/advice",
            "advice question": f"{base}/advice/q?step=2",
            "advice result": re.sub(r"([?&])lang=[a-z]{2}(&|$)", r"\1", advice_result_url),  # the desk's language
            "advice record": f"{base}{record_url}",
            "users": f"{base}/admin/users",
            "audit": f"{base}/admin/audit",
            "delete scan": f"{benign_url}/delete",
            "delete case": f"{case_url}/delete",
            "not found": f"{base}/no-such-page",
        }
        data_values = ["boss", "試験 太郎", site, base, "127.0.0.1", "+18445550142", "0101-844-555-0142", *ADVICE_DATA]

        def check(mode: str) -> dict[str, list[str]]:
            found = {}
            for kind, url in kinds.items():
                page.goto(url)
                assert page.get_attribute("html", "lang") == mode, kind
                left = untranslated(page.evaluate(VISIBLE_TEXT, mode), mode, data_values)
                if left:
                    found[kind] = left
            return found

        left = check("ja")
        assert left == {}, left

        # the English switch in the header: a cookie, and every page follows
        page.goto(f"{base}/trends")
        assert page.inner_text("#lang-switch") == "English"
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "en" and page.inner_text("h1") == "Trends"
        assert any(c["name"] == "scamscope_lang" and c["value"] == "en" and c["sameSite"] == "Lax" for c in context.cookies())
        left = check("en")
        assert left == {}, left
        page.goto(scan_url)
        assert page.inner_text("#verdict") == "Very likely a scam" and page.locator("#reasons > li").count() == 3
        assert "Do not call these numbers" in page.inner_text("#summary")
        page.goto(f"{base}/login")  # logged in: goes on to /
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "ja"

    # times in the desk's zone, with its name, wherever a time is shown
    for url in (scan_url, f"{base}/scans", case_url, f"{base}/admin/audit", indicator_url):
        page.goto(url)
        text = page.inner_text("main")
        times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?( JST)?", text)
        assert times and all(times), (url, text)
    assert problems == [], problems
    context.close()
    assert httpx.get(f"{base}/healthz").status_code == 200
