"""Phone-number intelligence: find the numbers a page shows, say where they really ring, flag tricks.

Tech support scam pages live on one phone number, and the number itself often gives them away:
a Japanese page showing ``0101-888-…`` (Japan's international prefix 010 + country code 1: an
international call to the USA disguised as a domestic number), a 050 IP phone labelled
フリーダイヤル, a US toll-free number on a Japanese page, a number taken from the URL
(``?ph0n=…``) so one kit serves many operators, digits written to dodge filters (``1-8OO-…``,
``{ 8 8 8 }``), or a template placeholder (``(050) 0000 0000``) left in a kit.

Speed matters (a whole page scan must stay within a few milliseconds): candidates are found with
one precompiled regular expression plus cheap boundary and context checks; only the survivors
(at most :data:`MAX_PARSED` distinct ones per text) are parsed with ``phonenumbers``, cached.

Public API: :func:`find_phones`, :func:`find_phone_hits`, :func:`script_literal_hits`,
:func:`phones_in_links`, :func:`phones_in_url`, :func:`phones_in_code`, :func:`explain_text`,
:func:`classify`, :func:`is_suspicious`, :func:`dedup_phones`. Knowledge (word lists, parameter names, regions, flag
documentation) lives in ``scamscope/data/phones.toml``.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import phonenumbers as pn
from phonenumbers import CountryCodeSource, PhoneNumberType

from scamscope.data import load
from scamscope.types import Evidence, Phone

MAX_CANDIDATES = 200  # regex candidates examined per text
MAX_PARSED = 60  # distinct candidates parsed with phonenumbers per text
MAX_WIDE = 4  # candidates per text allowed the slow "any likely country" parse
MAX_LINKS = 3000  # links examined per page
MAX_CODE = 1_000_000  # characters of script examined
MIN_DIGITS = 7
MAX_DIGITS = 19  # carrier prefix + 010 + country code + a long national number

# --- candidate search ----------------------------------------------------------------------------

_DIG = "0-9\uff10-\uff19"
# Between digits: spaces (incl. ideographic, zero-width and bidi marks), dashes of all kinds
# (incl. the katakana prolonged sound mark used as a dash), dots, brackets, slashes.
_SEP_CHARS = (
    " \t\u00a0\u3000\u2000-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    "\\-\u2010-\u2015\u2212\u30fc\uff0d\uff70\ufe63"
    ".\uff0e()\uff08\uff09{}\\[\\]\uff3b\uff3d/\u30fb\uff65"
)
_CANDIDATE = re.compile(rf"(?<![{_DIG}])[{_DIG}](?:[{_SEP_CHARS}]{{0,8}}[{_DIG}Oo]){{5,24}}")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_NON_DIGIT = re.compile(r"\D")
_GROUPS = re.compile(r"\d+")
_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff70\ufe63]")
_LETTER_O = re.compile(r"(?<=[\d\s\-.()\[\]{}])[Oo]|[Oo](?=[\d\s\-.()\[\]{}])")

_DATE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
    r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d\d)(?!\d)"
)
_RANGE = re.compile(r"^\(?\d{1,5}\s*(?:--?|/|~|\.\.)\s*\d{1,5}\)?$")  # 2520--2525, 1969/1982, 500-3000
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$")
_DECIMAL = re.compile(r"^\d+\.\d+$")
_PHONE_WORD_BEFORE = re.compile(r"(?:tel|phone|ph|fax|call|dial|no|nr|free|tfn)[.:]?$", re.I)
_PHONE_LABEL = re.compile(r"tel|phone|電話|℡|☎|📞|call", re.I)

_TYPE_NAMES: dict[int, str] = {
    getattr(PhoneNumberType, name): name.lower() for name in dir(PhoneNumberType) if name.isupper()
}
_TYPE_WORDS = {
    "fixed_line": "fixed-line",
    "mobile": "mobile",
    "fixed_line_or_mobile": "fixed-line or mobile",
    "toll_free": "toll-free",
    "premium_rate": "premium-rate",
    "shared_cost": "shared-cost",
    "voip": "IP phone (VoIP)",
    "personal_number": "personal",
    "pager": "pager",
    "uan": "universal access",
    "voicemail": "voicemail",
    "unknown": "unknown-type",
}
_LANGUAGE_NAMES = {
    "ja": "Japanese", "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "nl": "Dutch", "zh": "Chinese", "ko": "Korean", "ru": "Russian",
    "bg": "Bulgarian",
}  # fmt: skip


# --- knowledge --------------------------------------------------------------------------------------


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
        code_name_strong=re.compile(r"phone|ph0n|tfn|telephone|helpline|tollfree|bcda|anph", re.I),
        suspicious_flags=frozenset(k for k, v in d["flags"].items() if v.get("suspicious")),
        jp_carriers=tuple(d["international"]["jp_carrier_prefixes"]),
        jp_direct=tuple(d["international"]["jp_direct_prefixes"]),
    )


def _lang(language: str | None) -> str:
    return (language or "").lower().split("-")[0]


def regions_for(language: str | None) -> tuple[str, ...]:
    """Default regions to read a number without '+' with, for a page language ("ja" -> JP)."""
    k = knowledge()
    return k.parse.get(_lang(language), k.unknown)


def is_suspicious(phone: Phone) -> bool:
    """True when one of the phone's flags says something is wrong with the number itself.

    Informational flags (``toll_free``, ``tel_link``, ``full_width``, ``call_prompt``,
    ``invalid``) do not count: an ordinary 0120 number is not suspicious.
    """
    return any(f in knowledge().suspicious_flags for f in phone.flags)


# --- parsing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """What phonenumbers says about one digit string read in one default region."""

    e164: str | None
    region: str | None
    country_code: int
    national: str
    type: str
    valid: bool
    possible: bool
    via_idd: bool  # dialled with an international prefix (010 in JP, 011 in NANP, 00, ...)
    groups: tuple[str, ...] = ()  # digit groups of the national format ("03", "1234", "5678")


_INVALID = _Parsed(None, None, 0, "", "unknown", False, False, False)


@lru_cache(maxsize=8192)
def _parse(number: str, region: str) -> _Parsed:
    try:
        n = pn.parse(number, region, keep_raw_input=True)
    except pn.NumberParseException:
        return _INVALID
    valid = pn.is_valid_number(n)
    national = "0" * (n.number_of_leading_zeros or 1) * bool(n.italian_leading_zero) + str(n.national_number)
    return _Parsed(
        e164=pn.format_number(n, pn.PhoneNumberFormat.E164),
        region=pn.region_code_for_number(n),
        country_code=n.country_code or 0,
        national=national,
        type=_TYPE_NAMES.get(pn.number_type(n), "unknown") if valid else "unknown",
        valid=valid,
        possible=valid or pn.is_possible_number(n),
        via_idd=n.country_code_source == CountryCodeSource.FROM_NUMBER_WITH_IDD,
        groups=tuple(_GROUPS.findall(pn.format_number(n, pn.PhoneNumberFormat.NATIONAL))) if valid else (),
    )


def _grouped_like(p: _Parsed, groups: Sequence[str]) -> bool:
    """Is the number written with the grouping its country uses? (bare digits: yes).

    The written groups must end with the national format's groups; what stands before them
    may only be the country code or the NANP trunk prefix 1 ("1-888-…" against "(888) …").
    """
    if len(groups) < 2 or not p.groups:
        return True
    n = len(p.groups)
    if len(groups) < n or tuple(groups[-n:]) != p.groups:
        return False
    lead = "".join(groups[:-n])
    return lead in ("", "1", str(p.country_code))


def _rank(p: _Parsed) -> int:
    """Preference among invalid readings: possible ones, and not via an international prefix."""
    return 2 * p.possible + (not p.via_idd)


def _jp_idd(digits: str) -> str:
    """Rewrite Japanese carrier-selected international calls (0033-010-1…, 001-1…) to 010-1….

    Only for Japanese (or unknown-language) text: elsewhere 00 is the international prefix.
    """
    if not digits.startswith("00"):
        return digits
    k = knowledge()
    for carrier in k.jp_carriers:
        if digits.startswith(carrier + "010"):
            return digits[len(carrier):]
    for direct in k.jp_direct:
        if digits.startswith(direct) and _parse("+" + digits[len(direct):], "ZZ").valid:
            return "010" + digits[len(direct):]
    return digits


def _best_parse(digits: str, plus: bool, groups: Sequence[str], language: str | None, wide: bool) -> _Parsed:
    """Read the digits as a phone number.

    Tiers: the language's regions (first valid wins), then the fallback regions and, when
    ``wide``, many more; the later tiers only count when the digits are grouped as that
    country writes its numbers. A number starting 010 is read as Japanese first (010 is
    Japan's international prefix, the 0101-… disguise).
    """
    if plus:
        return _parse("+" + digits, "ZZ")
    k = knowledge()
    first_tier = list(regions_for(language))
    if digits.startswith("010"):
        first_tier = ["JP", *(r for r in first_tier if r != "JP")]
    first: _Parsed | None = None
    for region in first_tier:
        p = _parse(digits, region)
        if p.valid:
            return p
        if first is None or _rank(p) > _rank(first):
            first = p
    later = [r for r in k.fallback if r not in first_tier]
    if wide:
        later += [r for r in k.wide if r not in first_tier and r not in later]
    for region in later:
        if len(groups) < 2 and region not in k.fallback:
            continue  # bare digits: no grouping to tell the country by
        p = _parse(digits, region)
        if p.valid and (p.via_idd or _grouped_like(p, groups)):
            return p
    return first or _INVALID


# --- classification -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Lower-cased NFKC text beside a candidate: before it (back to the previous number) and after."""

    before: str = ""
    after: str = ""
    phoney: bool = False  # a phone word or call prompt is near


def _nfkc_lower(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower() if not s.isascii() else s.lower()


def _make_context(before: str, after: str) -> _Context:
    b, a = _nfkc_lower(before), _nfkc_lower(after)
    k = knowledge()
    phoney = bool(k.phone_word.search(b[-40:]) or k.phone_word.search(a[:25]) or _prompt_in(b, a)[0])
    return _Context(b, a, phoney)


def _label(ctx: _Context) -> str | None:
    """A free-dial label next to the number (フリーダイヤル, toll free; 無料 only right beside it)."""
    k = knowledge()
    label = k.free_label.search(ctx.before[-40:]) or k.free_label.search(ctx.after[:25])
    if label:
        return label
    near_before = ctx.before[-10:].rsplit("\n", 1)[-1]
    near_after = ctx.after[:10].split("\n", 1)[0]
    return k.free_adjacent.search(near_before) or k.free_adjacent.search(near_after)


def _prompt_in(before: str, after: str) -> tuple[str | None, float]:
    """A call instruction beside the number: (words, strength) — strong 1.0, weak 0.5."""
    k = knowledge()
    for words, strength in ((k.strong_prompt, 1.0), (k.weak_prompt, 0.5)):
        found = words.search(before[-60:]) or words.search(after[:40])
        if found:
            return found.strip(" :："), strength
    return None, 0.0


# OCR reads digits as look-alike letters (O/o/D for 0, l/I/| for 1, S for 5, B for 8, Z for 2).
# Repaired only inside a phone-shaped run: mostly digits with separators, a few such letters.
_OCR_LETTERS = "OoDlI|SBZ"
_OCR_DIGIT_OF = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "Z": "2"})
_OCR_RUN = re.compile(rf"(?<![A-Za-z0-9])[+(]?[0-9{_OCR_LETTERS}](?:[ \-.()‐-―ー－]{{0,2}}[0-9{_OCR_LETTERS}]){{6,18}}(?![A-Za-z0-9])")


