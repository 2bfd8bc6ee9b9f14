"""Phone-number intelligence: disguises, labels, obfuscation, URL-borne numbers, false hits, speed."""

from __future__ import annotations

import base64
import statistics
import time

import pytest

from scamscope.acquire import build_page, page_from_file
from scamscope.data import load
from scamscope.phones import (
    MAX_CANDIDATES,
    classify,
    explain_text,
    find_phone_hits,
    find_phones,
    is_suspicious,
    phones_in_code,
    phones_in_links,
    phones_in_url,
    script_literal_hits,
)
from scamscope.signals import phones as signal
from scamscope.types import Phone
from tests.conftest import corpus_file, corpus_rows, from_earlier_holdout

SIGNALS = {
    "phone.present",
    "phone.jp_international_disguised",
    "phone.us_toll_free",
    "phone.ip_050",
    "phone.toll_free_label_mismatch",
    "phone.obfuscated",
    "phone.from_url",
    "phone.tel_link",
    "phone.foreign_for_language",
    "phone.placeholder",
    "phone.call_prompt",
}


def one(text: str, language: str | None = "ja", where: str = "text") -> Phone:
    phones = find_phones(text, language=language, where=where)
    assert len(phones) == 1, phones
    return phones[0]


def signals_of(obs) -> dict[str, float]:
    return {e.signal: e.strength for e in obs.evidence}


# --- the 0101 disguise and other international prefixes ---------------------------------------


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("直接お電話ください (0101) 213 394 2928", "+12133942928"),
        ("Windows サポート 0101-888-365-7259", "+18883657259"),
        ("サポートに電話する: 0101 501 859 9189", "+15018599189"),
        ("電話 (0101)38524-02297", "+13852402297"),  # odd split: 38524-02297 = 385-240-2297
        ("電話 0101-50575-56579", "+15057556579"),
        ("電話 0101-82 8237 4943", "+18282374943"),
        ("電話 010-1-213-394-2928", "+12133942928"),
    ],
)
def test_0101_is_an_international_call_to_the_usa(text: str, e164: str) -> None:
    p = one(text)
    assert p.e164 == e164
    assert p.region == "US"
    assert {"jp_international_disguised", "international_prefix", "foreign_for_language"} <= set(p.flags)
    assert "010" in p.explanation and "USA/Canada" in p.explanation
    assert is_suspicious(p)


def test_010_with_another_country_code_names_that_country() -> None:
    p = one("お電話ください 010 44 20 3286 0414")
    assert p.e164 == "+442032860414"
    assert p.region == "GB"
    assert "jp_international_disguised" in p.flags
    assert "44" in p.explanation and "UK" in p.explanation


def test_01_0120_disguise_mimicking_free_dial_is_international() -> None:
    p = one("フリーダイヤル (01)0120 555 12345")
    assert p.e164 is not None and p.e164.startswith("+1")
    assert "jp_international_disguised" in p.flags


def test_0101_on_an_english_page_is_still_the_japanese_disguise() -> None:
    p = one("Call support 0101-844-413-3045", language="en")
    assert p.e164 == "+18444133045"
    assert "jp_international_disguised" in p.flags


def test_page_that_explains_an_international_call_is_not_a_disguise() -> None:
    p = one("海外からの国際電話: 010-1-213-394-2928")
    assert "international_prefix" in p.flags
    assert "jp_international_disguised" not in p.flags


@pytest.mark.parametrize("text", ["電話 0033-010-1-213-394-2928", "電話 001-010-1-213-394-2928", "電話 001-1-213-394-2928"])
def test_japanese_carrier_prefixes_before_the_international_call(text: str) -> None:
    p = one(text)
    assert p.e164 == "+12133942928"
    assert {"international_prefix", "jp_international_disguised"} <= set(p.flags)


def test_00_prefix_on_a_european_page_is_an_international_call() -> None:
    p = one("Chiama subito il supporto 00-1-208-391-7628", language="it")
    assert p.e164 == "+12083917628"
    assert "international_prefix" in p.flags
    assert "foreign_for_language" in p.flags
    assert "jp_international_disguised" not in p.flags


# --- 050, free-dial labels, toll free ----------------------------------------------------------------


def test_050_is_a_japanese_ip_phone() -> None:
    p = one("直接電話してください 050 5437 7756")
    assert p.e164 == "+815054377756"
    assert p.type == "voip"
    assert "jp_ip_phone_050" in p.flags
    assert "IP phone" in p.explanation


