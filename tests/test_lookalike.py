"""Look-alike letters (Unicode TR39 confusables): folded for matching inside mixed-script words, and
a brand or security word spelled with them is evidence in itself."""

from __future__ import annotations

from scamscope.acquire import build_page
from scamscope.scan import scan_html, scan_path
from scamscope.signals import lookalike, scare_text
from scamscope.signals.scare_text import fold_lookalikes, normalise
from tests.conftest import corpus_file

CYR = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "i": "і", "p": "р"})


def _signals(html: str) -> set[str]:
    return {e.signal for e in scan_html(html).evidence}


def test_mixed_script_words_are_folded_for_matching() -> None:
    plain = "Your computer is infected with a virus. Call Microsoft Support now."
    spoofed = plain.translate(CYR)
    assert spoofed != plain and normalise(spoofed) == normalise(plain)
    page = lambda t: build_page(f"<html><body><p>{t}</p></body></html>")  # noqa: E731
    assert {e.signal for e in scare_text.run(page(spoofed)).evidence} == {e.signal for e in scare_text.run(page(plain)).evidence}


def test_text_in_another_script_is_left_alone() -> None:
    for text in ("Привет, это обычная страница о погоде", "Καλημέρα κόσμε", "ウイルス対策ソフト"):
        assert fold_lookalikes(text) == text


def test_spoofed_brand_is_evidence_and_the_page_is_scam() -> None:
    html = ("<html><title>Windows Defender</title><body><h1>Microsoft Defender: Virus detected</h1>"
            "<p>Your PC is infected. Call Microsoft support now: +1-888-555-0100</p></body></html>")
    spoofed = html.replace("Microsoft", "Microsoft".translate(CYR)).replace("Defender", "Defender".translate(CYR))
    r = scan_html(spoofed)
    look = [e for e in r.evidence if e.signal == "brand.lookalike_letters"]
    assert r.verdict == "scam" and look and look[0].weight > 0
    assert {e.excerpt for e in look} == {"Microsoft".translate(CYR), "Defender".translate(CYR)}
    assert "Cyrillic" in look[0].detail
    assert "brand.lookalike_letters" not in _signals(html)


def test_no_evidence_for_ordinary_foreign_text() -> None:
    for text in ("Windows 11 и Microsoft Office: обзор. Защитник Windows — встроенный антивирус. Сор и мусор.",
                 "Windows güvenlik uyarısı: bilgisayarınız kapalı değil", "Το Windows Defender είναι ενεργό"):
        page = build_page(f"<html><body><p>{text}</p></body></html>")
        assert not lookalike.run(page).evidence, text
        assert "брат" in fold_lookalikes("Мой брат и Windows") and fold_lookalikes("Сор и мусор в Windows") == "Сор и мусор в Windows"


def test_real_kit_spelled_with_cyrillic_letters() -> None:
    r = scan_path(corpus_file("316_jp-0xsupport-azure-stripchat-0101-551.html"))
    look = {e.excerpt for e in r.evidence if e.signal == "brand.lookalike_letters"}
    assert r.verdict == "scam" and any(w.translate(scare_text.LOOKALIKE_TABLE) == "Microsoft" for w in look), look


def test_many_mixed_words_fold_in_one_pass() -> None:
    text = ("Місrоsоft " * 200_000)[:1_900_000]
    assert fold_lookalikes(text).startswith("Microsoft Microsoft")