_OCR_GROUP_SEP = re.compile(r"[ \-.()‐-―ー－+]+")


def repair_ocr_digits(text: str) -> str:
    """OCR text with look-alike letters read back as digits inside phone-shaped runs ("O50-1234-5678"
    -> "050-1234-5678"); runs with fewer than 7 real digits, more than 3 such letters, or a group
    without any digit are left alone."""
    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        digits = sum(c.isdigit() for c in run)
        letters = sum(c in _OCR_LETTERS for c in run)
        if letters == 0 or letters > 3 or digits < 7:
            return run
        groups = [g for g in _OCR_GROUP_SEP.split(run) if g]
        if any(not any(c.isdigit() for c in g) for g in groups):  # a word ("DOS") between numbers
            return run
        return run.translate(_OCR_DIGIT_OF)

    return _OCR_RUN.sub(fix, text) if text else text


def _normalise(raw: str) -> tuple[str, list[str]]:
    """NFKC, letter O read as zero, invisible characters dropped, dashes unified; (text, flags)."""
    flags: list[str] = []
    norm = unicodedata.normalize("NFKC", raw)
    if _FULL_WIDTH_DIGIT.search(raw):
        flags.append("full_width")
    if _ZERO_WIDTH.search(norm):
        norm = _ZERO_WIDTH.sub("", norm)
        flags.append("obfuscated")
    norm = _INVISIBLE.sub("", norm)
    if "O" in norm or "o" in norm:
        fixed = _LETTER_O.sub("0", norm)
        if fixed != norm:
            norm = fixed
            flags.append("obfuscated")
    return _DASHES.sub("-", norm), flags


