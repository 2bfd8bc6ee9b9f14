"""Hard cases of issue 10 met in the enlarged corpus: a number alone is no scam, vendors' real
numbers, Node.js programs, game key handling, kit fragments that call their page's helpers,
separator-padded strings, a number built into the URL, a number in the meta description."""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscope.acquire import build_page, page_from_file
from scamscope.deobfuscate import unpack
from scamscope.scan import scan_html, scan_path
from scamscope.score import GATE_CLAIM, NO_CLAIM_NOTE, feature_values, makes_claim
from tests.conftest import CORPUS, require_shared


def _signals(r) -> dict[str, float]:  # noqa: ANN001 - a scan result
    return {e.signal: e.strength for e in r.evidence}


# --- a phone number alone is no scam ---------------------------------------------------------

HELP_ANSWER = """For home users, no-charge support is available by calling 1-866-234-6020 in the United States.
Has a Norton or McAfee application ever been installed on the computer? What anti-virus application
is installed and is your subscription current? See the support article for details."""


def test_a_toll_free_number_and_a_vendor_name_alone_are_not_a_scam() -> None:
    r = scan_html(HELP_ANSWER, input_name="answer.txt")
    sig = _signals(r)
    assert "phone.us_toll_free" in sig  # the number is still reported
    assert not makes_claim(r.evidence)
    assert GATE_CLAIM not in feature_values(r.evidence)
    assert r.verdict != "scam"


def test_the_same_number_with_a_scare_claim_is_a_scam() -> None:
    page = HELP_ANSWER + "\nYour computer is infected with a virus! Do not close this window. Call 1-866-234-6020 now."
    r = scan_html(page, input_name="alarm.txt")
    assert makes_claim(r.evidence)
    assert r.verdict == "scam"
    assert NO_CLAIM_NOTE not in r.notes


# --- vendors' and help lines' real numbers ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("マイクロソフトのカスタマーサポート(0120-54-2244)に連絡してください。", "マイクロソフト"),
        ("Call Microsoft support at 1-800-642-7676 if you are unsure.", "Microsoft"),
        ("困ったときは IPA 情報セキュリティ安心相談窓口 03-5978-7509 へ。", "IPA"),
    ],
)
def test_a_vendors_real_number_is_counter_evidence_and_no_call_to_action(text: str, owner: str) -> None:
    r = scan_html(text, input_name="help.txt")
    official = [e for e in r.evidence if e.signal == "phone.official"]
    assert official and owner in official[0].detail
    assert not any(e.signal.startswith("phone.") and e.signal != "phone.official" for e in r.evidence)
    assert all(e.weight <= 0 for e in official)  # shown as counter-evidence, never for the scam


def test_a_scam_number_beside_the_real_one_is_still_the_scams() -> None:
    text = "Microsoft's number is 1-800-642-7676, but call our certified technicians at 1-888-365-7259 now!"
    r = scan_html(text, input_name="mixed.txt")
    sig = _signals(r)
    assert "phone.official" in sig and "phone.us_toll_free" in sig


# --- kit files named as code -------------------------------------------------------------------


def test_a_tiny_kit_file_named_js_is_read_as_code(tmp_path: Path) -> None:
    f = tmp_path / "esc.js"
    f.write_text("navigator.keyboard.lock();\n document.onkeydown = function (e) {\n return false;\n }\n")
    assert page_from_file(f).kind == "script"
    r = scan_path(f)
    sig = _signals(r)
    assert "lockin.keyboard_lock" in sig and "lockin.key_block" in sig
    assert r.verdict == "scam"  # script only: the page that loads it supplies the number
    # a one-line lock call is text by content; the name makes it code, another name does not
    (tmp_path / "lock.js").write_text("keyboard.lock();\n")
    (tmp_path / "lock.txt").write_text("keyboard.lock();\n")
    assert page_from_file(tmp_path / "lock.js").kind == "script"
    assert page_from_file(tmp_path / "lock.txt").kind == "text"


def test_a_kit_fragment_calling_its_pages_fullscreen_helper_on_any_click(tmp_path: Path) -> None:
    f = tmp_path / "click.js"
    f.write_text(
        "window.onload = function () {\n document.onclick = function (e) {\n  toggleFullScreen();\n"
        "  document.body.style.cursor = 'not-allowed';\n }\n}\n"
    )
    fs = [e for e in scan_path(f).evidence if e.signal == "lockin.fullscreen"]
    assert fs and "toggleFullScreen" in fs[0].detail
    # defined in the same code: its own requestFullscreen call is what counts, not the helper's name
    g = tmp_path / "defined.js"
    g.write_text(
        "function toggleFullScreen() { document.documentElement.requestFullscreen(); }\n"
        "document.getElementById('fs').addEventListener('click', function(){ toggleFullScreen(); });\n"
    )
    assert all("helper" not in e.detail for e in scan_path(g).evidence if e.signal == "lockin.fullscreen")


# --- Node.js programs and games --------------------------------------------------------------------

