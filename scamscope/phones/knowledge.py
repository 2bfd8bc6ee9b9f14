"""What ``phones.toml`` says, compiled once: word lists, regions, URL parameter names, flags; and
the limits and character classes the finders share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from scamscope.data import load
from scamscope.types import Phone

MAX_CANDIDATES = 200  # regex candidates examined per text
MAX_PARSED = 60  # distinct candidates parsed with phonenumbers per text
MAX_WIDE = 4  # candidates per text allowed the slow "any likely country" parse
MAX_LINKS = 3000  # links examined per page
MAX_CODE = 1_000_000  # characters of script examined
MIN_DIGITS = 7
MAX_DIGITS = 19  # carrier prefix + 010 + country code + a long national number


DIG = "0-9\uff10-\uff19"
# Between digits: spaces (incl. ideographic, zero-width and bidi marks), dashes of all kinds
# (incl. the katakana prolonged sound mark used as a dash), dots, brackets, slashes.
SEP_CHARS = (
    " \t\u00a0\u3000\u2000-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    "\\-\u2010-\u2015\u2212\u30fc\uff0d\uff70\ufe63"
    ".\uff0e()\uff08\uff09{}\\[\\]\uff3b\uff3d/\u30fb\uff65"
)


ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
NON_DIGIT = re.compile(r"\D")
GROUPS = re.compile(r"\d+")
DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff70\ufe63]")
LETTER_O = re.compile(r"(?<=[\d\s\-.()\[\]{}])[Oo]|[Oo](?=[\d\s\-.()\[\]{}])")


class _Words:
    """A word list searched in lower-cased text: one alternation, boundaries checked afterwards.

    ``ascii_bounds`` keeps ASCII words whole ("id" does not match inside "video");
    ``cjk_end`` refuses a CJK word followed by more CJK (無料 but not 無料相談). Boundaries are
    checked in Python because look-behinds in front of the alternation make it many times slower.
    """

    def __init__(self, words: Iterable[str], *, ascii_bounds: bool = True, cjk_end: bool = False) -> None:
        parts = []
        for w in sorted({w.lower() for w in words}, key=len, reverse=True):
            esc = re.escape(w)
            if cjk_end and not w.isascii():
                esc += r"(?![\u3040-\u30ff\u4e00-\u9fff])"
            parts.append(esc)
        self.regex = re.compile("|".join(parts) or r"(?!)")
        self.ascii_bounds = ascii_bounds

    def _whole(self, s: str, m: re.Match[str]) -> bool:
        w = m.group()
        if not self.ascii_bounds or not w.isascii():
            return True
        a, b = m.start(), m.end()
        if w[0].isalnum() and a and s[a - 1].isascii() and s[a - 1].isalnum():
            return False
        return not (w[-1].isalnum() and b < len(s) and s[b].isascii() and s[b].isalnum())

    def search(self, s: str) -> str | None:
        """The first whole word found in ``s`` (lower-cased by the caller), or None."""
        for m in self.regex.finditer(s):
            if self._whole(s, m):
                return m.group()
        return None

    def starts(self, s: str) -> str | None:
        """The word ``s`` starts with, or None."""
        m = self.regex.match(s)
        return m.group() if m and self._whole(s, m) else None


@dataclass(frozen=True)
class _Knowledge:
    parse: dict[str, tuple[str, ...]]
    fallback: tuple[str, ...]
    wide: tuple[str, ...]
    unknown: tuple[str, ...]
    home: dict[str, frozenset[int]]
    foreign_any_format: frozenset[str]
    country_names: dict[int, str]
    free_label: _Words
    free_adjacent: _Words
    strong_prompt: _Words
    weak_prompt: _Words
    phone_word: _Words
    not_before: _Words
    not_after: _Words
    currency_before: _Words
    international_words: _Words
    placeholder_digits: tuple[re.Pattern[str], ...]
    placeholder_text: re.Pattern[str]
    url_phone_params: frozenset[str]
    url_b64_params: frozenset[str]
    ignore_link_hosts: tuple[str, ...]
    code_name: re.Pattern[str]
    code_name_strong: re.Pattern[str]
    suspicious_flags: frozenset[str]
    jp_carriers: tuple[str, ...]
    jp_direct: tuple[str, ...]
    flag_signals: dict[str, tuple[str, str]]  # flag -> (evidence signal, start of its detail)
    where_strength: dict[str, float]  # evidence strength by where a number was found
    other_strength: float
    official: dict[str, str]  # E.164 -> whose real number it is ([official_numbers])


def _all_words(table: dict[str, list[str]]) -> list[str]:
    return [w for words in table.values() for w in words]


@cache
def knowledge() -> _Knowledge:
    """``phones.toml`` compiled once."""
    d: dict[str, Any] = load("phones")
    regions = d["regions"]
    labels = d["labels"]
    prompts = d["call_prompts"]
    ctx = d["context"]
    names = "|".join(re.escape(n) for n in sorted(d["code"]["phone_names"], key=len, reverse=True))
    return _Knowledge(
        parse={k: tuple(v) for k, v in regions["parse"].items()},
        fallback=tuple(regions["fallback"]),
        wide=tuple(regions["wide"]),
        unknown=tuple(regions["unknown"]),
        home={k: frozenset(v) for k, v in regions["home"].items()},
        foreign_any_format=frozenset(regions["foreign_any_format"]),
        country_names={int(k): v for k, v in d["country_names"].items() if k.isdigit()},
        free_label=_Words(_all_words(labels["free_dial"])),
        free_adjacent=_Words(_all_words(labels["adjacent"]), cjk_end=True),
        strong_prompt=_Words(_all_words(prompts["strong"]), ascii_bounds=False),
        weak_prompt=_Words(_all_words(prompts["weak"]), ascii_bounds=False),
        phone_word=_Words(ctx["phone_words"], ascii_bounds=False),
        not_before=_Words(ctx["not_phone_before"]),
        not_after=_Words(ctx["not_phone_after"]),
        currency_before=_Words(ctx["currency_before"], ascii_bounds=False),
        international_words=_Words(ctx["international_words"], ascii_bounds=False),
        placeholder_digits=tuple(re.compile(p) for p in d["placeholders"]["digits"]),
        placeholder_text=re.compile("|".join(f"(?:{p})" for p in d["placeholders"]["text"])),
        url_phone_params=frozenset(p.lower() for p in d["url_params"]["phone"]),
        url_b64_params=frozenset(p.lower() for p in d["url_params"]["base64"]),
        ignore_link_hosts=tuple(d["url_params"]["ignore_link_hosts"]),
        code_name=re.compile(rf"^(?:{names})(?:[_-]?(?:number|num|no|nr))?\d*$", re.I),
        code_name_strong=re.compile("|".join(re.escape(n) for n in d["code"]["strong_names"]), re.I),
        suspicious_flags=frozenset(k for k, v in d["flags"].items() if v.get("suspicious")),
        jp_carriers=tuple(d["international"]["jp_carrier_prefixes"]),
        jp_direct=tuple(d["international"]["jp_direct_prefixes"]),
        flag_signals={k: (v["signal"], v["evidence"]) for k, v in d["flags"].items() if "signal" in v},
        where_strength={k: float(v) for k, v in d["evidence"]["where_strength"].items()},
        other_strength=float(d["evidence"]["other"]),
        official={str(k): str(v) for k, v in d.get("official_numbers", {}).items()},
    )


def base_language(language: str | None) -> str:
    return (language or "").lower().split("-")[0]


def regions_for(language: str | None) -> tuple[str, ...]:
    """Default regions to read a number without '+' with, for a page language ("ja" -> JP)."""
    k = knowledge()
    return k.parse.get(base_language(language), k.unknown)


def is_suspicious(phone: Phone) -> bool:
    """True when one of the phone's flags says something is wrong with the number itself.

    Informational flags (``toll_free``, ``tel_link``, ``full_width``, ``call_prompt``,
    ``invalid``) do not count: an ordinary 0120 number is not suspicious.
    """
    return any(f in knowledge().suspicious_flags for f in phone.flags)
