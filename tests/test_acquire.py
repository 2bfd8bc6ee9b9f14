"""Acquisition: content sniffing, encodings, page parts, and bounded work on hostile markup."""

from __future__ import annotations

import time

import pytest

from scamscope.acquire import (
    MAX_BYTES,
    AcquireError,
    build_page,
    guess_kind,
    page_from_bytes,
    page_from_file,
    script_strings,
)

WARNING_JA = "お使いのコンピューターはウイルスに感染しています"


def test_shift_jis_declared() -> None:
    html = f"<html><head><meta charset='Shift_JIS'><title>警告</title></head><body>{WARNING_JA}</body></html>"
    page = page_from_bytes(html.encode("cp932"))
    assert page.encoding == "cp932"
    assert WARNING_JA in page.text
    assert page.title == "警告"
    assert page.language == "ja"


def test_euc_jp_undeclared_is_detected() -> None:
    html = f"<html><body>{WARNING_JA}。今すぐ電話してください</body></html>"
    page = page_from_bytes(html.encode("euc_jp"))
    assert page.encoding.startswith("euc")
    assert WARNING_JA in page.text


def test_utf8_with_bom_and_wrong_declaration() -> None:
    html = f"<html><head><meta charset='iso-8859-1'></head><body>{WARNING_JA}</body></html>"
    page = page_from_bytes(b"\xef\xbb\xbf" + html.encode("utf-8"))
    assert WARNING_JA in page.text


def test_invalid_bytes_never_fail() -> None:
    page = page_from_bytes(b"<html><body>\xff\xfe\xfa call \xc3\x28 now \x80\x81</body></html>")
    assert "call" in page.text and "now" in page.text


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "JPEG image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "WebP image"),
        (b"PK\x03\x04" + b"\x00" * 64, "ZIP archive"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "PDF"),
        (b"MZ\x90\x00" + b"\x00" * 64, "Windows executable"),
        (bytes(range(256)) * 8, "binary file"),
    ],
)
def test_binary_content_is_refused_by_content(data: bytes, what: str) -> None:
    """Recognised by content; images go to OCR, which refuses these broken ones, naming the kind."""
    with pytest.raises(AcquireError, match=what):
        page_from_bytes(data)


def test_renamed_zip_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "page.html"
    f.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x01" * 200)
    with pytest.raises(AcquireError, match="ZIP"):
        page_from_file(f)


@pytest.mark.parametrize(("make", "message"), [("missing", "no such file"), ("dir", "directory"), ("empty", "empty")])
def test_unreadable_paths(tmp_path, make: str, message: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x.html"
    if make == "dir":
        target.mkdir()
    elif make == "empty":
        target.write_bytes(b"")
    with pytest.raises(AcquireError, match=message):
        page_from_file(target)


def test_huge_page_is_bounded_and_marked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "big.html"
    with f.open("wb") as fh:
        fh.write(f"<html><body><p>{WARNING_JA}</p>".encode())
        chunk = b"<p>filler text for a very large page</p>\n" * 25_000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    t = time.perf_counter()
    page = page_from_file(f)
    assert time.perf_counter() - t < 10
    assert page.truncated
    assert page.byte_size >= 50 * 1024 * 1024
    assert WARNING_JA in page.text
    assert any("first" in n for n in page.notes)
    assert len(page.html) <= MAX_BYTES


@pytest.mark.parametrize(
    "markup",
    [
        "<html><body>" + "<div>" * 100_000 + WARNING_JA + "</div>" * 100_000,
        "<div><b>" * 100_000 + WARNING_JA,
        "<span>" * 100_000 + WARNING_JA,
    ],
)
def test_deep_nesting_is_read_flat_within_seconds(markup: str) -> None:
    t = time.perf_counter()
    page = build_page(markup)
    assert time.perf_counter() - t < 5
    assert WARNING_JA in page.text
    assert any("nested" in n for n in page.notes)


def test_moderate_nesting_uses_the_tree() -> None:
    page = build_page("<div>" * 500 + "<script>var a = 'x'</script>hello" + "</div>" * 500)
    assert page.text == "hello"
    assert not page.notes


def test_parts_of_an_html_page() -> None:
    html = """<html><head><title> Alert </title><style>body{cursor:none}</style></head>
    <body onload="go()"><p>Visible <b>text</b></p><img alt="Windows Defender logo" src="d.png">
    <a href="tel:+1-888-555-0100">call</a>
    <script>el.innerHTML = '<h1>Your computer is infected</h1>'; var s = "\\u30a6\\u30a4\\u30eb\\u30b9";</script>
    <!-- <div>commented-out warning text</div> -->
    <form action="/pay"><input name="cardnumber" placeholder="Card number"></form></body></html>"""
    page = build_page(html, url="https://example.test/a")
    assert page.title == "Alert"
    assert "Visible" in page.text and "text" in page.text
    assert "Windows Defender logo" in page.text
    assert "innerHTML" not in page.text  # code is not visible text
    assert "Your computer is infected" in page.strings
    assert "ウイルス" in page.strings  # \u escapes decoded
    assert "commented-out warning text" in page.strings
    assert "cursor:none" in page.script_text.replace(" ", "")
    assert "onload=go()" in page.script_text
    assert "tel:+1-888-555-0100" in page.links
    assert page.forms and "cardnumber" in page.forms[0]["inputs"][0]


def test_kinds_are_sniffed_by_content() -> None:
    assert guess_kind("<!doctype html><html><body>x</body></html>") == "html"
    assert guess_kind("<?php header('x'); ?>\n<html><body>x</body></html>") == "html"
    assert guess_kind("const a = 1;\nfunction f() { document.title = 'x'; }\nwindow.onload = f;") == "script"
    assert guess_kind("import React from 'react';\nexport default function A() { return <div>x</div>; }") == "script"
    assert guess_kind("Just some words a person copied from a screen.") == "text"


def test_script_strings_skip_code_noise() -> None:
    out = script_strings("var a = 'ab'; var b = '12'; var c = \"#fff\"; x('お電話ください');")
    assert "お電話ください" in out
    assert "12" not in out.split("\n")


def test_hostile_script_strings_are_linear() -> None:
    t = time.perf_counter()
    build_page("<script>" + "'a\\'" * 400_000 + "</script>")
    build_page("<script>var a='" + "A" * 1_900_000 + "';</script>")
    assert time.perf_counter() - t < 5


def test_valueless_attributes() -> None:
    page = build_page('<html><body><input type value="Call now"><button aria-label>x</button><a href>y</a></body></html>')
    assert "Call now" in page.text
    assert not page.notes
