"""Fuzzing the static analysis with hostile input (hypothesis): page building from bytes, HTML, JS
and text, phone extraction, every signal, the OCR-text path and the scoring of a live capture.

Properties: nothing raises (bad input gives an AcquireError with a one-line message, or a result),
no signal fails, and every example finishes within a time bound. The regression corpus
(tests/fuzz_corpus/pathological.toml) runs every time, each input at ~300 KB through the whole
analysis in a killable worker, within its own bound: the quadratic cases it records took minutes.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscope import phones
from scamscope.acquire import AcquireError, build_page, page_from_bytes, script_strings
from scamscope.bounded import StaticPool
from scamscope.live.capture import Capture
from scamscope.live.page import page_from_capture
from scamscope.scan import observe, scan_page
from tests.fuzzing import CORPUS_BOUND_S, Spec, bounded, corpus, hostile_text

_ENCODINGS = ("utf-8", "shift_jis", "euc_jp", "iso2022_jp", "utf-16", "cp1252")


def _page_checks(page: object) -> None:
    obs, notes = observe(page)  # type: ignore[arg-type]
    assert not [n for n in notes if "failed" in n], notes
    result = scan_page(page)  # type: ignore[arg-type]
    assert result.verdict in ("scam", "suspicious", "benign") and 0.0 <= (result.score or 0.0) <= 1.0


@given(st.one_of(st.binary(max_size=3000), st.tuples(hostile_text, st.sampled_from(_ENCODINGS)).map(lambda t: t[0].encode(t[1], "replace"))))
def test_bytes_give_a_page_or_a_one_line_error(data: bytes) -> None:
    with bounded(what=data):
        try:
            page = page_from_bytes(data, source="fuzz")
        except AcquireError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        _page_checks(page)


@given(hostile_text, st.sampled_from([None, "html", "script", "text"]))
def test_every_signal_on_hostile_markup_script_and_text(text: str, kind: str | None) -> None:
    with bounded(what=text):
        page = build_page(text, source="fuzz", url="https://evil.example/", kind=kind)  # type: ignore[arg-type]
        _page_checks(page)


@given(hostile_text)
def test_script_strings(code: str) -> None:
    with bounded(what=code):
        out = script_strings(code)
        assert isinstance(out, str) and len(out) <= len(code) * 2 + 1


@given(hostile_text, st.sampled_from([None, "ja", "en", "de"]))
def test_phone_extraction(text: str, language: str | None) -> None:
    with bounded(what=text):
        for hit in phones.find_phone_hits(text, language=language):
            assert hit.phone.raw
        phones.explain_text(text, language=language)
        phones.script_literal_hits(text, language=language, html=text)
        phones.phones_in_code(text)
        phones.phones_in_links([text, "https://x.example/?phone=" + text[:200]], language=language)


@given(hostile_text)
def test_recognised_text_of_a_screenshot(text: str) -> None:
    """The OCR path without Tesseract: what it recognised is scored as the page's visible text."""
    with bounded(what=text):
        page = build_page(text or " ", source="shot.png", kind="image")
        page.ocr_text = text
        _page_checks(page)


_EVENT_TYPES = (
    "dialog", "fullscreen", "fullscreen_churn", "history", "keyboard_lock", "pointer_lock", "print", "speech",
    "title_change", "window_open", "worker", "oscillator", "object_url", "console_clear", "push_subscribe", "audio",
)  # fmt: skip
_values = st.one_of(hostile_text, st.integers(-(2**70), 2**70), st.none(), st.booleans(), st.floats())
_events = st.lists(
    st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(_EVENT_TYPES), hostile_text), "detail": st.dictionaries(hostile_text, _values, max_size=6)},
        optional={"doc": hostile_text, "t": _values, "top": _values},
    ),
    max_size=20,
)


@given(hostile_text, hostile_text, st.lists(hostile_text, max_size=5), _events)
def test_scoring_a_live_capture(html: str, text: str, dialogs: list[str], events: list[dict]) -> None:
    with bounded(what=html):
        capture = Capture(
            url="https://evil.example/", html=html, text=text, title=text[:80],
            dialogs=[{"type": "alert", "message": m} for m in dialogs], events=events,
        )  # fmt: skip
        _page_checks(page_from_capture(capture, ocr="off"))


# --- the regression corpus ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> StaticPool:
    # a regression shows as an input over budget (an error here), never as a hung test run
    with StaticPool(2, budget_s=CORPUS_BOUND_S, retry_budget_s=0.001) as p:
        p.warm()
        yield p


@pytest.mark.parametrize("spec", corpus("page"), ids=lambda s: s.name)
def test_pathological_page(pool: StaticPool, spec: Spec) -> None:
    data = spec.build().encode("utf-8")
    start = time.monotonic()
    result = pool.scan_bytes(data, input_name=spec.name)
    elapsed = time.monotonic() - start
    assert result.error is None, result.error
    assert not any("budget" in n for n in result.notes)
    assert elapsed < CORPUS_BOUND_S
