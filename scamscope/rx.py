"""Regexes for hostile text on RE2 (``google-re2``): time linear in the text, whatever the pattern.

Python's ``re`` backtracks: some patterns read the same text again from every start position
and a crafted input makes them quadratic or worse. RE2 never backtracks. :func:`compile` takes a
pattern in Python syntax and gives it Python's meaning where RE2 differs by default:

- ``\\s`` is Python's white space (Unicode: U+00A0, U+3000, ...), ``\\d`` is any Unicode
  decimal digit and ``\\w`` any Unicode letter, digit or ``_`` (RE2's are ASCII only);
- ``\\Z`` is end of text (RE2 spells it ``\\z``).

``\\b`` stays RE2's ASCII word boundary (it differs from Python only next to non-ASCII letters and
digits), and RE2 has no look-around or back-references: patterns that need them are rewritten by
hand instead. Texts holding lone surrogates (which UTF-8 cannot encode) have each replaced by
U+FFFD before matching, so offsets stay those of the text given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import re2

# Python's str.isspace() characters, as RE2 class members
_SPACE_MEMBERS = r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_CLASSES = {
    "s": (f"[{_SPACE_MEMBERS}]", _SPACE_MEMBERS),
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "w": (r"[\p{L}\p{N}_]", r"\p{L}\p{N}_"),
    "S": (f"[^{_SPACE_MEMBERS}]", None),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "W": (r"[^\p{L}\p{N}_]", None),
    "Z": (r"\z", None),
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def translate(pattern: str) -> str:
    """A Python-syntax pattern in RE2 syntax with Python's meaning of ``\\s \\d \\w \\S \\D \\W \\Z``."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _CLASSES:
                outside, inside = _CLASSES[nxt]
                if in_class and inside is None:
                    raise ValueError(f"\\{nxt} inside a character class has no RE2 equivalent: rewrite the pattern")
                out.append(inside if in_class else outside)
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a literal ] first in a class
                out.append("\\]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _safe(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


class Regex:
    """A compiled RE2 regex with the usual ``re.Pattern`` methods (those this project uses)."""

    __slots__ = ("pattern", "_rx")

    def __init__(self, pattern: str, *, ignore_case: bool = False, dot_all: bool = False, multi_line: bool = False) -> None:
        self.pattern = pattern
        flags = "".join(f for f, on in (("i", ignore_case), ("s", dot_all), ("m", multi_line)) if on)
        source = translate(pattern)
        self._rx = re2.compile(f"(?{flags}){source}" if flags else source)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._rx.search(_safe(text), pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._rx.match(_safe(text), pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._rx.fullmatch(_safe(text), pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        return self._rx.finditer(_safe(text), pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        return self._rx.findall(_safe(text), pos, endpos)

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        return self._rx.sub(repl, _safe(text), count)

    def __repr__(self) -> str:
        return f"rx.Regex({self.pattern!r})"


def compile(pattern: str, *, ignore_case: bool = False, dot_all: bool = False, multi_line: bool = False) -> Regex:  # noqa: A001
    """Compile ``pattern`` (Python syntax, see the module docstring) for RE2."""
    return Regex(pattern, ignore_case=ignore_case, dot_all=dot_all, multi_line=multi_line)