CRAWLER = """const puppeteer = require("puppeteer"), fs = require("fs");
const keywords = ["your computer is infected", "call microsoft support", "do not close this window",
  "your personal data is at risk", "windows defender alert"];
(async () => { const browser = await puppeteer.launch(); const page = await browser.newPage();
  for (const url of process.argv.slice(2)) { await page.goto(url);
    const html = await page.content(); if (keywords.some(k => html.includes(k))) console.log(url); } })();
"""


def test_a_node_program_s_keyword_list_is_data_not_page_text(tmp_path: Path) -> None:
    f = tmp_path / "crawler.js"
    f.write_text(CRAWLER)
    r = scan_path(f)
    assert not any(e.signal.startswith("text.") and e.weight > 0 for e in r.evidence)
    assert r.verdict == "benign"
    # the same strings in browser code that writes them into the page are read
    browser = CRAWLER.replace('const puppeteer = require("puppeteer"), fs = require("fs");', "").replace(
        "process.argv.slice(2)", "[]"
    ) + "document.body.innerHTML = keywords.join('<br>');\n"
    g = tmp_path / "kit.js"
    g.write_text(browser)
    assert any(e.signal == "text.infection_claim" for e in scan_path(g).evidence)


GAME = """window.addEventListener('keydown', e => {
  if (e.code === 'Escape') { togglePause(); e.preventDefault(); return; }
  keys[e.code] = true; e.preventDefault();
});
window.addEventListener('keyup', e => { keys[e.code] = false; });
document.addEventListener('fullscreenchange', function() {
  if (document.fullscreenElement) navigator.keyboard.lock(['Escape']);
});
"""


def test_a_game_that_keeps_a_table_of_pressed_keys_is_not_taking_the_keyboard(tmp_path: Path) -> None:
    f = tmp_path / "input.js"
    f.write_text(GAME)
    r = scan_path(f)
    for e in r.evidence:
        if e.signal in ("lockin.key_block", "lockin.keyboard_lock"):
            assert e.strength <= 0.2 and "game" in e.detail
    assert r.verdict == "benign"
    # without the key table (a kit swallowing Esc and locking it) the same calls are lock-in
    kit = tmp_path / "kit.js"
    kit.write_text(GAME.replace("keys[e.code] = true; ", "").replace("keys[e.code] = false; ", ""))
    sig = _signals(scan_path(kit))
    assert sig.get("lockin.keyboard_lock", 0) >= 0.8 and sig.get("lockin.key_block", 0) >= 0.8


# --- packed and hidden numbers ---------------------------------------------------------------------


def test_separator_padded_strings_are_unpadded() -> None:
    code = 'var s="Your_Xq9z|computer_Xq9z|is_Xq9z|infected_Xq9z|with_Xq9z|spyware_Xq9z|call_Xq9z|now";'
    rec = unpack(code)
    assert any("Your computer is infected with spyware call now" in t for t in rec.text)
    assert "separator-padded strings" in rec.packers
    # a literal with a word repeated fewer times is not padding
    assert not unpack('var s="a_foo_b and c_foo_d";').packers


def test_a_number_built_into_the_address_bar_is_a_number_from_the_url() -> None:
    html = """<html><head><title>Defender SmartScreen</title><script>
    var newUrl = location.href + '?' + word + '=1-813 333 9004';
    window.history.replaceState({}, document.title, newUrl);
    </script></head><body oncontextmenu="return false"><h1>Windows Defender</h1>
    <p>Access to this PC has been blocked for security reasons.</p></body></html>"""
    r = scan_html(html, input_name="kit.html")
    ev = [e for e in r.evidence if e.signal == "phone.from_url"]
    assert ev and "1-813 333 9004" in ev[0].excerpt


def test_a_number_in_the_meta_description_is_read() -> None:
    html = """<html><head><title>SYSTEM WARNING</title>
    <meta content="Instant support Call on 1-844-878-2550 for all type of email support" name="description">
    </head><body><div id="app"></div></body></html>"""
    phones = [p.e164 for p in scan_html(html, input_name="seo.html").phones]
    assert "+18448782550" in phones


# --- the corpus pages these generalise from ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("benign/h033_code-puppeteer-scam-crawler-keywords.js", "benign"),
        ("benign/h068_code-game-input-fullscreen-keyboardlock-escape.js", "benign"),
        ("benign/h053_en-scmgalaxy-forum-legit-microsoft-pcsafety-support-number.txt", "suspicious"),
        ("scam/h029_jp-yosshy-kit-esc.js", "scam"),
        ("scam/h051_adultjasmin-defender-smartscreen-url-phone-replacestate.html", "scam"),
        ("scam/h061_en-pastebin-rukZX7eV-rogue-av-advanced-pc-shield-ie-alert.html", "scam"),
    ],
)
def test_corpus_hard_cases(name: str, verdict: str) -> None:
    assert scan_path(require_shared(CORPUS / name)).verdict == verdict


def test_build_page_without_a_name_guesses_by_content() -> None:
    assert build_page("navigator.keyboard.lock();", source="<string>").kind == "text"


