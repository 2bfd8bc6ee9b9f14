"""Finding phone numbers in text: cheap candidates, boundary/shape/context checks, then classification."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from scamscope.phones.classify import Context, classify_candidate, make_context, nfkc_lower, prompt_in
from scamscope.phones.knowledge import (
    DIG,
    GROUPS,
    INVISIBLE,
    LETTER_O,
    MAX_CANDIDATES,
    MAX_PARSED,
    MAX_WIDE,
    NON_DIGIT,
    SEP_CHARS,
    knowledge,
)
from scamscope.types import Phone

_CANDIDATE = re.compile(rf"(?<![{DIG}])[{DIG}](?:[{SEP_CHARS}]{{0,8}}[{DIG}Oo]){{5,24}}")


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
        if not _PHONE_WORD_BEFORE.search(text[max(0, start - 6) : start]):
            return True
    if prev and prev in "#$€£¥￥%=&\\@~^":
        return True
    if prev and prev in ".,-/" and start >= 2:
        before = text[start - 2]
        if before.isdigit() or (prev in "-/" and before.isascii() and before.isalnum()):
            return not _PHONE_WORD_BEFORE.search(text[max(0, start - 7) : start - 1])
    if nxt.isascii() and (nxt.isalnum() or nxt == "_") and "-" not in raw and "(" not in raw:
        return True
    return bool(nxt and nxt in ".,%" and end + 1 < len(text) and text[end + 1].isdigit())


def shape_rejects(norm: str) -> bool:
    """Dates, number ranges, IP addresses, decimals, version strings."""
    s = norm.strip()
    if _DATE.search(s) or _RANGE.match(s) or _IP.match(s) or _DECIMAL.match(s):
        return True
    parts = s.split(".")
    return 3 <= len(parts) <= 4 and all(len(g) <= 2 for g in parts[1:])  # 1.2.3, 10.0.1.2


def is_formatted(norm: str) -> bool:
    """Written the way phone numbers are: '+', brackets or dash-separated groups."""
    return "+" in norm or "(" in norm or "-" in norm


def _context_ok(text: str, start: int, end: int, norm: str, groups: list[str], strict: bool) -> bool:
    """Do the surroundings let this digit run be read as a phone number?"""
    k = knowledge()
    lines = text[max(0, start - 40) : start].split("\n")
    before = (lines[-1] if lines[-1].strip() or len(lines) < 2 else lines[-2])[-14:].lower()
    after = text[end : end + 6].split("\n", 1)[0].lower().lstrip(" \u3000")
    if k.currency_before.search(before[-3:]):
        return False
    if k.not_before.search(before) and not _PHONE_LABEL.search(before):  # "電話 / FAX" still is a phone
        return False
    if k.not_after.starts(after):
        return False
    formatted = is_formatted(norm)
    spaced = len(groups) >= 5 and sum(1 for g in groups if len(g) <= 2) * 2 >= len(groups)
    needs_word = (strict and not formatted) or len(groups) == 1 or (spaced and "{" not in norm)
    if not needs_word:
        return True
    near = nfkc_lower(text[max(0, start - 40) : start]) + " " + nfkc_lower(text[end : end + 25])
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
        norm = INVISIBLE.sub("", unicodedata.normalize("NFKC", raw))
        if shape_rejects(norm):
            continue
        groups = GROUPS.findall(LETTER_O.sub("0", norm))
        if not _context_ok(text, start, end, norm, groups, strict):
            continue
        key = "".join(groups)
        if key not in distinct:
            if len(distinct) >= MAX_PARSED:
                continue
            distinct.add(key)
        out.append((start, end, raw))
    return out


def worth_keeping(phone: Phone, ctx: Context, raw: str) -> bool:
    """Invalid readings are kept only when clearly meant as a phone number (then flagged)."""
    if "invalid" not in phone.flags:
        return True
    norm = unicodedata.normalize("NFKC", raw)
    groups = GROUPS.findall(norm)
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
        ctx = make_context(text[max(prev_end, start - 60) : start], text[end : min(next_start, end + 40)])
        wide = ctx.phoney and wide_left > 0
        phone = classify_candidate(
            raw, language=language, where=where, ctx=ctx, extra=extra, keep_invalid=True, wide=wide
        )
        wide_left -= wide
        if phone is None or not worth_keeping(phone, ctx, raw):
            continue
        hit = make_hit(phone, ctx, text, start, end, shown=where != "script")
        key = phone.e164 or NON_DIGIT.sub("", unicodedata.normalize("NFKC", raw))
        if key not in seen:
            seen.add(key)
            hits.append(hit)
    hits.extend(_placeholder_text_hits(text, where, seen, extra))
    return hits


def make_hit(phone: Phone, ctx: Context, text: str, start: int, end: int, *, shown: bool = True) -> PhoneHit:
    prompt, strength = prompt_in(ctx.before, ctx.after)
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
    left = text[max(0, start - side) : start].rsplit("\n", 1)[-1]
    right = text[end : end + side].split("\n", 1)[0]
    return " ".join(f"{left}{text[start:end]}{right}".split())


def find_phones(text: str, *, language: str | None = None, where: str = "text") -> list[Phone]:
    """Phone numbers in ``text``, classified and flagged (one per number)."""
    return [h.phone for h in find_phone_hits(text, language=language, where=where)]