def test_050_written_with_plus81_is_still_050() -> None:
    p = one("+81 50 5479 1386 (日本フリーダイヤル)")
    assert "jp_ip_phone_050" in p.flags
    assert "toll_free_label_mismatch" in p.flags


@pytest.mark.parametrize(
    "text",
    [
        "フリーダイヤル 050-5479-2267",
        "(050) 5479-2267 (無料通話)",
        "0101-888-365-7259 (日本国内無料電話)",
        "通話無料：03-1234-5678",
        "Toll free: 020 3286 0414",
        "Security TollFree 020-3286-0414",
    ],
)
def test_free_label_on_a_number_that_is_not_free(text: str) -> None:
    lang = "en" if "oll" in text else "ja"
    p = one(text, language=lang)
    assert "toll_free_label_mismatch" in p.flags
    assert "labelled free" in p.explanation


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("フリーダイヤル 0120-561-099", "ja"),
        ("フリーダイヤル 0800-123-4567", "ja"),
        ("Call toll free 1-888-365-7259", "en"),
        ("LINEで無料相談\n📞 090-8068-8527", "ja"),  # 無料相談 = free consultation, not a free call
        ("無料相談はお電話で 06-4400-4323", "ja"),
    ],
)
def test_free_label_on_a_free_number_or_about_something_else_is_fine(text: str, lang: str) -> None:
    p = one(text, language=lang)
    assert "toll_free_label_mismatch" not in p.flags


def test_us_toll_free_on_an_english_page() -> None:
    p = one("Call Microsoft Support now: 1-888-365-7259", language="en")
    assert p.e164 == "+18883657259"
    assert p.region == "US"
    assert p.type == "toll_free"
    assert {"us_toll_free", "toll_free", "call_prompt"} <= set(p.flags)
    assert "foreign_for_language" not in p.flags


@pytest.mark.parametrize("text", ["(844) 569-6030", "+1 (844) 569-6030", "1-844-569-6030", "+1844-569-6030"])
def test_nanp_formats_on_an_english_page(text: str) -> None:
    p = one(f"Call {text}", language="en")
    assert p.e164 == "+18445696030"
    assert "us_toll_free" in p.flags


def test_us_number_on_a_japanese_page_is_foreign() -> None:
    p = one("サポートに電話: 1-888-365-7259")
    assert p.region == "US"
    assert "foreign_for_language" in p.flags


def test_uk_number_on_a_japanese_page_is_foreign() -> None:
    p = one("今すぐ電話 +44 20 3286 0414")
    assert p.region == "GB"
    assert "foreign_for_language" in p.flags


@pytest.mark.parametrize(
    ("text", "e164", "type_"),
    [
        ("電話 03-1234-5678", "+81312345678", "fixed_line"),
        ("TEL.06-4400-4323", "+81644004323", "fixed_line"),
        ("フリーダイヤル 0120-123-456", "+81120123456", "toll_free"),
        ("携帯 090-3204-0515", "+819032040515", "mobile"),
        ("電話番号 09096723745", "+819096723745", "mobile"),
        ("電話：０３－１２３４－５６７８", "+81312345678", "fixed_line"),
    ],
)
def test_ordinary_japanese_numbers_are_not_suspicious(text: str, e164: str, type_: str) -> None:
    p = one(text)
    assert p.e164 == e164
    assert p.type == type_
    assert p.region == "JP"
    assert not is_suspicious(p), p.flags


# --- full width, obfuscation ------------------------------------------------------------------------


def test_full_width_digits_are_normalised() -> None:
    p = one("お電話ください ０１０１－８４４－４１３－３０４５")
    assert p.e164 == "+18444133045"
    assert "full_width" in p.flags
    assert "jp_international_disguised" in p.flags


def test_katakana_long_mark_used_as_a_dash() -> None:
    assert one("電話 03ー1234ー5678").e164 == "+81312345678"


@pytest.mark.parametrize(
    "text",
    [
        "Call 1 - { 8 8 8 } - ( 8 3 9 ) - 1 2 3 4 now",
        "call +1-8OO-839-1234",
        "Call 1.8.8.8.8.3.9.1.2.3.4",
        "Call 1 8 8 8 8 3 9 1 2 3 4 for support",
        "Call 1-888\u200b-839-1234",
    ],
)
def test_obfuscated_numbers_are_recognised_and_flagged(text: str) -> None:
    p = one(text, language="en")
    assert p.e164 in ("+18888391234", "+18008391234")
    assert "obfuscated" in p.flags


