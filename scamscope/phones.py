"""Phone-number intelligence: find the numbers a page shows, say where they really ring, flag tricks.

Tech support scam pages live on one phone number. What gives them away is often the number
itself: a Japanese page showing ``0101-888-…`` (Japan's international prefix 010 + country
code 1, an international call to the USA disguised as a domestic number), a 050 IP phone
labelled フリーダイヤル, a US toll-free number on a Japanese page, a number passed in the URL
(``?ph0n=…``) so one kit serves many operators, or digits written to dodge filters
(``1-8OO-…``, ``{ 8 8 8 }``).

Speed matters (a whole page scan must stay within a few milliseconds), so candidates are found
with one precompiled regular expression and cheap context checks first; only the survivors,
at most :data:`MAX_CANDIDATES` per text, are parsed with ``phonenumbers`` (cached).

Public API: :func:`find_phones`, :func:`find_phone_hits`, :func:`phones_in_links`,
:func:`phones_in_url`, :func:`phones_in_code`, :func:`explain_text`, :func:`is_suspicious`.
Knowledge (word lists, parameter names, flags) lives in ``scamscope/data/phones.toml``.
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

MAX_CANDIDATES = 200  # candidates examined per text (a page with more is not a phone list worth reading)
MAX_PARSED = 60  # distinct candidates parsed with phonenumbers per text
MAX_LINKS = 3000  # links examined per page
MIN_DIGITS = 7
MAX_DIGITS = 17  # 010 + country code + a long national number

# --- candidate search ----------------------------------------------------------------------

_DIG = "0-9\uff10-\uff19"
# Characters allowed between digits: spaces (incl. ideographic and zero-width), dashes of all
# kinds (incl. the katakana prolonged sound mark used as a dash), dots, brackets, slashes.
_SEP_CHARS = (
    " \t\u00a0\u3000\u2000-\u200d\u2060\ufeff"
    "\\-\u2010-\u2015\u2212\u30fc\uff0d\uff70\ufe63"
    ".\uff0e()\uff08\uff09{}\\[\\]\uff3b\uff3d/\u30fb\uff65"
)
_CANDIDATE = re.compile(rf"(?<![{_DIG}])[{_DIG}](?:[{_SEP_CHARS}]{{0,8}}[{_DIG}Oo]){{5,24}}")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
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
_YEAR_RANGE = re.compile(r"^(?:19|20)\d\d\s*[-/]\s*(?:19|20)\d\d$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$")
_DECIMAL = re.compile(r"^\d+\.\d+$")
_PHONE_WORD_BEFORE = re.compile(r"(?:tel|phone|ph|fax|call|dial|no|nr|free|tfn)[.:]?$", re.I)

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


# --- knowledge ------------------------------------------------------------------------------


def _words_regex(words: Iterable[str], *, ascii_bounds: bool = False) -> re.Pattern[str]:
    """One case-insensitive alternation; ASCII words get word boundaries when asked."""
    parts = []
    for w in sorted({w.lower() for w in words}, key=len, reverse=True):
        esc = re.escape(w)
        if ascii_bounds and w.isascii() and w[:1].isalnum():
            esc = rf"(?<![a-z0-9]){esc}"
        if ascii_bounds and w.isascii() and w[-1:].isalnum():
            esc = rf"{esc}(?![a-z0-9])"
        parts.append(esc)
    return re.compile("|".join(parts) or r"(?!)", re.I)


@dataclass(frozen=True)
class _Knowledge:
    data: dict[str, Any]
    by_language: dict[str, tuple[str, ...]]
    fallback: tuple[str, ...]
    unknown: tuple[str, ...]
    country_names: dict[int, str]
    free_label: re.Pattern[str]
    free_adjacent: re.Pattern[str]
    strong_prompt: re.Pattern[str]
    weak_prompt: re.Pattern[str]
    phone_word: re.Pattern[str]
    not_before: re.Pattern[str]
    not_after: re.Pattern[str]
    currency_before: re.Pattern[str]
    international_words: re.Pattern[str]
    placeholder_digits: tuple[re.Pattern[str], ...]
    placeholder_text: re.Pattern[str]
    url_phone_params: frozenset[str]
    url_b64_params: frozenset[str]
    code_name: re.Pattern[str]
    suspicious_flags: frozenset[str]


def _all_words(table: dict[str, list[str]]) -> list[str]:
    return [w for words in table.values() for w in words]


@cache
def knowledge() -> _Knowledge:
    """Compile ``phones.toml`` once."""
    d = load("phones")
    regions = d["regions"]
    labels = d["labels"]
    prompts = d["call_prompts"]
    ctx = d["context"]
    names = "|".join(re.escape(n) for n in sorted(d["code"]["phone_names"], key=len, reverse=True))
    return _Knowledge(
        data=d,
        by_language={k: tuple(v) for k, v in regions["by_language"].items()},
        fallback=tuple(regions["fallback"]),
        unknown=tuple(regions["unknown"]),
        country_names={int(k): v for k, v in d["country_names"].items() if k.isdigit()},
        free_label=_words_regex(_all_words(labels["free_dial"]), ascii_bounds=True),
        free_adjacent=_words_regex(_all_words(labels["adjacent"]), ascii_bounds=True),
        strong_prompt=_words_regex(_all_words(prompts["strong"])),
        weak_prompt=_words_regex(_all_words(prompts["weak"])),
        phone_word=_words_regex(ctx["phone_words"], ascii_bounds=False),
        not_before=_words_regex(ctx["not_phone_before"], ascii_bounds=True),
        not_after=_words_regex(ctx["not_phone_after"], ascii_bounds=True),
        currency_before=_words_regex(ctx["currency_before"]),
        international_words=_words_regex(ctx["international_words"]),
        placeholder_digits=tuple(re.compile(p) for p in d["placeholders"]["digits"]),
        placeholder_text=re.compile("|".join(f"(?:{p})" for p in d["placeholders"]["text"])),
        url_phone_params=frozenset(p.lower() for p in d["url_params"]["phone"]),
        url_b64_params=frozenset(p.lower() for p in d["url_params"]["base64"]),
        code_name=re.compile(rf"^(?:{names})(?:[_-]?(?:number|num|no|nr))?\d*$", re.I),
        suspicious_flags=frozenset(k for k, v in d["flags"].items() if v.get("suspicious")),
    )


def regions_for(language: str | None) -> tuple[str, ...]:
    """Default regions to parse numbers with, for a page language ("ja" -> JP first)."""
    k = knowledge()
    lang = (language or "").lower().split("-")[0]
    if lang not in k.by_language:
        return k.unknown
    return tuple(dict.fromkeys((*k.by_language[lang], *k.fallback)))


def home_regions(language: str | None) -> frozenset[str]:
    """Regions where a page's language is spoken; empty when unknown (then nothing is foreign)."""
    lang = (language or "").lower().split("-")[0]
    return frozenset(knowledge().by_language.get(lang, ()))


