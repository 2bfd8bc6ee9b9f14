"""Adversarial inputs through the whole pipeline: every one finishes quickly with a result.

Two of these hung before (quadratic string-literal scanning; quadratic brand-span checks).
"""

from __future__ import annotations

import time

import pytest

from scamscope.scan import scan_bytes

N = 1_900_000  # just under the 2 MB analysis bound

CASES = {
    "unterminated escaped quotes": "<script>var a = '" + "\\'" * (N // 2),
    "unterminated double quotes per line": "<script>" + 'var a = "abc\\"\\"\\" \n' * (N // 20),
    "unterminated template": "<script>`" + "\\`" * (N // 2),
    "brand names": "Microsoft Windows Defender McAfee Norton Apple " * (N // 48),
    "phone numbers": "0101-844-555-0199 " * (N // 18),
    "one long digit run": "8" * N,
    "api calls": "<script>" + "document.documentElement.requestFullscreen();navigator.keyboard.lock();" * (N // 75),
    "attributes": "<div onclick='x()' style='cursor:none' title='Windows Defender'>a</div>" * (N // 70),
    "tel links": "<a href='tel:0101844555'>x</a>" * (N // 32),
    "url parameters": "<a href='https://x.test/?phone=18885550100&n=MTg4ODU1NTAxMDA='>x</a>" * (N // 70),
    "scare phrases": "ウイルスに感染しています。今すぐ電話してください。" * (N // 72),
    "comments": "<!-- <div>ウイルス</div> -->" * (N // 30),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_input_is_bounded(name: str) -> None:
    data = CASES[name].encode("utf-8")
    t = time.perf_counter()
    r = scan_bytes(data, input_name=name)
    elapsed = time.perf_counter() - t
    assert r.error is None and r.verdict in ("scam", "suspicious", "benign")
    assert elapsed < 5, f"{name}: {elapsed:.1f}s"