def test_spaced_digits_without_a_phone_word_are_not_a_number() -> None:
    assert find_phones("Results: 1 2 3 4 5 6 7 8 9 10 11 12", language="en") == []


# --- placeholders ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["電話 99999999999", "Windows Defender ヘルプライン (050) 0000 0000", "call 0000000000", "Call 123-456-7890", "+1-000-000-0000"],
)
def test_placeholders_are_kept_and_flagged(text: str) -> None:
    p = one(text, language="en" if "all" in text else "ja")
    assert "placeholder" in p.flags
    assert p.e164 is None
    assert is_suspicious(p)


def test_written_placeholder_template() -> None:
    phones = find_phones("Please contact to windows help center at +1 XXX XXX XXXX.", language="en")
    assert [p.flags for p in phones] == [("placeholder",)]


def test_form_input_placeholder_is_not_a_kit_template() -> None:
    html = '<html><body><form><input type="tel" name="phone" placeholder="092-000-0000"></form>お問い合わせ</body></html>'
    obs = signal.run(build_page(html))
    assert "phone.placeholder" not in signals_of(obs)


# --- not phone numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "更新日 2024-05-12 10:30",
        "Updated 12/05/2024 and 2024/05/12",
        "〒123-4567 東京都千代田区1-2-3",
        "郵便番号 100-0001",
        "価格 ¥12,800 (税込 14,080円)",
        "Total: $1,299.99 or 3 x $433.33",
        "注文番号 12345678901",
        "version 10.0.19041.1 build 2024",
        "Error code 0x80070005 and 0x800700B7",
        "color: #ff00aa; width: 1234567px",
        "Server 192.168.100.200 port 8080",
        "pi = 3.14159265358979",
        "coordinates 35.6895123, 139.6917456",
        "Pages 2520--2525, (1969/1982)",
        "Visitors 12345678",
        "法人番号 6120001271738",
        "人口 1,234,567 人",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert find_phones(text, language="ja") == []
    assert find_phones(text, language="en") == []


def test_script_strings_need_phone_formatting_or_a_phone_word() -> None:
    code_strings = "translate(1234567890)\nid 12345678901\nM10 20 30 40 50 60 70 80\nrgba(12 34 56 78)"
    assert find_phones(code_strings, language="en", where="script") == []
    p = one("Call Microsoft Support 8445696030", language="en", where="script")
    assert p.e164 == "+18445696030"
    assert p.where == "script"


def test_hostile_inputs_never_crash() -> None:
    for text in ["", "0", "+", "(((((", "0" * 5000, "1-" * 5000, "０" * 300, "+\u200b1", "tel:", "?phone=", "\ud800"]:
        find_phones(text)
        explain_text(text)
        phones_in_links([text, "tel:" + text, "https://x/?phone=" + text])


# --- dedup and bounds -----------------------------------------------------------------------------------


def test_same_number_is_reported_once_with_the_first_raw_form() -> None:
    text = "電話 03-1234-5678\nTEL 03 1234 5678\nお電話 (03) 1234-5678"
    phones = find_phones(text, language="ja")
    assert len(phones) == 1
    assert phones[0].raw == "03-1234-5678"


def test_same_number_in_text_and_script_is_one_per_place() -> None:
    html = (
        "<html><body><p>お電話ください 050-5437-7756</p><p>TEL 050 5437 7756</p>"
        "<script>var msg = 'お電話ください 050-5437-7756';</script></body></html>"
    )
    obs = signal.run(build_page(html))
    keys = [(p.e164, p.where) for p in obs.phones]
    assert sorted(keys) == [("+815054377756", "script"), ("+815054377756", "text")]