def _looks_obfuscated(norm: str, groups: list[str]) -> bool:
    """Braces, bracketed digit groups or digits spaced one by one: written to dodge filters."""
    if "{" in norm or "[" in norm:
        return True
    singles = sum(1 for g in groups if len(g) == 1)
    return singles >= 4 and singles * 2 >= len(groups)


def classify(
    raw: str,
    *,
    language: str | None = None,
    where: str = "text",
    context: tuple[str, str] = ("", ""),
    extra_flags: Iterable[str] = (),
    keep_invalid: bool = True,
) -> Phone | None:
    """Read one candidate string as a :class:`Phone`; None when it is no phone number at all.

    ``context`` is the (before, after) text beside it, for labels such as フリーダイヤル and the
    010 check; ``extra_flags`` are added as given (``tel_link``, ``from_url_param``).
    """
    ctx = _make_context(*context)
    return _classify(raw, language=language, where=where, ctx=ctx, extra=tuple(extra_flags), keep_invalid=keep_invalid)


def _classify(
    raw: str, *, language: str | None, where: str, ctx: _Context, extra: tuple[str, ...], keep_invalid: bool, wide: bool = True
) -> Phone | None:
    norm, flags = _normalise(raw)
    plus = norm.lstrip("([ ").startswith("+")
    digits = _NON_DIGIT.sub("", norm)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    groups = _GROUPS.findall(norm)
    if _looks_obfuscated(norm, groups) and "obfuscated" not in flags:
        flags.append("obfuscated")
    flags.extend(extra)
    if any(p.search(digits) for p in knowledge().placeholder_digits):
        return _placeholder(raw, where, flags)
    if not plus and _lang(language) in ("ja", ""):
        digits = _jp_idd(digits)
    parsed = _best_parse(digits, plus, groups, language, wide)
    if parsed.e164 is None:
        return None
    if not parsed.valid and not keep_invalid:
        return None
    return _finish(raw, parsed, digits, language=language, where=where, ctx=ctx, flags=flags)


def _placeholder(raw: str, where: str, flags: list[str]) -> Phone:
    return Phone(
        raw=" ".join(raw.split()),
        e164=None,
        region=None,
        type="unknown",
        flags=tuple(dict.fromkeys([*flags, "placeholder"])),
        where=where,
        explanation="A placeholder, not a real number (repeated digits, zeros or 123-456-7890): "
        "a scam kit template whose number was never filled in",
    )


def _is_foreign(p: _Parsed, plus: bool, digits: str, groups: Sequence[str], language: str | None) -> bool:
    """A number of a country where the page's language is not spoken, when that country is sure.

    Sure means: written with '+' or an international prefix, a NANP number written the NANP
    way (1-888-…, (844) 555-…), or any number on a page in a language whose own numbers could
    not be misread (Japanese: what is not a valid Japanese number is not one).
    """
    k = knowledge()
    lang = _lang(language)
    home = k.home.get(lang)
    if not home or not p.valid or p.country_code in home:
        return False
    nanp = p.country_code == 1 and (len(groups) >= 3 or (len(digits) == 11 and digits[0] == "1"))
    return plus or p.via_idd or nanp or lang in k.foreign_any_format


