"""Phone numbers kept in script string literals (``var phone_number = '0101-...'``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from scamscope.phones.classify import Context, classify_candidate, make_context
from scamscope.phones.knowledge import (
    DIG,
    GROUPS,
    INVISIBLE,
    MAX_CANDIDATES,
    MAX_CODE,
    MAX_PARSED,
    NON_DIGIT,
    knowledge,
)
from scamscope.phones.text import PhoneHit, is_formatted, make_hit, shape_rejects, worth_keeping

# --- numbers held in script string literals -----------------------------------------------------------------

# A string literal holding nothing but a phone-like number: var phone_number = '0101-...'; or a
# URL parameter's value being built: url + '&error=1-813 333 9004' (the number shown in the
# address bar, history.replaceState(..., newUrl))
_NUM_LITERAL = re.compile(
    rf"""(['"`])((?:[?&]?[A-Za-z_][\w.-]{{0,30}})?=)?(\s{{0,4}}[+＋]?\s?[(（]?[{DIG}][{DIG} ()\-.‐－ー/\u3000]{{5,30}}[{DIG}]\s{{0,4}})\1"""
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
        raw = m.group(3).strip()
        url_value = m.group(2) is not None
        before = code[max(0, m.start() - 60) : m.start()]
        assigned = _ASSIGNED.search(before)
        name = assigned.group(1) if assigned else ""
        named = bool(name and (k.code_name.match(name) or k.code_name_strong.search(name) or "contact" in name.lower()))
        named = named or url_value or bool(k.phone_word.search(before[-30:].lower()))
        norm = INVISIBLE.sub("", unicodedata.normalize("NFKC", raw))
        if shape_rejects(norm) or not (named or (is_formatted(norm) and len(GROUPS.findall(norm)) >= 3)):
            continue
        written = _written_context(html, name) if name else None
        ctx = make_context(*(written or (before, code[m.end() : m.end() + 40])))
        where = "url_param" if url_value else "script"
        extra = ("from_url_param",) if url_value else ()
        phone = classify_candidate(raw, language=language, where=where, ctx=ctx, extra=extra, keep_invalid=True)
        if phone is None or not worth_keeping(phone, Context(phoney=named or ctx.phoney), raw):
            continue
        key = phone.e164 or NON_DIGIT.sub("", norm)
        if key in seen:
            continue
        seen.add(key)
        hit = make_hit(phone, ctx, code, m.start(3), m.end(3), shown=written is not None)
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
        if (i and (html[i - 1].isalnum() or html[i - 1] in "_$.")) or (
            j < limit and (html[j].isalnum() or html[j] in "_$")
        ):
            continue
        if _WRITE_BEFORE.search(html[max(0, i - 30) : i]) and _WRITE_AFTER.match(html[j : j + 5]):
            before = _TAGS.sub(" ", html[max(0, i - 600) : i])
            after = _TAGS.sub(" ", html[j : j + 400])
            return " ".join(before.split())[-80:], " ".join(after.split())[:60]
    return None