def test_huge_text_is_bounded_and_fast() -> None:
    chunk = "電話 03-1234-5678 価格 12,345円 2024-05-12 0x1F 1 2 3 4 5 6 7 8 9 "
    text = chunk * (2_000_000 // len(chunk))
    start = time.perf_counter()
    hits = find_phone_hits(text, language="ja")
    assert time.perf_counter() - start < 2.0
    assert len(hits) <= MAX_CANDIDATES
    noisy = " ".join(f"0{i:09d}" for i in range(50_000))  # distinct 10-digit runs
    start = time.perf_counter()
    find_phone_hits(noisy, language="ja")
    assert time.perf_counter() - start < 2.0


# --- links and URLs -----------------------------------------------------------------------------------


def test_tel_links() -> None:
    phones = phones_in_links(["https://example.com/", "tel:+1-888-365-7259", "tel:0120123456", "tel:+18883657259"], language="en")
    assert [(p.e164, p.where) for p in phones] == [("+18883657259", "tel_link"), ("+81120123456", "tel_link")]
    assert all("tel_link" in p.flags for p in phones)


@pytest.mark.parametrize(
    "url",
    [
        "https://kit.example/index.html?phone=%2B1-888-365-7259",
        "https://kit.example/?clickid=9&ph0n=18883657259",
        "https://kit.example/?Anph=1-888-365-7259",
        "https://kit.example/?tel=+18883657259",
        "https://kit.example/?n=" + base64.b64encode(b"+18883657259").decode(),
        "https://kit.example/?n=" + base64.urlsafe_b64encode(b"1-888-365-7259").decode().rstrip("="),
        "https://kit.example/#+18883657259",
        "https://kit.example/#phone=18883657259",
    ],
)
def test_numbers_passed_in_url_parameters(url: str) -> None:
    phones = phones_in_url(url, language="en")
    assert [p.e164 for p in phones] == ["+18883657259"]
    assert "from_url_param" in phones[0].flags
    assert phones[0].where == "url_param"


def test_ordinary_url_parameters_are_not_phones() -> None:
    assert phones_in_url("https://blog.example/?p=12345678&page=2&id=99887766554", language="en") == []
    assert phones_in_url("https://x.example/?n=aGVsbG8gd29ybGQ=", language="en") == []  # base64 of text
    chat = ["https://api.whatsapp.com/send?phone=819012345678", "https://wa.me/?phone=18883657259"]
    assert phones_in_links(chat, language="ja") == []  # click-to-chat, not a number passed to a kit


def test_page_url_query_is_read_by_the_signal() -> None:
    page = build_page("<html><body>Windows サポート</body></html>", url="https://k.example/?ph0n=0101-844-413-3045")
    obs = signal.run(page)
    found = signals_of(obs)
    assert "phone.from_url" in found
    assert "phone.jp_international_disguised" in found


@pytest.mark.parametrize(
    "code",
    [
        "function getVariableFromURl(n0me){var r=new RegExp('[\\\\?&]'+n0me+'=([^&#]*)');var x=r.exec(window.location.href);"
        "return x?x[1]:''}\nvar ph0ne = getVariableFromURl('ph0ne');",
        "const params = new URLSearchParams(location.search); const num = params.get('phone');",
        "function q(n){return (RegExp(n+'='+'(.+?)(&|$)').exec(location.search)||[,null])[1]||''}\nvar bcda = q('bcda');",
        "var x = function(a){ return new URL(location.href).searchParams.get(a) }; window.Anph = x('Anph');",
        "var phone = atob(window.location.hash.slice(1)); document.write(phone);",
        "function p(n){return new URLSearchParams(location.search).get(n)}\nvar supportPhone = p('x');",
    ],
)
def test_code_reading_the_phone_from_the_url(code: str) -> None:
    ev = phones_in_code(code)
    assert [e.signal for e in ev] == ["phone.from_url"]
    assert 0 < ev[0].strength <= 1
    assert ev[0].source == "script"


@pytest.mark.parametrize(
    "code",
    [
        "var phone = document.getElementById('phone'); if (location.search) { go(); }",
        "var page = getParam('page'); var u = location.href;",
        "var phone = '03-1234-5678';",  # a number, but not from the URL
    ],
)
def test_code_not_reading_a_phone_from_the_url(code: str) -> None:
    assert phones_in_code(code) == []


def test_script_literal_written_into_the_page_takes_its_label_from_there() -> None:
    html = (
        "<script>var phone_number = '0101-888-365-7259';</script>"
        "<strong>Windows サポートに電話する: <script>document.write(phone_number);</script> (日本国内無料電話)</strong>"
    )
    hits = script_literal_hits("var phone_number = '0101-888-365-7259';", language="ja", html=html)
    assert len(hits) == 1
    p = hits[0].phone
    assert p.where == "script"
    assert {"jp_international_disguised", "toll_free_label_mismatch", "call_prompt"} <= set(p.flags)
    assert hits[0].shown


def test_script_literals_that_are_not_phones() -> None:
    code = "var a = '2024-05-12'; var v = '1.2.3'; var z = '1234567'; var n = '12345678901';"
    assert script_literal_hits(code, language="en") == []


# --- the signal ---------------------------------------------------------------------------------------


def test_signal_on_a_kit_page() -> None:
    html = """<html><head><title>Windows Defender</title>
    <script>function g(n){var r=new RegExp('[\\\\?&]'+n+'=([^&#]*)');var x=r.exec(location.href);return x?x[1]:''}
    var ph0ne = g('ph0ne');</script></head>
    <body><p>セキュリティ上の理由によりブロックされています</p>
    <p>直接お電話ください (0101) 213 394 2928 (フリーダイヤル)</p>
    <p>Windows サポート 050-5437-7756</p>
    <a href="tel:0101-213-394-2928">電話</a></body></html>"""
    obs = signal.run(build_page(html))
    found = signals_of(obs)
    assert {
        "phone.present",
        "phone.jp_international_disguised",
        "phone.toll_free_label_mismatch",
        "phone.ip_050",
        "phone.foreign_for_language",
        "phone.from_url",
        "phone.tel_link",
        "phone.call_prompt",
    } <= set(found)
    assert set(found) <= SIGNALS
    names = [e.signal for e in obs.evidence]
    assert len(names) == len(set(names)), "each signal at most once per page"
    for e in obs.evidence:
        assert 0 < e.strength <= 1
        assert e.detail and e.source
        assert len(e.excerpt) <= 80 + 30
    assert found["phone.call_prompt"] == 1.0


def test_signal_on_an_ordinary_japanese_company_page() -> None:
    html = """<html><body><h1>会社概要</h1><table>
    <tr><th>電話番号</th><td>03-3495-6471（平日 9:00〜18:00）</td></tr>
    <tr><th>FAX</th><td>03-3495-6472</td></tr>
    <tr><th>郵便番号</th><td>〒140-0001</td></tr><tr><th>設立</th><td>2001-04-01</td></tr>
    <tr><th>資本金</th><td>10,000,000円</td></tr></table>
    <a href="tel:0334956471">お電話でのお問い合わせ</a></body></html>"""
    obs = signal.run(build_page(html))
    assert [p.e164 for p in obs.phones if p.where == "text"] == ["+81334956471"]
    assert set(signals_of(obs)) <= {"phone.present", "phone.tel_link", "phone.call_prompt"}
    assert not any(is_suspicious(p) for p in obs.phones)


def test_signal_on_a_page_without_numbers() -> None:
    obs = signal.run(build_page("<html><body><p>Hello 2024</p></body></html>"))
    assert obs.evidence == [] and obs.phones == []


def test_explain_text_for_the_cli() -> None:
    phones = explain_text("0101-844-555-0199")
    assert len(phones) == 1
    p = phones[0]
    assert p.e164 == "+18445550199"
    assert "jp_international_disguised" in p.flags
    assert p.explanation.startswith("0101 = Japan's international call prefix 010 + country code 1 (USA/Canada)")
    assert explain_text("no numbers here") == []
    both = explain_text("050-5437-7756 and tel:+18883657259 and https://k.example/?phone=18443334444")
    assert {p.where for p in both} == {"text", "tel_link", "url_param"}


def test_classify_api() -> None:
    p = classify("050-5479-2267", language="ja", context=("フリーダイヤル ", ""))
    assert p is not None and "toll_free_label_mismatch" in p.flags
    assert classify("12", language="ja") is None
    assert p.to_dict()["flags"] == list(p.flags)


def test_every_flag_is_documented_in_the_data_file() -> None:
    data = load("phones")
    assert data["provenance"]
    documented = set(data["flags"])
    samples = [
        "お電話ください (0101) 213 394 2928 (フリーダイヤル)",
        "Call 1 - { 8 8 8 } - ( 8 3 9 ) - 1 2 3 4",
        "０５０－５４３７－７７５６",
        "call 99999999999",
        "(0101)20972-042525 電話",
        "0120-123-456",
    ]
    flags = {f for s in samples for p in explain_text(s, language="ja") for f in p.flags}
    flags |= {f for p in phones_in_links(["tel:0312345678", "https://x/?phone=0312345678"]) for f in p.flags}
    assert flags <= documented
    assert {"jp_international_disguised", "obfuscated", "placeholder", "tel_link", "from_url_param"} <= flags


# --- real corpus samples ----------------------------------------------------------------------------------


def test_corpus_0101_kit() -> None:
    page = page_from_file(corpus_file("101_jp-ikukorokuta-gpdalware-helpdesk-0101-213.php.html"))
    obs = signal.run(page)
    assert any(p.e164 == "+12133942928" and "jp_international_disguised" in p.flags for p in obs.phones)
    found = signals_of(obs)
    assert {"phone.jp_international_disguised", "phone.call_prompt", "phone.from_url"} <= set(found)


def test_corpus_050_kit_reading_ph0n() -> None:
    page = page_from_file(corpus_file("303_jp-fakevirus-defender-smartscreen-050.html"))
    obs = signal.run(page)
    assert any(p.e164 == "+815054377756" and "jp_ip_phone_050" in p.flags for p in obs.phones)
    found = signals_of(obs)
    assert {"phone.ip_050", "phone.from_url", "phone.call_prompt"} <= set(found)
    assert "ph0n" in next(e for e in obs.evidence if e.signal == "phone.from_url").detail


def test_corpus_number_kept_in_a_script_variable_with_a_free_label() -> None:
    page = page_from_file(corpus_file("102_jp-ikukorokuta-xpdalware-stripchatjp-close-site-0101-888.php.html"))
    found = signals_of(signal.run(page))
    assert {"phone.jp_international_disguised", "phone.toll_free_label_mismatch"} <= set(found)


def test_corpus_050_labelled_free_call() -> None:
    page = page_from_file(corpus_file("110_jp-msonlineco-gu170410jp-porn-lure-win-security-050-lucy-chatbot.html"))
    found = signals_of(signal.run(page))
    assert {"phone.ip_050", "phone.toll_free_label_mismatch"} <= set(found)


def test_corpus_number_in_the_url_of_a_saved_copy() -> None:
    page = page_from_file(corpus_file("383_en-27june-get-help-desk-01u2e1-855-657.html"))
    obs = signal.run(page)
    assert any(p.e164 == "+18556575850" and "from_url_param" in p.flags for p in obs.phones)
    assert "phone.from_url" in signals_of(obs)


def test_corpus_placeholder_050_realm() -> None:
    page = page_from_file(corpus_file("109_jp-msonlineco-basicauth-realm-defender-helpline-050.php.txt"))
    assert "phone.placeholder" in signals_of(signal.run(page))


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("119_ja-seika-shoji-tokutei-phone.html", {"+819096723745"}),
        ("131_ja-shinsei-gaiyou-oldstyle-phones.html", {"+81462453311", "+81463242678", "+81465744141"}),
    ],
)
def test_corpus_ordinary_japanese_numbers(name: str, numbers: set[str]) -> None:
    obs = signal.run(page_from_file(corpus_file(name)))
    assert numbers <= {p.e164 for p in obs.phones}
    assert not any(is_suspicious(p) for p in obs.phones), [p for p in obs.phones if is_suspicious(p)]
    assert set(signals_of(obs)) <= {"phone.present", "phone.tel_link", "phone.call_prompt"}