def _finish(
    raw: str, p: _Parsed, digits: str, *, language: str | None, where: str, ctx: _Context, flags: list[str]
) -> Phone:
    k = knowledge()
    plus = raw.lstrip("([ （").startswith(("+", "＋"))
    if p.via_idd and (p.valid or digits.startswith("010")):
        flags.append("international_prefix")
        if digits.startswith("010") and not k.international_words.search(ctx.before + " " + ctx.after):
            flags.append("jp_international_disguised")
    if p.type == "toll_free":
        flags.append("toll_free")
        if p.country_code == 1:
            flags.append("us_toll_free")
    if p.country_code == 81 and p.national.startswith("50"):
        flags.append("jp_ip_phone_050")
    foreign = _is_foreign(p, plus, digits, _GROUPS.findall(_DASHES.sub("-", raw)), language)
    if foreign:
        flags.append("foreign_for_language")
    label = _label(ctx)
    if label and (p.type != "toll_free" or foreign or p.via_idd):
        flags.append("toll_free_label_mismatch")
    if not p.valid:
        flags.append("invalid")
    flags = list(dict.fromkeys(flags))
    return Phone(
        raw=" ".join(raw.split()),
        e164=p.e164,
        region=p.region,
        type=p.type,
        flags=tuple(flags),
        where=where,
        explanation=_explain(p, digits, flags, language, label),
    )


def _country(cc: int, region: str | None) -> str:
    return knowledge().country_names.get(cc) or region or f"+{cc}"


def _explain(p: _Parsed, digits: str, flags: list[str], language: str | None, label: str | None) -> str:
    """One English sentence: what the number is, then what is wrong with it."""
    country = _country(p.country_code, p.region)
    if "jp_international_disguised" in flags:
        main = (
            f"010{p.country_code} = Japan's international call prefix 010 + country code {p.country_code} ({country}): "
            "an expensive international call, disguised as a domestic number"
        )
    elif "international_prefix" in flags:
        idd = digits[: max(0, len(digits) - len(p.national) - len(str(p.country_code)))] or "00"
        main = (
            f"{idd} is an international call prefix, then country code {p.country_code} ({country}): "
            "an international call, not a local number"
        )
    elif "jp_ip_phone_050" in flags:
        main = "050 = a Japanese IP phone (VoIP) number: cheap and quick to obtain, common on scam pages, and not free to call"
    elif "us_toll_free" in flags:
        main = (
            f"A US/Canada toll-free number (1-{p.national[:3]}): free only from North America, "
            "the usual kind of number on tech support scam pages"
        )
    elif "toll_free" in flags:
        main = f"A toll-free number in {country}"
    elif "invalid" in flags:
        main = f"Not a valid phone number (read as +{p.country_code}, {country})" if p.country_code else "Not a valid phone number"
    else:
        main = f"A {_TYPE_WORDS.get(p.type, p.type)} number in {country}"
    extra: list[str] = []
    if "toll_free_label_mismatch" in flags:
        extra.append(f"labelled free ('{label}') but it is not a free call for the reader")
    if "foreign_for_language" in flags and "jp_international_disguised" not in flags:
        extra.append(f"a number in {country} on a {_LANGUAGE_NAMES.get(_lang(language), language or '')} page")
    if "obfuscated" in flags:
        extra.append("written in a disguised form (letter O for zero, spaced, bracketed or hidden characters) to dodge filters")
    if "from_url_param" in flags:
        extra.append("passed in the page URL, so the same page can show any operator's number")
    return "; ".join([main, *extra])


# --- finding numbers in text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneHit:
    """A number found in a text, with where it sits and what stands beside it."""

    phone: Phone
    start: int
    end: int
    excerpt: str  # the number with at most 80 characters of context
    prompt: str | None = None  # call instruction next to it ("今すぐ電話", "call now")
    prompt_strength: float = 0.0
    shown: bool = True  # seen in the page text (or a script literal seen written into it)


def _extend_start(text: str, start: int) -> int:
    """Take in a '+' or an opening bracket just before the first digit ("+1 (844)", "(0101)")."""
    i = start
    while i > 0 and start - i < 3 and text[i - 1] in "+＋(（ ":
        i -= 1
    while i < start and text[i] == " ":
        i += 1
    return i


def _trim_end(raw: str) -> str:
    """Drop trailing letter O's and separators the pattern may have taken in."""
    end = len(raw)
    while end and not ("0" <= raw[end - 1] <= "9" or "\uff10" <= raw[end - 1] <= "\uff19"):
        end -= 1
    return raw[:end]


def _bad_boundary(text: str, start: int, end: int, raw: str) -> bool:
    """Glued to letters or code, after a decimal point or a currency sign: not a phone number."""
    prev = text[start - 1] if start else ""
    nxt = text[end] if end < len(text) else ""
    if prev.isascii() and (prev.isalnum() or prev == "_"):
        if not _PHONE_WORD_BEFORE.search(text[max(0, start - 6):start]):
            return True
    if prev and prev in "#$€£¥￥%=&\\@~^":
        return True
    if prev and prev in ".,-/" and start >= 2:
        before = text[start - 2]
        if before.isdigit() or (prev in "-/" and before.isascii() and before.isalnum()):
            return not _PHONE_WORD_BEFORE.search(text[max(0, start - 7):start - 1])
    if nxt.isascii() and (nxt.isalnum() or nxt == "_") and "-" not in raw and "(" not in raw:
        return True
    return bool(nxt and nxt in ".,%" and end + 1 < len(text) and text[end + 1].isdigit())