# --- titles that are a claim by themselves -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "signal"),
    [
        ("SYSTEM WARNING", "title.alarm"),
        ("WARNING - SECURITY ALERT", "title.alarm"),
        ("Computer Error 2V7HG0TVB", "title.alarm"),
        ("||*_Critical_Error_Detected_0x786x09_Check_System_Now//**||", "title.alarm"),
        ("コンピューターエラー0x800700B7", "title.alarm"),
        ("セキュリティ センター Code0x268d3 サービス", "title.alarm"),
        ("Microsoft Official Support", "title.support_claim"),
    ],
)
def test_an_alarm_or_support_desk_title_is_a_claim(title: str, signal: str) -> None:
    head = f"<html><head><title>{title}</title></head><body><div id=app></div></body></html>"
    r = scan_html(head, input_name="head.html")
    assert signal in _signals(r)
    assert makes_claim(r.evidence)


@pytest.mark.parametrize(
    "title",
    [
        "How to Spot and Avoid Tech Support Scams | Rapid Tech Solutions",
        "Remove the 'SYSTEM WARNING' pop-up - Example IT Blog",
        "暗号とセキュリティ",
        "Remote Computer Support",
        "System Error Codes (0-499) (WinError.h) - Win32 apps | Microsoft Learn",
        "Fix Windows Error 0x80070002",
    ],
)
def test_ordinary_titles_are_no_claim(title: str) -> None:
    r = scan_html(f"<html><head><title>{title}</title></head><body><p>Text.</p></body></html>", input_name="p.html")
    assert not any(e.signal.startswith("title.") for e in r.evidence)


def test_a_support_desk_title_on_the_brands_own_domain_is_not_counted() -> None:
    html = "<html><head><title>Microsoft Support</title></head><body><p>Help articles.</p></body></html>"
    assert "title.support_claim" in _signals(scan_html(html, input_name="x.html"))
    on_own = scan_html(html, "https://support.microsoft.com/ja-jp", input_name="x.html")
    assert "title.support_claim" not in _signals(on_own)
    # a hosting platform under a brand's domain serves anybody's pages: the claim counts there
    google = html.replace("Microsoft Support", "Google Support")
    hosted = scan_html(google, "https://sites.google.com/view/help-desk-7781", input_name="x.html")
    assert "title.support_claim" in _signals(hosted)


def test_an_alarm_title_and_a_toll_free_number_in_a_kit_head_is_a_scam() -> None:
    head = """<html><head><title>SYSTEM WARNING</title>
    <meta name="description" content="Call on 1-844-878-2550 for instant support">
    <link rel="stylesheet" href="css/main.css"></head>"""
    r = scan_html(head, input_name="head.html")
    assert r.verdict == "scam"
    # the number alone (an ordinary title) is not
    plain = head.replace("SYSTEM WARNING", "Email help desk")
    assert scan_html(plain, input_name="head.html").verdict != "scam"


def test_a_saved_copy_of_the_brands_own_support_page_is_not_a_support_claim() -> None:
    html = """<html><head><title>Microsoft Support</title>
    <link rel="canonical" href="https://support.microsoft.com/en-us"></head><body><p>Help articles.</p></body></html>"""
    assert "title.support_claim" not in _signals(scan_html(html, input_name="saved.html"))


def test_a_number_that_lies_about_itself_is_a_claim() -> None:
    # 0101-… written like a domestic free-dial number: an international call to the USA in disguise
    r = scan_html("お使いのパソコンのサポートはこちら 0101-888-365-7259 (フリーダイヤル)", input_name="ja.txt")
    assert "phone.jp_international_disguised" in _signals(r)
    assert makes_claim(r.evidence)
    assert r.verdict == "scam"


@pytest.mark.parametrize(
    "page",
    [
        """<html><head><title>Apple Support</title></head><body><h1>Your Mac has encountered a critical failure</h1>
        <p>Your Mac is infected with 3 viruses. Call Apple Support: +1 (844) 555-0142</p></body></html>""",
        """<html><head><title>Windows</title></head><body><h2>Windows has encountered a critical error</h2>
        <p>Critical failure in the system kernel. Call Microsoft Support now at 1-888-365-7259.</p></body></html>""",
    ],
)
def test_microsoft_and_apple_critical_failure_imitations_are_scams(page: str) -> None:
    r = scan_html(page, input_name="failure.html")
    assert "text.system_damage" in _signals(r)
    assert r.verdict == "scam"


def test_a_brand_alarm_header_and_a_helpline_number_read_from_a_screenshot_is_a_scam() -> None:
    # what OCR read from a rendered fake Defender pop-up (benchmarks/screenshot_eval.py)
    text = "Windows Defender Security Warnin\nB Windows-Helpline | +1-833-701-3362\nWindows Defender SmartScreer\n"
    r = scan_html(text + "Windows Defender Security Warning\n", input_name="ocr.txt")
    assert "text.dont_ignore" in _signals(r)
    assert r.verdict == "scam"
    # the same words on a help page about updates are no alarm
    help_page = "Windows Defender security updates are installed automatically. Call 1-833-701-3362 for help."
    assert "text.dont_ignore" not in _signals(scan_html(help_page, input_name="help.txt"))