def is_suspicious(phone: Phone) -> bool:
    """True when one of the phone's flags marks something wrong with the number itself."""
    return any(f in knowledge().suspicious_flags for f in phone.flags)


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """What phonenumbers says about one digit string in one default region."""

    e164: str | None
    region: str | None
    country_code: int
    national: str
    type: str
    valid: bool
    possible: bool
    via_idd: bool  # dialled with an international prefix (010 in JP, 011 in NANP, 00, ...)


_INVALID = _Parsed(None, None, 0, "", "unknown", False, False, False)


@lru_cache(maxsize=4096)
def _parse(number: str, region: str) -> _Parsed:
    try:
        n = pn.parse(number, region, keep_raw_input=True)
    except pn.NumberParseException:
        return _INVALID
    valid = pn.is_valid_number(n)
    national = str(n.national_number)
    return _Parsed(
        e164=pn.format_number(n, pn.PhoneNumberFormat.E164),
        region=pn.region_code_for_number(n),
        country_code=n.country_code,
        national=("0" * (n.number_of_leading_zeros or 0) if n.italian_leading_zero else "") + national,
        type=_TYPE_NAMES.get(pn.number_type(n), "unknown") if valid else "unknown",
        valid=valid,
        possible=valid or pn.is_possible_number(n),
        via_idd=n.country_code_source == CountryCodeSource.FROM_NUMBER_WITH_IDD,
    )


