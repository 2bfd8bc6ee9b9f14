"""Shared by the fuzz suites (tests/test_fuzz*.py): the hypothesis profiles, hostile text
strategies, the per-input time bound and the regression corpus of pathological inputs
(``tests/fuzz_corpus/pathological.toml``: generator specs, not third-party files).

Profiles: ``ci`` (default; a minute or two for all fuzz suites on a loaded 2-core machine) and
``deep`` (many more examples, for a run by hand: ``HYPOTHESIS_PROFILE=deep pytest tests/test_fuzz*.py``).
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,  # the time bound is asserted by each test (bounded()), generous for a loaded CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
    database=None,
)
settings.register_profile(
    "deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
EXAMPLE_BOUND_S = 5.0  # one fuzz example (a few KB of input); linear code needs milliseconds
CORPUS_SIZE = 300_000  # characters of each regression input (quadratic code needs minutes here)
CORPUS_BOUND_S = 10.0  # one regression input of CORPUS_SIZE through the whole analysis


@contextmanager
def bounded(limit_s: float = EXAMPLE_BOUND_S, what: object = "") -> Iterator[None]:
    """Fail when the body takes longer than ``limit_s`` seconds (wall clock)."""
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < limit_s, f"{elapsed:.2f} s (bound {limit_s} s) for {str(what)[:200]!r}"


# --- hostile text -------------------------------------------------------------------------------

# pieces of markup, script, scare text and phone numbers, plus the characters regexes trip on
TOKENS = [
    "<", ">", "</", "<!--", "-->", "<!doctype html>", "<html>", "<head>", "<body>", "<div>", "</div>",
    "<script>", "</script>", "<style>", "</style>", "<title>", "</title>", "<a href='", "<img src=\"",
    "<input name=", "<form action='", "<meta ", "<link rel=canonical href=", "<iframe>", "<?php", "?>",
    "'", '"', "`", "\\", "\\'", '\\"', "\\\\", "\\u", "\\x", "&", "&amp;", "&#", "&#x", ";", "=", "==",
    "=>", "(", ")", "{", "}", "[", "]", "/", "*", "/*", "*/", "//", "\n", "\r\n", " ", "\t", "\u3000",
    "0", "1", "9", "-", ",", ".", "+", "#", "０", "ー", "0101-", "844-555-0199", "03-1234-5678",
    "tel:", "http://", "https://evil.example/?phone=", "location.search", "URLSearchParams",
    "function ", "var ", "const x = ", "document.write(", "innerHTML = ", "addEventListener('keydown', ",
    "onbeforeunload=", "requestFullscreen()", "keyboard.lock()", "history.pushState(", "new Audio(",
    "setInterval(", "while(true)", "alert(", "window.open(", "moveTo(0,0)", "0x", "ox",
    "警告", "ウイルス", "に感染", "個の", "件の", "電話", "サポート", "今すぐ", "Microsoft", "Windows",
    "Defender", "virus", "viruses", "infected", "call", "support", "seconds", "minutes", "error code",
    "Do not close", "your computer", "a", "A", "_", "$", "é", "\ufffd", "\x00",
]

hostile_text: st.SearchStrategy[str] = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.text(max_size=12),
        st.builds(lambda t, n: t * n, st.sampled_from(TOKENS), st.integers(1, 400)),  # floods
    ),
    max_size=60,
).map("".join)


# --- the regression corpus ------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """``head + unit * n + tail`` of about ``size`` characters."""

    name: str
    unit: str
    head: str = ""
    tail: str = ""
    file: str = ""  # triage specs: where the log goes in a collection (Windows path)

    def build(self, size: int = CORPUS_SIZE) -> str:
        n = max(1, (size - len(self.head) - len(self.tail)) // max(1, len(self.unit)))
        return self.head + self.unit * n + self.tail


def corpus(section: str) -> list[Spec]:
    """The specs of one section (``page`` or ``log``) of tests/fuzz_corpus/pathological.toml."""
    data: dict[str, Any] = tomllib.loads((CORPUS / "pathological.toml").read_text(encoding="utf-8"))
    return [Spec(**entry) for entry in data[section]]


def ids(specs: list[Spec]) -> Callable[[Spec], str]:
    return lambda s: s.name