def _shape_rejects(norm: str) -> bool:
    """Dates, number ranges, IP addresses, decimals, version strings."""
    s = norm.strip()
    if _DATE.search(s) or _RANGE.match(s) or _IP.match(s) or _DECIMAL.match(s):
        return True
    parts = s.split(".")
    return 3 <= len(parts) <= 4 and all(len(g) <= 2 for g in parts[1:])  # 1.2.3, 10.0.1.2


def _is_formatted(norm: str) -> bool:
    """Written the way phone numbers are: '+', brackets or dash-separated groups."""
    return "+" in norm or "(" in norm or "-" in norm


def _context_ok(text: str, start: int, end: int, norm: str, groups: list[str], strict: bool) -> bool:
    """Do the surroundings let this digit run be read as a phone number?"""
    k = knowledge()
    lines = text[max(0, start - 40):start].split("\n")
    before = (lines[-1] if lines[-1].strip() or len(lines) < 2 else lines[-2])[-14:].lower()
    after = text[end:end + 6].split("\n", 1)[0].lower().lstrip(" \u3000")
    if k.currency_before.search(before[-3:]):
        return False
    if k.not_before.search(before) and not _PHONE_LABEL.search(before):  # "電話 / FAX" still is a phone
        return False
    if k.not_after.starts(after):
        return False
    formatted = _is_formatted(norm)
    spaced = len(groups) >= 5 and sum(1 for g in groups if len(g) <= 2) * 2 >= len(groups)
    needs_word = (strict and not formatted) or len(groups) == 1 or (spaced and "{" not in norm)
    if not needs_word:
        return True
    near = _nfkc_lower(text[max(0, start - 40):start]) + " " + _nfkc_lower(text[end:end + 25])
    return bool(k.phone_word.search(near))


def _candidate_spans(text: str, strict: bool) -> list[tuple[int, int, str]]:
    """Cheap pass: regex candidates that survive the boundary, shape and context checks."""
    out: list[tuple[int, int, str]] = []
    distinct: set[str] = set()
    for n, m in enumerate(_CANDIDATE.finditer(text)):
        if n >= MAX_CANDIDATES:
            break
        raw = _trim_end(m.group())
        start = _extend_start(text, m.start())
        end = m.start() + len(raw)
        raw = text[start:end]
        if _bad_boundary(text, start, end, raw):
            continue
        norm = _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw))
        if _shape_rejects(norm):
            continue
        groups = _GROUPS.findall(_LETTER_O.sub("0", norm))
        if not _context_ok(text, start, end, norm, groups, strict):
            continue
        key = "".join(groups)
        if key not in distinct:
            if len(distinct) >= MAX_PARSED:
                continue
            distinct.add(key)
        out.append((start, end, raw))
    return out


def _keep(phone: Phone, ctx: _Context, raw: str) -> bool:
    """Invalid readings are kept only when clearly meant as a phone number (then flagged)."""
    if "invalid" not in phone.flags:
        return True
    norm = unicodedata.normalize("NFKC", raw)
    groups = _GROUPS.findall(norm)
    explicit = norm.lstrip("([ ").startswith("+") or "international_prefix" in phone.flags
    return len(groups) >= 2 and sum(map(len, groups)) >= 9 and (explicit or ctx.phoney)


def find_phone_hits(
    text: str,
    *,
    language: str | None = None,
    where: str = "text",
    strict: bool | None = None,
    extra_flags: Iterable[str] = (),
) -> list[PhoneHit]:
    """Phone numbers in ``text`` with positions, excerpts and call prompts (one per number).

    ``strict`` (default: ``where == "script"``) asks digit runs for phone-like formatting or a
    phone word nearby, as digits in code are mostly something else.
    """
    if strict is None:
        strict = where == "script"
    extra = tuple(extra_flags)
    spans = _candidate_spans(text, strict)
    hits: list[PhoneHit] = []
    seen: set[str] = set()
    wide_left = MAX_WIDE
    for i, (start, end, raw) in enumerate(spans):
        prev_end = spans[i - 1][1] if i else 0
        next_start = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        ctx = _make_context(text[max(prev_end, start - 60):start], text[end:min(next_start, end + 40)])
        wide = ctx.phoney and wide_left > 0
        phone = _classify(raw, language=language, where=where, ctx=ctx, extra=extra, keep_invalid=True, wide=wide)
        wide_left -= wide
        if phone is None or not _keep(phone, ctx, raw):
            continue
        hit = _hit(phone, ctx, text, start, end, shown=where != "script")
        key = phone.e164 or _NON_DIGIT.sub("", unicodedata.normalize("NFKC", raw))
        if key not in seen:
            seen.add(key)
            hits.append(hit)
    hits.extend(_placeholder_text_hits(text, where, seen, extra))
    return hits


def _hit(phone: Phone, ctx: _Context, text: str, start: int, end: int, *, shown: bool = True) -> PhoneHit:
    prompt, strength = _prompt_in(ctx.before, ctx.after)
    if prompt:
        phone = replace(phone, flags=(*phone.flags, "call_prompt"))
    return PhoneHit(phone, start, end, _excerpt(text, start, end), prompt, strength, shown)