def _best_parse(digits: str, plus: bool, regions: Sequence[str]) -> _Parsed:
    """Parse with each default region in turn; the first valid reading wins."""
    if plus:
        return _parse("+" + digits, "ZZ")
    order = list(regions)
    if digits.startswith("010") and "JP" in order:  # the Japanese international prefix
        order.remove("JP")
        order.insert(0, "JP")
    first: _Parsed | None = None
    for region in order:
        p = _parse(digits, region)
        if p.valid:
            return p
        if first is None or (not first.possible and p.possible):
            first = p
    return first or _INVALID


# --- classification ---------------------------------------------------------------------------


def _country(cc: int, region: str | None) -> str:
    return knowledge().country_names.get(cc) or region or f"+{cc}"


def _is_placeholder(digits: str) -> bool:
    return any(p.search(digits) for p in knowledge().placeholder_digits)


def _lower_window(text: str, start: int, end: int) -> str:
    return unicodedata.normalize("NFKC", text[max(0, start):max(0, end)]).lower()


@dataclass(frozen=True)
class _Context:
    before: str  # lower-cased NFKC text before the number (back to the previous number)
    after: str  # the same after it (up to the next number)


def _label(ctx: _Context) -> str | None:
    """A free-dial label right before/after the number (フリーダイヤル, toll free, 無料)."""
    k = knowledge()
    m = k.free_label.search(ctx.before[-40:]) or k.free_label.search(ctx.after[:25])
    if m:
        return m.group()
    m = k.free_adjacent.search(ctx.before[-8:]) or k.free_adjacent.search(ctx.after[:8])
    return m.group() if m else None


def _prompt(ctx: _Context) -> tuple[str | None, float]:
    """A call instruction next to the number: (words, strength) — strong 1.0, weak 0.5."""
    k = knowledge()
    for pattern, strength in ((k.strong_prompt, 1.0), (k.weak_prompt, 0.5)):
        m = pattern.search(ctx.before[-60:]) or pattern.search(ctx.after[:40])
        if m:
            return m.group().strip(), strength
    return None, 0.0


def classify(
    raw: str,
    *,
    language: str | None = None,
    where: str = "text",
    context: tuple[str, str] = ("", ""),
    extra_flags: Iterable[str] = (),
) -> Phone | None:
    """Turn one candidate string into a :class:`Phone`, or None when it is no phone number.

    ``context`` is the (before, after) text beside the candidate, used for labels such as
    フリーダイヤル. ``extra_flags`` are added as they are (``tel_link``, ``from_url_param``).
    """
    ctx = _Context(_lower_window(context[0], 0, len(context[0])), _lower_window(context[1], 0, len(context[1])))
    return _classify(raw, language=language, where=where, ctx=ctx, extra=tuple(extra_flags))


def _normalise(raw: str) -> tuple[str, list[str]]:
    """NFKC, letter O for zero, unified dashes; returns (normalised, flags)."""
    flags: list[str] = []
    norm = unicodedata.normalize("NFKC", raw)
    if _FULL_WIDTH_DIGIT.search(raw):
        flags.append("full_width")
    if _ZERO_WIDTH.search(norm):
        norm = _ZERO_WIDTH.sub("", norm)
        flags.append("obfuscated")
    if "O" in norm or "o" in norm:
        fixed = _LETTER_O.sub("0", norm)
        if fixed != norm:
            norm = fixed
            flags.append("obfuscated")
    norm = _DASHES.sub("-", norm)
    return norm, flags


def _looks_obfuscated(norm: str, groups: list[str]) -> bool:
    """Braces, bracketed digit groups or digits spaced one by one: written to dodge filters."""
    if "{" in norm or "[" in norm:
        return True
    singles = sum(1 for g in groups if len(g) == 1)
    return singles >= 4 and singles * 2 >= len(groups)


