"""One candidate string as a :class:`~scamscope.types.Phone`: normalised, parsed, flagged, explained."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scamscope.phones.knowledge import (
    DASHES,
    FULL_WIDTH_DIGIT,
    GROUPS,
    INVISIBLE,
    LETTER_O,
    MAX_DIGITS,
    MIN_DIGITS,
    NON_DIGIT,
    ZERO_WIDTH,
    base_language,
    knowledge,
)
from scamscope.phones.parse import Parsed, best_parse, jp_idd
from scamscope.types import Phone

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


@dataclass(frozen=True)
class Context:
    """Lower-cased NFKC text beside a candidate: before it (back to the previous number) and after."""

    before: str = ""
    after: str = ""
    phoney: bool = False  # a phone word or call prompt is near


def nfkc_lower(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower() if not s.isascii() else s.lower()


def make_context(before: str, after: str) -> Context:
    b, a = nfkc_lower(before), nfkc_lower(after)
    k = knowledge()
    phoney = bool(k.phone_word.search(b[-40:]) or k.phone_word.search(a[:25]) or prompt_in(b, a)[0])
    return Context(b, a, phoney)


def _label(ctx: Context) -> str | None:
    """A free-dial label next to the number (フリーダイヤル, toll free; 無料 only right beside it)."""
    k = knowledge()
    label = k.free_label.search(ctx.before[-40:]) or k.free_label.search(ctx.after[:25])
    if label:
        return label
    near_before = ctx.before[-10:].rsplit("\n", 1)[-1]
    near_after = ctx.after[:10].split("\n", 1)[0]
    return k.free_adjacent.search(near_before) or k.free_adjacent.search(near_after)


def prompt_in(before: str, after: str) -> tuple[str | None, float]:
    """A call instruction beside the number: (words, strength) — strong 1.0, weak 0.5."""
    k = knowledge()
    for words, strength in ((k.strong_prompt, 1.0), (k.weak_prompt, 0.5)):
        found = words.search(before[-60:]) or words.search(after[:40])
        if found:
            return found.strip(" :："), strength
    return None, 0.0


def _normalise(raw: str) -> tuple[str, list[str]]:
    """NFKC, letter O read as zero, invisible characters dropped, dashes unified; (text, flags)."""
    flags: list[str] = []
    norm = unicodedata.normalize("NFKC", raw)
    if FULL_WIDTH_DIGIT.search(raw):
        flags.append("full_width")
    if ZERO_WIDTH.search(norm):
        norm = ZERO_WIDTH.sub("", norm)
        flags.append("obfuscated")
    norm = INVISIBLE.sub("", norm)
    if "O" in norm or "o" in norm:
        fixed = LETTER_O.sub("0", norm)
        if fixed != norm:
            norm = fixed
            flags.append("obfuscated")
    return DASHES.sub("-", norm), flags


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
    ctx = make_context(*context)
    return classify_candidate(
        raw, language=language, where=where, ctx=ctx, extra=tuple(extra_flags), keep_invalid=keep_invalid
    )


def classify_candidate(
    raw: str,
    *,
    language: str | None,
    where: str,
    ctx: Context,
    extra: tuple[str, ...],
    keep_invalid: bool,
    wide: bool = True,
) -> Phone | None:
    norm, flags = _normalise(raw)
    plus = norm.lstrip("([ ").startswith("+")
    digits = NON_DIGIT.sub("", norm)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    groups = GROUPS.findall(norm)
    if _looks_obfuscated(norm, groups) and "obfuscated" not in flags:
        flags.append("obfuscated")
    flags.extend(extra)
    if any(p.search(digits) for p in knowledge().placeholder_digits):
        return _placeholder(raw, where, flags)
    if not plus and base_language(language) in ("ja", ""):
        digits = jp_idd(digits)
    parsed = best_parse(digits, plus, groups, language, wide)
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


def _is_foreign(p: Parsed, plus: bool, digits: str, groups: Sequence[str], language: str | None) -> bool:
    """A number of a country where the page's language is not spoken, when that country is sure.

    Sure means: written with '+' or an international prefix, a NANP number written the NANP
    way (1-888-…, (844) 555-…), or any number on a page in a language whose own numbers could
    not be misread (Japanese: what is not a valid Japanese number is not one).
    """
    k = knowledge()
    lang = base_language(language)
    home = k.home.get(lang)
    if not home or not p.valid or p.country_code in home:
        return False
    nanp = p.country_code == 1 and (len(groups) >= 3 or (len(digits) == 11 and digits[0] == "1"))
    return plus or p.via_idd or nanp or lang in k.foreign_any_format


def _finish(
    raw: str, p: Parsed, digits: str, *, language: str | None, where: str, ctx: Context, flags: list[str]
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
    foreign = _is_foreign(p, plus, digits, GROUPS.findall(DASHES.sub("-", raw)), language)
    if foreign:
        flags.append("foreign_for_language")
    label = _label(ctx)
    if label and (p.type != "toll_free" or foreign or p.via_idd):
        flags.append("toll_free_label_mismatch")
    if not p.valid:
        flags.append("invalid")
    if p.e164 and p.e164 in k.official:
        flags.append("official")
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


def _explain(p: Parsed, digits: str, flags: list[str], language: str | None, label: str | None) -> str:
    """One English sentence: what the number is, then what is wrong with it."""
    country = _country(p.country_code, p.region)
    if "official" in flags and p.e164:
        return f"the real number of {knowledge().official[p.e164]}, published by its owner"
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
        main = (
            f"Not a valid phone number (read as +{p.country_code}, {country})"
            if p.country_code
            else "Not a valid phone number"
        )
    else:
        main = f"A {_TYPE_WORDS.get(p.type, p.type)} number in {country}"
    extra: list[str] = []
    if "toll_free_label_mismatch" in flags:
        extra.append(f"labelled free ('{label}') but it is not a free call for the reader")
    if "foreign_for_language" in flags and "jp_international_disguised" not in flags:
        extra.append(f"a number in {country} on a {_LANGUAGE_NAMES.get(base_language(language), language or '')} page")
    if "obfuscated" in flags:
        extra.append(
            "written in a disguised form (letter O for zero, spaced, bracketed or hidden characters) to dodge filters"
        )
    if "from_url_param" in flags:
        extra.append("passed in the page URL, so the same page can show any operator's number")
    return "; ".join([main, *extra])


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