def test_corpus_benign_pages_never_get_the_strong_phone_flags(corpus) -> None:
    """Benign pages that show numbers. The earlier hold-out's awareness texts quote real scam numbers
    (a quoted 0101 number is still a disguised international one): telling quoted from shown is
    issue 10's quotation awareness, so they are left out here."""
    strong = {"phone.jp_international_disguised", "phone.obfuscated", "phone.toll_free_label_mismatch", "phone.from_url"}
    for row in corpus_rows():
        if row["label"] != "benign" or from_earlier_holdout(row["file"]):
            continue
        found = set(signals_of(signal.run(page_from_file(corpus / "benign" / row["file"]))))
        assert not found & strong, (row["file"], found & strong)


def test_corpus_every_0101_kit_is_caught(corpus) -> None:
    # kits whose file name or notes name a 0101 number (not those whose notes say they show another number instead)
    rows = [r for r in corpus_rows() if r["label"] == "scam" and "0101" in (r["file"] + r["notes"]) and "instead of 0101" not in r["notes"]]
    assert rows
    missed = [
        r["file"]
        for r in rows
        if "phone.jp_international_disguised" not in signals_of(signal.run(page_from_file(corpus / "scam" / r["file"])))
    ]
    assert missed == []


def test_corpus_signal_speed(corpus) -> None:
    pages = [page_from_file(corpus / r["label"] / r["file"]) for r in corpus_rows()]
    for page in pages[:5]:
        signal.run(page)  # warm up metadata loading
    times = []
    for page in pages:
        start = time.perf_counter()
        signal.run(page)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.003, f"p50 {statistics.median(times) * 1e3:.2f} ms"