def _classify(raw: str, *, language: str | None, where: str, ctx: _Context, extra: tuple[str, ...]) -> Phone | None:
    norm, flags = _normalise(raw)
    plus = norm.lstrip("([ ").startswith("+")
    digits = _NON_DIGIT.sub("", norm)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    groups = _GROUPS.findall(norm)
    if _looks_obfuscated(norm, groups) and "obfuscated" not in flags:
        flags.append("obfuscated")
    flags.extend(extra)
    if _is_placeholder(digits):
        return _placeholder(raw, where, flags)
    parsed = _best_parse(digits, plus, regions_for(language))
    if parsed.e164 is None:
        return None
    return _finish(raw, parsed, digits, language=language, where=where, ctx=ctx, flags=flags)


def _placeholder(raw: str, where: str, flags: list[str]) -> Phone:
    flags = [*flags, "placeholder"]
    return Phone(
        raw=raw.strip(),
        e164=None,
        region=None,
        type="unknown",
        flags=tuple(dict.fromkeys(flags)),
        where=where,
        explanation="A placeholder, not a real number (repeated digits, zeros or 123-456-7890): "
        "a scam kit template whose number was never filled in",
    )


def _finish(
    raw: str, p: _Parsed, digits: str, *, language: str | None, where: str, ctx: _Context, flags: list[str]
) -> Phone:
    k = knowledge()
    if p.via_idd:
        flags.append("international_prefix")
        if digits.startswith("010") and not k.international_words.search(ctx.before + " " + ctx.after):
            flags.append("jp_international_disguised")
    if p.type == "toll_free":
        flags.append("toll_free")
        if p.country_code == 1:
            flags.append("us_toll_free")
    if p.country_code == 81 and p.national.startswith("50"):
        flags.append("jp_ip_phone_050")
    home = home_regions(language)
    foreign = bool(home) and p.region is not None and p.region not in home and p.valid
    if foreign:
        flags.append("foreign_for_language")
    label = _label(ctx)
    if label and (p.type != "toll_free" or foreign or p.via_idd):
        flags.append("toll_free_label_mismatch")
    if not p.valid:
        flags.append("invalid")
    flags = list(dict.fromkeys(flags))
    return Phone(
        raw=raw.strip(),
        e164=p.e164,
        region=p.region,
        type=p.type,
        flags=tuple(flags),
        where=where,
        explanation=_explain(p, digits, flags, language, label),
    )


def _explain(p: _Parsed, digits: str, flags: list[str], language: str | None, label: str | None) -> str:
    """One English sentence: what the number is, then what is wrong with it."""
    country = _country(p.country_code, p.region)
    if "jp_international_disguised" in flags:
        prefix = "010" + str(p.country_code)
        main = (
            f"{prefix} = Japan's international call prefix 010 + country code {p.country_code} ({country}): "
            "an expensive international call, disguised as a domestic number"
        )
    elif "international_prefix" in flags:
        idd = digits[: len(digits) - len(p.national) - len(str(p.country_code))] or "00"
        main = (
            f"{idd} is an international call prefix, then country code {p.country_code} ({country}): "
            "an international call, not a local number"
        )
    elif "jp_ip_phone_050" in flags:
        main = "050 = a Japanese IP phone (VoIP) number: cheap and quick to obtain, often used by scammers, and not free to call"
    elif "us_toll_free" in flags:
        main = f"A US/Canada toll-free number (1-{p.national[:3]}): free only from North America, the usual kind of number on tech support scam pages"
    elif "toll_free" in flags:
        main = f"A toll-free number in {country}"
    elif "invalid" in flags:
        main = f"Not a valid phone number (read as +{p.country_code} {country})" if p.country_code else "Not a valid phone number"
    else:
        main = f"A {_TYPE_WORDS.get(p.type, p.type)} number in {country}"
    extra: list[str] = []
    if "toll_free_label_mismatch" in flags:
        extra.append(f"labelled free ('{label}') but it is not a free call for the reader")
    if "foreign_for_language" in flags and "jp_international_disguised" not in flags:
        extra.append(f"a {country} number on a {_LANGUAGE_NAMES.get(language or '', language or '')} page")
    if "obfuscated" in flags:
        extra.append("written in a disguised form (letter O for zero, spaced or bracketed digits) to dodge filters")
    if "from_url_param" in flags:
        extra.append("passed in the page URL, so the same page can show any operator's number")
    return "; ".join([main, *extra])