_PLACEHOLDER_HINT = re.compile(
    r"[Xx]{3}[\s.)-]{1,2}[Xx]{3}|\{\{\s*(?:phone|tel|tfn|number)|%(?:PHONE|TEL|TFN|NUMBER)|\[(?:PHONE|TEL|TFN|phone|tel|tfn)"
)


def _placeholder_text_hits(text: str, where: str, seen: set[str], extra: tuple[str, ...]) -> list[PhoneHit]:
    """Written placeholders: XXX-XXX-XXXX, {{phone}}, %PHONE% — a kit template left unfilled."""
    if not _PLACEHOLDER_HINT.search(text):
        return []
    out: list[PhoneHit] = []
    for m in knowledge().placeholder_text.finditer(text):
        key = m.group().lower()
        if key in seen:
            continue
        seen.add(key)
        phone = Phone(
            raw=m.group(),
            e164=None,
            region=None,
            type="unknown",
            flags=("placeholder", *extra),
            where=where,
            explanation="A placeholder, not a real number: a scam kit template whose number was never filled in",
        )
        out.append(PhoneHit(phone, m.start(), m.end(), _excerpt(text, m.start(), m.end())))
        if len(out) >= 3:
            break
    return out


def _excerpt(text: str, start: int, end: int, width: int = 80) -> str:
    """The number with context on the same line, at most ``width`` characters of context in all."""
    side = max(0, width // 2)
    left = text[max(0, start - side):start].rsplit("\n", 1)[-1]
    right = text[end:end + side].split("\n", 1)[0]
    return " ".join(f"{left}{text[start:end]}{right}".split())


def find_phones(text: str, *, language: str | None = None, where: str = "text") -> list[Phone]:
    """Phone numbers in ``text``, classified and flagged (one per number)."""
    return [h.phone for h in find_phone_hits(text, language=language, where=where)]


# --- numbers held in script string literals -----------------------------------------------------------------

# A string literal holding nothing but a phone-like number: var phone_number = '0101-888-365-7259';
_NUM_LITERAL = re.compile(
    rf"""(['"`])(\s{{0,4}}[+＋]?\s?[(（]?[{_DIG}][{_DIG} ()\-.‐－ー/\u3000]{{5,30}}[{_DIG}]\s{{0,4}})\1"""
)
_ASSIGNED = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:\]\s*)?(?:=|:|\()\s*(?:useState\s*)?\(?\s*$")
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]{0,500}>", re.S | re.I)


def script_literal_hits(code: str, *, language: str | None = None, html: str = "") -> list[PhoneHit]:
    """Phone numbers kept in script string literals (``var phone_number = '0101-…'``).

    Kits keep the number in a variable and ``document.write`` it in several places; when the
    variable is written into ``html``, the text around that spot gives the label and prompt
    (``<script>document.write(phone_number)</script> (日本国内無料電話)``).
    """
    k = knowledge()
    hits: list[PhoneHit] = []
    seen: set[str] = set()
    for n, m in enumerate(_NUM_LITERAL.finditer(code, 0, MAX_CODE)):
        if n >= MAX_CANDIDATES or len(seen) >= MAX_PARSED:
            break
        raw = m.group(2).strip()
        before = code[max(0, m.start() - 60):m.start()]
        assigned = _ASSIGNED.search(before)
        name = assigned.group(1) if assigned else ""
        named = bool(name and (k.code_name.match(name) or k.code_name_strong.search(name) or "contact" in name.lower()))
        named = named or bool(k.phone_word.search(before[-30:].lower()))
        norm = _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw))
        if _shape_rejects(norm) or not (named or (_is_formatted(norm) and len(_GROUPS.findall(norm)) >= 3)):
            continue
        written = _written_context(html, name) if name else None
        ctx = _make_context(*(written or (before, code[m.end():m.end() + 40])))
        phone = _classify(raw, language=language, where="script", ctx=ctx, extra=(), keep_invalid=True)
        if phone is None or not _keep(phone, _Context(phoney=named or ctx.phoney), raw):
            continue
        key = phone.e164 or _NON_DIGIT.sub("", norm)
        if key in seen:
            continue
        seen.add(key)
        hit = _hit(phone, ctx, code, m.start(2), m.end(2), shown=written is not None)
        if written:
            hit = replace(hit, excerpt=" ".join(f"{written[0][-40:]} {raw} {written[1][:40]}".split()))
        hits.append(hit)
    return hits


_WRITE_BEFORE = re.compile(r"(?:document\.write(?:ln)?\(|inner(?:HTML|Text)\s*\+?=|textContent\s*\+?=|\{|\+)\s*$")
_WRITE_AFTER = re.compile(r"^\s*(?:\)|\}|\+|;|$)")


def _written_context(html: str, name: str) -> tuple[str, str] | None:
    """Visible text around the first spot where script writes variable ``name`` into the page."""
    if not html or not name:
        return None
    pos, n = 0, 0
    limit = min(len(html), MAX_CODE)
    while n < 60:
        i = html.find(name, pos, limit)
        if i < 0:
            return None
        n, pos, j = n + 1, i + len(name), i + len(name)
        if (i and (html[i - 1].isalnum() or html[i - 1] in "_$.")) or (j < limit and (html[j].isalnum() or html[j] in "_$")):
            continue
        if _WRITE_BEFORE.search(html[max(0, i - 30):i]) and _WRITE_AFTER.match(html[j:j + 5]):
            before = _TAGS.sub(" ", html[max(0, i - 600):i])
            after = _TAGS.sub(" ", html[j:j + 400])
            return " ".join(before.split())[-80:], " ".join(after.split())[:60]
    return None


