"""Quotation awareness: scare phrases an article quotes, gives as examples or denies are not read as
the page's own claims; a page cannot hide its own warning by quoting all of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scamscope.acquire import build_page
from scamscope.scan import scan_html, scan_path
from scamscope.signals.scare_text import normalise, quoted_how, scan
from tests.conftest import SEEDS, corpus_file, require_shared

PAGES = Path(__file__).parent / "pages"


def _how(text: str, phrase: str) -> str | None:
    norm = normalise(text)
    i = norm.index(normalise(phrase))
    return quoted_how(norm, i, i + len(normalise(phrase)))


@pytest.mark.parametrize(
    ("text", "phrase", "how"),
    [
        ("画面に「お使いのパソコンはウイルスに感染しています」と表示されても慌てないでください。", "ウイルスに感染しています", "quoted"),
        ("『システムが破損しています』という警告が出ます", "システムが破損しています", "quoted"),
        ("Scammers show pop-ups such as your computer is infected and ask you to call.", "your computer is infected", "example"),
        ("The message said \"Your computer is infected\" and gave a number.", "your computer is infected", "quoted"),
        ("ウイルスに感染しましたのような偽の警告が表示されます", "ウイルスに感染しました", "example"),
        ("ウイルスに感染していますと表示される偽の画面", "ウイルスに感染しています", "example"),
        ("これは偽物で、本当にウイルスに感染している訳ではありません。", "ウイルスに感染", "negated"),
        ("Warning: Your computer is infected with spyware!", "your computer is infected", None),
        ("お使いのコンピューターはウイルスに感染しています。今すぐ電話してください", "ウイルスに感染しています", None),
    ],
)
def test_quoted_example_negated_or_shown(text: str, phrase: str, how: str | None) -> None:
    assert _how(text, phrase) == how


def test_blockquote_in_an_article_is_quoted() -> None:
    article = ("<html><body><h1>How to spot a fake virus warning</h1>"
               + "<p>Fake warnings try to frighten you into calling a phone number. Real security software never asks you to call.</p>" * 4
               + "<blockquote>Your computer is infected with a Trojan virus. Your personal data is at risk.</blockquote>"
               + "<p>Close the browser with Alt+F4 and do not call the number.</p></body></html>")
    signals = {e.signal: e for e in scan(build_page(article))}
    assert "text.infection_claim" not in signals and "text.quoted" in signals
    assert "“" in signals["text.quoted"].excerpt or signals["text.quoted"].excerpt


def test_quoting_a_whole_warning_does_not_hide_it() -> None:
    for name in ("fake-av-scan-ja.html", "fake-defender-en.html"):
        html = (PAGES / "scam" / name).read_text(encoding="utf-8")
        wrapped = re.sub(r"<body([^>]*)>", r"<body\1><blockquote>", html, count=1).replace("</body>", "</blockquote></body>")
        quoted = re.sub(r">([^<>]{6,})<", lambda m: ">「" + m.group(1) + "」<", html)
        assert scan_html(wrapped).verdict == "scam" and scan_html(quoted).verdict == "scam", name


def test_seed_articles_quote_without_being_called_scam() -> None:
    for seed in sorted(require_shared(SEEDS).iterdir()):
        if seed.suffix in (".html", ".txt", ".md"):
            r = scan_path(seed)
            assert r.verdict != "scam", seed.name


@pytest.mark.parametrize("name", [
    "h040_ja-myojo-edge-notification-fake-virus.txt",  # 「ウイルスを削除する」, 本当にウイルスに感染している訳ではありません
    "h058_ja-printmachine-defender-security-center-esc-nagaoshi.txt",
    "h024_en-cybersecuritycenter-defender-security-center-scam.txt",
])
def test_real_awareness_pages_that_quote_are_not_scam(name: str) -> None:
    r = scan_path(corpus_file(name))
    assert r.verdict != "scam" and any(e.signal == "text.quoted" for e in r.evidence)


def test_no_real_scam_page_has_its_claims_set_aside() -> None:
    """On the development corpus no scam page's scare text is taken as quoted (the rule generalises
    from article structure, not from samples)."""
    from tests.conftest import CORPUS

    require_shared(CORPUS / "MANIFEST.tsv")
    flagged = [p.name for p in sorted((CORPUS / "scam").iterdir())
               if any(e.signal == "text.quoted" for e in scan_path(p).evidence)]
    assert not flagged, flagged


def test_a_page_cannot_fake_the_quote_marks() -> None:
    html = (PAGES / "scam" / "fake-av-scan-ja.html").read_text(encoding="utf-8")
    article = "<p>" + "今日は良い天気です。公園を散歩しました。" * 40 + "</p>"
    faked = html.replace("<body>", "<body>" + article + "\ue000", 1).replace("</body>", "\ue001</body>")
    assert "\ue000" in faked
    r = scan_html(faked)
    assert not any(e.signal == "text.quoted" for e in r.evidence)