# --- finding numbers in text -------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneHit:
    """A number found in a text, with where it sits and what stands beside it."""

    phone: Phone
    start: int
    end: int
    excerpt: str  # the number with at most 80 characters of context
    prompt: str | None = None  # call instruction next to it ("今すぐ電話", "call now")
    prompt_strength: float = 0.0


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
    """Glued to letters, code, a decimal point or a currency sign: not a phone number."""
    prev = text[start - 1] if start else ""
    nxt = text[end] if end < len(text) else ""
    if prev and (prev.isascii() and (prev.isalnum() or prev == "_")):
        if not _PHONE_WORD_BEFORE.search(text[max(0, start - 6):start]):
            return True
    if prev in "#$€£¥￥%=&\\@~^" and prev:
        return True
    if prev in ".-,/" and prev and start >= 2 and text[start - 2].isascii() and text[start - 2].isalnum():
        return True
    if nxt and nxt.isascii() and (nxt.isalnum() or nxt == "_") and not any(c in raw for c in "-("):
        return True
    if nxt in ".,%" and nxt and end + 1 < len(text) and text[end + 1].isdigit():
        return True
    return False


def _shape_rejects(norm: str) -> bool:
    """Dates, year ranges, IP addresses, decimals, version strings."""
    s = norm.strip()
    if _DATE.search(s) or _YEAR_RANGE.match(s) or _IP.match(s) or _DECIMAL.match(s):
        return True
    return s.count(".") >= 2 and all(len(g) <= 2 for g in s.split(".")[1:])  # 1.2.3 / 10.0.19041


def _is_formatted(norm: str) -> bool:
    """Written the way phone numbers are: +, brackets or dash-separated groups."""
    return "+" in norm or "(" in norm or norm.count("-") >= 1


def _context_ok(text: str, start: int, end: int, norm: str, groups: list[str], strict: bool) -> bool:
    """Decide whether the surroundings let this digit run be read as a phone number."""
    k = knowledge()
    before = text[max(0, start - 14):start].lower()
    after = text[end:end + 6].lower()
    if k.not_before.search(before) or k.currency_before.search(before[-3:]):
        return False
    if k.not_after.match(after.lstrip(" \u3000")):
        return False
    formatted = _is_formatted(norm)
    spaced = len(groups) >= 5 and sum(1 for g in groups if len(g) <= 2) * 2 >= len(groups)
    needs_word = (strict and not formatted) or len(groups) == 1 or (spaced and "{" not in norm)
    if not needs_word:
        return True
    near = _lower_window(text, start - 40, start) + " " + _lower_window(text, end, end + 25)
    return bool(k.phone_word.search(near))


def find_phone_hits(
    text: str,
    *,
    language: str | None = None,
    where: str = "text",
    strict: bool | None = None,
    extra_flags: Iterable[str] = (),
) -> list[PhoneHit]:
    """Find phone numbers in ``text`` with their positions, excerpts and call prompts.

    ``strict`` (default: ``where == "script"``) asks for phone-like formatting or a nearby
    phone word, as digit runs in code are mostly not phone numbers.
    """
    if strict is None:
        strict = where == "script"
    extra = tuple(extra_flags)
    spans = _candidate_spans(text, strict)
    hits: list[PhoneHit] = []
    seen: set[tuple[str | None, str]] = set()
    for i, (start, end, raw) in enumerate(spans):
        prev_end = spans[i - 1][1] if i else 0
        next_start = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        ctx = _Context(
            _lower_window(text, max(prev_end, start - 60), start),
            _lower_window(text, end, min(next_start, end + 40)),
        )
        phone = _classify(raw, language=language, where=where, ctx=ctx, extra=extra)
        if phone is None:
            continue
        prompt, strength = _prompt(ctx)
        if prompt:
            phone = replace(phone, flags=(*phone.flags, "call_prompt"))
        key = (phone.e164 or _NON_DIGIT.sub("", unicodedata.normalize("NFKC", raw)), where)
        if key in seen:
            continue
        seen.add(key)
        hits.append(PhoneHit(phone, start, end, _excerpt(text, start, end), prompt, strength))
    hits.extend(_placeholder_text_hits(text, where, seen, extra))
    return hits


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
        norm = unicodedata.normalize("NFKC", raw)
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