# --- numbers in links and URLs ---------------------------------------------------------------------------

_PHONE_VALUE = re.compile(r"^\s*\+?[\d\s().\-]{7,30}$")
_B64_VALUE = re.compile(r"^[A-Za-z0-9+/_-]{8,60}={0,2}$")


def _decode_b64(value: str) -> str | None:
    """Base64 (standard or URL-safe) of a phone number, or None."""
    if not _B64_VALUE.match(value) or value.isdigit():
        return None
    padded = value + "=" * (-len(value) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            out = decoder(padded.encode("ascii")).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _PHONE_VALUE.match(out):
            return out.strip()
    return None


def _raw_params(part: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` split without turning a leading '+' into a space (it may start a number)."""
    out: list[tuple[str, str]] = []
    for item in part.split("&")[:50]:
        if "=" not in item:
            continue
        key, _, value = item.partition("=")
        value = unquote(value).strip()
        value = value[:1] + value[1:].replace("+", " ")
        out.append((unquote(key).strip().lower(), value.strip()))
    return out


def _url_values(url: str) -> list[tuple[str, str, bool]]:
    """(parameter, number text, was base64) for numbers carried by a URL's query or fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    k = knowledge()
    out: list[tuple[str, str, bool]] = []
    for key, value in _raw_params(parts.query) + _raw_params(parts.fragment):
        if key in k.url_phone_params and _PHONE_VALUE.match(value):
            out.append((key, value, False))
        elif key in k.url_phone_params or key in k.url_b64_params:
            decoded = _decode_b64(value)
            if decoded:
                out.append((key, decoded, True))
    frag = unquote(parts.fragment)
    if frag and "=" not in frag and _PHONE_VALUE.match(frag) and len(_NON_DIGIT.sub("", frag)) >= 9:
        out.append(("#", frag.strip(), False))
    return out


def phones_in_url(url: str, *, language: str | None = None, where: str = "url_param") -> list[Phone]:
    """Numbers passed in a URL: ``?phone=``, ``?ph0n=``, base64 ``?n=``, ``#+1888…``."""
    out: list[Phone] = []
    for key, value, was_b64 in _url_values(url):
        phone = _classify(value, language=language, where=where, ctx=_Context(), extra=("from_url_param",), keep_invalid=True)
        if phone is None:
            continue
        how = "base64 in URL parameter" if was_b64 else "URL parameter" if key != "#" else "URL fragment"
        out.append(replace(phone, explanation=f"{phone.explanation} (read from {how} '{key}')"))
    return out


def _ignored_host(link: str) -> bool:
    """A messaging / social / maps link: its phone parameter is ordinary "click to chat"."""
    try:
        host = (urlsplit(link.strip()).hostname or "").lower()
    except ValueError:
        return False
    return bool(host) and any(host == h or host.endswith("." + h) for h in knowledge().ignore_link_hosts)


_LINK_PARAM = re.compile(r"[?#&;][\w-]{1,30}=.|#\s*\+?\d")


def phones_in_links(links: Sequence[str], *, language: str | None = None) -> list[Phone]:
    """Numbers in ``tel:`` links and in URL parameters of links (one per number and kind)."""
    out: list[Phone] = []
    numbers: set[str] = set()
    for link in links[:MAX_LINKS]:
        head = link[:8].lower().lstrip()
        if head.startswith(("tel:", "callto:")):
            number = unquote(link.split(":", 1)[1]).split("?")[0].strip("/ ")
            if number in numbers or len(numbers) >= MAX_PARSED:
                continue
            numbers.add(number)
            phone = _classify(
                number, language=language, where="tel_link", ctx=_Context(), extra=("tel_link",),
                keep_invalid=True, wide=len(numbers) <= MAX_WIDE,
            )
            out.extend([phone] if phone else [])
        elif _LINK_PARAM.search(link) and not _ignored_host(link):
            out.extend(phones_in_url(link, language=language))
    return dedup_phones(out)


# --- numbers read from the URL by code --------------------------------------------------------------------

_URL_READ = re.compile(
    r"location\s*(?:\]|\))?\s*\.\s*(?:search|href|hash)|location\[\s*['\"](?:search|href|hash)|URLSearchParams"
    r"|searchParams|document\.URL|\[\\\\?\?&\]"
)
_FUNC_DEF = re.compile(
    r"function\s+([A-Za-z_$][\w$]*)\s*\(|([A-Za-z_$][\w$]*)\s*[=:]\s*(?:function\b|\([^()]{0,40}\)\s*=>|[A-Za-z_$][\w$]*\s*=>)"
)
_CALL_STR = re.compile(r"\(\s*['\"]([A-Za-z_$][\w$-]{0,30})['\"]\s*\)")  # f('phone')
_ASSIGNED_TO = re.compile(r"([A-Za-z_$][\w$]*)\s*\]?\s*=\s*(?:new\s+)?$")
_NOT_URL_READERS = frozenset(
    {"getElementById", "querySelector", "querySelectorAll", "getItem", "setItem", "require", "import", "getAttribute",
     "setAttribute", "attr", "data", "prop", "css", "addClass", "removeClass", "find", "on", "off", "createElement",
     "getElementsByClassName", "getElementsByTagName", "getElementsByName", "$", "jQuery", "log", "warn", "error"}
)  # fmt: skip


def phones_in_code(code: str) -> list[Evidence]:
    """Evidence that script reads the phone number from the page URL (there is no number yet).

    Recognises ``var ph0ne = getVariableFromURl('ph0ne')`` where the function reads
    ``location.search``/``location.href``, ``new URLSearchParams(location.search).get('phone')``
    and the like. Returns at most one :class:`Evidence` named ``phone.from_url``.
    """
    code = code[:MAX_CODE]
    if not _URL_READ.search(code):
        return []
    k = knowledge()
    readers: set[str] | None = None
    best: tuple[float, str, str] | None = None
    for n, m in enumerate(_CALL_STR.finditer(code)):
        if n >= 2000:
            break
        param = m.group(1)
        start, func = _callee(code, m.start())
        if not func or func in _NOT_URL_READERS:
            continue
        if not k.code_name.match(param):
            assigned = _ASSIGNED_TO.search(code[max(0, start - 50):start])
            var = assigned.group(1) if assigned else ""
            if not (var and (k.code_name.match(var) or k.code_name_strong.search(var))):
                continue
        if readers is None:
            readers = _reader_functions(code)
        searchparams = func == "get" and ("URLSearchParams" in code or "searchParams" in code)
        strength = 1.0 if func in readers or searchparams else 0.6
        if best is None or strength > best[0]:
            best = (strength, f"URL parameter '{param}'", " ".join(code[max(0, start - 40):m.end()].split())[-80:])
        if strength >= 1.0:
            break
    if best is None or best[0] < 1.0:
        best = _assigned_from_location(code) or best
    if best is None:
        return []
    strength, what, excerpt = best
    return [
        Evidence(
            signal="phone.from_url",
            detail=f"script reads the phone number from the page URL ({what}), so the page can show any operator's number",
            excerpt=excerpt,
            strength=strength,
            source="script",
        )
    ]


_LOCATION_PART = re.compile(r"location\s*\.\s*(hash|search)\b")
_ASSIGN_TAIL = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*[^;\n=]*$")


def _assigned_from_location(code: str) -> tuple[float, str, str] | None:
    """``var phone = atob(location.hash.slice(1))``: a phone variable taken straight from the URL."""
    k = knowledge()
    for n, m in enumerate(_LOCATION_PART.finditer(code)):
        if n >= 50:
            break
        head = code[max(0, m.start() - 80):m.start()]
        cut = max(head.rfind(";"), head.rfind("\n"), head.rfind("{"))
        assigned = _ASSIGN_TAIL.search(head[cut + 1:])
        if assigned and (k.code_name.match(assigned.group(1)) or k.code_name_strong.search(assigned.group(1))):
            excerpt = " ".join((head[cut + 1:] + m.group()).split())[-80:]
            return 1.0, f"location.{m.group(1)}", excerpt
    return None


def _callee(code: str, paren: int) -> tuple[int, str]:
    """(start, last name) of the callee written just before the '(' at ``paren``: ``a.b.get``."""
    i = paren
    while i > 0 and code[i - 1] in " \t":
        i -= 1
    j = i
    while j > 0 and i - j < 80 and (code[j - 1].isalnum() or code[j - 1] in "_$."):
        j -= 1
    return j, code[j:i].rsplit(".", 1)[-1]


def _reader_functions(code: str) -> set[str]:
    """Names of functions that read the page URL: the nearest definition before each URL read."""
    names: set[str] = set()
    for n, m in enumerate(_URL_READ.finditer(code)):
        if n >= 40:
            break
        window = code[max(0, m.start() - 600):m.start()]
        defs = list(_FUNC_DEF.finditer(window))
        if defs:
            names.add(defs[-1].group(1) or defs[-1].group(2))
    return names


# --- the CLI helper -------------------------------------------------------------------------------------------

# a URL-ish word with a query starts where its run of non-space starts (not again from every
# character of a long run, which was quadratic)
_URL_IN_TEXT = re.compile(r"(?:https?://|tel:|callto:)\S+|(?<!\S)\S*[?#&][A-Za-z0-9_]{1,20}=\S+")


def explain_text(text: str, language: str | None = None) -> list[Phone]:
    """Explain every phone number in any text: bare numbers, ``tel:`` links, URLs with ``?phone=``.

    Lenient (a digit run counts: the user is asking about it). Without ``language``, Japanese
    script in the text means Japanese; otherwise no language is assumed.
    """
    if language is None and re.search(r"[\u3040-\u30ff]", text):
        language = "ja"
    links = _URL_IN_TEXT.findall(text)
    phones: list[Phone] = list(phones_in_links(links, language=language))
    rest = _URL_IN_TEXT.sub(" ", text) if links else text
    phones.extend(h.phone for h in find_phone_hits(rest, language=language, where="text", strict=False))
    if not phones and rest.strip() and not re.search(r"[^\W\d_]", rest):  # just digits and punctuation
        phone = classify(rest.strip(), language=language)
        if phone is not None:
            phones.append(phone)
    return dedup_phones(phones)


def dedup_phones(phones: Iterable[Phone]) -> list[Phone]:
    """One entry per (e164, where), the first raw form kept."""
    seen: set[tuple[str | None, str]] = set()
    out: list[Phone] = []
    for p in phones:
        key = (p.e164 or p.raw, p.where)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