def _placeholder_text_hits(
    text: str, where: str, seen: set[tuple[str | None, str]], extra: tuple[str, ...]
) -> list[PhoneHit]:
    """Written placeholders: XXX-XXX-XXXX, {{phone}}, %PHONE% — a kit template left unfilled."""
    if "X" not in text and "x" not in text and "{{" not in text and "%" not in text and "[" not in text:
        return []
    out: list[PhoneHit] = []
    for m in knowledge().placeholder_text.finditer(text):
        key = (m.group().lower(), where)
        if key in seen or len(out) >= 3:
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
    return out


def _excerpt(text: str, start: int, end: int, width: int = 80) -> str:
    """The number with context, at most ``width`` characters of context in all."""
    side = max(0, (width - (end - start)) // 2)
    left = text[max(0, start - side):start].rsplit("\n", 1)[-1]
    right = text[end:end + side].split("\n", 1)[0]
    return " ".join(f"{left}{text[start:end]}{right}".split())


def find_phones(text: str, *, language: str | None = None, where: str = "text") -> list[Phone]:
    """Phone numbers in ``text``, classified and flagged (one per e164 and ``where``)."""
    return [h.phone for h in find_phone_hits(text, language=language, where=where)]


# --- numbers in links and URLs --------------------------------------------------------------------

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
    """``a=1&b=2`` split without turning '+' into a space (a '+' may start a phone number)."""
    out: list[tuple[str, str]] = []
    for item in part.split("&")[:50]:
        if "=" not in item:
            continue
        key, _, value = item.partition("=")
        value = unquote(value)
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
    if frag and "=" not in frag and _PHONE_VALUE.match(frag):
        out.append(("#", frag.strip(), False))
    return out


def phones_in_url(url: str, *, language: str | None = None, where: str = "url_param") -> list[Phone]:
    """Numbers passed in a URL: ``?phone=``, ``?ph0n=``, base64 ``?n=``, ``#+1888…``."""
    out: list[Phone] = []
    for key, value, was_b64 in _url_values(url):
        phone = _classify(value, language=language, where=where, ctx=_Context("", ""), extra=("from_url_param",))
        if phone is None:
            continue
        how = "base64 in" if was_b64 else "in"
        out.append(replace(phone, explanation=f"{phone.explanation} (read from {how} URL parameter '{key}')"))
    return out


def phones_in_links(links: Sequence[str], *, language: str | None = None) -> list[Phone]:
    """Numbers in ``tel:`` links and in URL parameters of links (deduplicated)."""
    out: list[Phone] = []
    seen: set[tuple[str | None, str]] = set()
    for link in links[:MAX_LINKS]:
        low = link[:6].lower()
        if low.startswith(("tel:", "callto")):
            number = unquote(link.split(":", 1)[1]).split("?")[0].strip("/ ")
            phone = _classify(number, language=language, where="tel_link", ctx=_Context("", ""), extra=("tel_link",))
            found = [phone] if phone else []
        elif "=" in link or "#" in link:
            found = phones_in_url(link, language=language)
        else:
            continue
        for phone in found:
            key = (phone.e164 or phone.raw, phone.where)
            if key not in seen:
                seen.add(key)
                out.append(phone)
    return out


# --- numbers read from the URL by code ----------------------------------------------------------

_URL_READ = re.compile(
    r"location\s*(?:\]|\))?\s*\.\s*(?:search|href|hash)|location\[\s*['\"](?:search|href|hash)|URLSearchParams"
    r"|searchParams|document\.URL|\[\\\\?\?&\]"
)
_FUNC_DEF = re.compile(r"function\s+([A-Za-z_$][\w$]*)\s*\(|([A-Za-z_$][\w$]*)\s*=\s*(?:function\s*\(|\([^()]{0,40}\)\s*=>)")
_ASSIGN_CALL = re.compile(
    r"(?:\b(?:var|let|const)\s+|window\.|\b)([A-Za-z_$][\w$]*)\s*=\s*([A-Za-z_$][\w$.]*)\s*\(\s*['\"]([A-Za-z_$][\w$-]{0,30})['\"]\s*\)"
)
_PARAMS_GET = re.compile(r"\.get\(\s*['\"]([A-Za-z_$][\w$-]{0,30})['\"]\s*\)")
MAX_CODE = 1_000_000


def phones_in_code(code: str) -> list[Evidence]:
    """Evidence that script reads the phone number from the page URL (no number: it comes later).

    Recognises ``var ph0ne = getVariableFromURl('ph0ne')`` where the function reads
    ``location.search``/``location.href``, ``new URLSearchParams(location.search).get('phone')``
    and the like. Returns at most one :class:`Evidence` (``phone.from_url``).
    """
    code = code[:MAX_CODE]
    if not _URL_READ.search(code):
        return []
    k = knowledge()
    readers = _reader_functions(code)
    best: tuple[float, str, str] | None = None
    for m in _PARAMS_GET.finditer(code):
        if k.code_name.match(m.group(1)):
            best = max(best or (0.0, "", ""), (1.0, m.group(1), _code_excerpt(code, m)))
            break
    for m in _ASSIGN_CALL.finditer(code):
        var, func, param = m.group(1), m.group(2).rsplit(".", 1)[-1], m.group(3)
        if not (k.code_name.match(param) or k.code_name.match(var)):
            continue
        strength = 1.0 if func in readers else 0.6
        cand = (strength, param, _code_excerpt(code, m))
        if best is None or cand[0] > best[0]:
            best = cand
        if strength == 1.0:
            break
    if best is None:
        return []
    strength, param, excerpt = best
    return [
        Evidence(
            signal="phone.from_url",
            detail=f"script reads the phone number from URL parameter '{param}', so the page can show any number",
            excerpt=excerpt,
            strength=strength,
            source="script",
        )
    ]


def _reader_functions(code: str) -> set[str]:
    """Names of functions whose body (first 600 chars) reads the page URL."""
    names: set[str] = set()
    for m in _FUNC_DEF.finditer(code):
        if _URL_READ.search(code, m.end(), m.end() + 600):
            names.add(m.group(1) or m.group(2))
        if len(names) > 50:
            break
    return names


def _code_excerpt(code: str, m: re.Match[str]) -> str:
    return " ".join(code[m.start():m.end()][:80].split())


# --- the CLI helper ---------------------------------------------------------------------------------

_URL_IN_TEXT = re.compile(r"(?:https?://|tel:|callto:)\S+|\S*[?#&][A-Za-z0-9_]{1,20}=\S+")


def explain_text(text: str, language: str | None = None) -> list[Phone]:
    """Explain every phone number in any text (numbers, tel: links, URLs with ?phone=…).

    Lenient: a bare digit run counts, as the user asked about it. With no ``language``,
    Japanese script in the text means Japanese, otherwise no language is assumed.
    """
    if language is None and re.search(r"[\u3040-\u30ff]", text):
        language = "ja"
    phones: list[Phone] = []
    links = _URL_IN_TEXT.findall(text)
    phones.extend(phones_in_links(links, language=language))
    rest = _URL_IN_TEXT.sub(" ", text) if links else text
    for hit in find_phone_hits(rest, language=language, where="text", strict=False):
        phones.append(hit.phone)
    if not phones and rest.strip():
        phone = classify(rest.strip(), language=language)
        if phone is not None:
            phones.append(phone)
    return _dedup(phones)


def _dedup(phones: Iterable[Phone]) -> list[Phone]:
    seen: set[tuple[str | None, str]] = set()
    out: list[Phone] = []
    for p in phones:
        key = (p.e164 or p.raw, p.where)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
