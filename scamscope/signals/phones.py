"""Signal "phones": the numbers a page shows or takes from its URL, and what is wrong with them.

Numbers come from the title and visible text, from script string literals (text drawn by
JavaScript, read strictly), from ``tel:`` links and URL parameters of links, and from the
page's own URL. Code that reads the number from the URL is evidence too, even without a number.

Evidence names are coarse scorer features, each emitted at most once per page with the
strongest example: ``phone.present``, ``phone.jp_international_disguised``,
``phone.us_toll_free``, ``phone.ip_050``, ``phone.toll_free_label_mismatch``,
``phone.obfuscated``, ``phone.from_url``, ``phone.tel_link``, ``phone.foreign_for_language``,
``phone.placeholder``, ``phone.call_prompt``. Which flag gives which evidence, and how strong by
where the number was found, is data (``scamscope/data/phones.toml``: ``[flags.*] signal``,
``[evidence]``).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from scamscope.phones import (
    PhoneHit,
    dedup_phones,
    find_phone_hits,
    knowledge,
    phones_in_code,
    phones_in_links,
    phones_in_url,
    script_literal_hits,
)
from scamscope.signals.scare_text import fold_lookalikes
from scamscope.types import Evidence, Observations, Page, Phone

NAME = "phones"

@dataclass
class _Best:
    """Strongest evidence seen so far for each signal name."""

    items: dict[str, Evidence]

    def offer(self, ev: Evidence) -> None:
        old = self.items.get(ev.signal)
        if old is None or ev.strength > old.strength:
            self.items[ev.signal] = ev


def _source(where: str) -> str:
    return {"tel_link": "attr", "url_param": "url"}.get(where, where)


def _offer_phone(best: _Best, phone: Phone, excerpt: str, source: str, *, shown: bool = False) -> None:
    k = knowledge()
    strength = 1.0 if shown else k.where_strength.get(phone.where, k.other_strength)
    if "official" in phone.flags:  # the real company's number: no scam's call to action
        signal, detail = k.flag_signals["official"]
        best.offer(Evidence(signal, f"{detail}: {phone.explanation}", excerpt, strength, source=source))
        return
    for flag in phone.flags:
        if flag in k.flag_signals:
            signal, detail = k.flag_signals[flag]
            best.offer(Evidence(signal, f"{detail}: {phone.explanation}", excerpt, strength, source=source))
    real = "placeholder" not in phone.flags and "invalid" not in phone.flags
    if real and phone.where in ("text", "script", "tel_link"):
        best.offer(
            Evidence("phone.present", f"phone number shown: {phone.explanation}", excerpt, strength, source=source)
        )


def _offer_hit(best: _Best, hit: PhoneHit, source: str) -> None:
    _offer_phone(best, hit.phone, hit.excerpt, source, shown=hit.shown)
    if hit.prompt and "placeholder" not in hit.phone.flags and "official" not in hit.phone.flags:
        k = knowledge()
        strength = hit.prompt_strength * (1.0 if hit.shown else k.where_strength.get(hit.phone.where, k.other_strength))
        best.offer(
            Evidence(
                "phone.call_prompt",
                f"number next to an instruction to call ('{hit.prompt}')",
                hit.excerpt,
                strength,
                source=source,
            )
        )


_MIRRORED = re.compile(r"<!--\s*Mirrored from (\S{1,500}?)\s+by HTTrack", re.I)


def _mirrored_from(html: str) -> list[str]:
    """The original URL a saved copy names (HTTrack's "Mirrored from … by HTTrack" comment)."""
    return [m.group(1) for m in _MIRRORED.finditer(html[:5000])][:2]


_META_DESCRIPTION = re.compile(
    r"""<meta\s[^<>]{0,300}?\bname\s*=\s*["']?(?:description|og:description|twitter:description)["']?[^<>]{0,1000}>""",
    re.I,
)
_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"]{0,600})"|'([^']{0,600})')""", re.I)


def _meta_description(html: str) -> str:
    """The page's description for search results and link previews (scam SEO pages put the number there)."""
    out = []
    for m in _META_DESCRIPTION.finditer(html[:30_000]):
        c = _CONTENT.search(m.group(0))
        if c:
            out.append(c.group(1) or c.group(2) or "")
        if len(out) >= 3:
            break
    return "\n".join(out)


def _form_hints(page: Page) -> str:
    """Input placeholders of forms ("092-000-0000" as an example to type), not kit templates."""
    return "\n".join(str(i) for form in page.forms for i in form.get("inputs", ()))


def _text_hits(page: Page, lang: str | None) -> list[PhoneHit]:
    """Numbers a person reads: title + text, script-drawn strings, numbers kept in script literals."""
    # look-alike letters folded inside mixed-script words ("Zаdzwоń" with Cyrillic а, о): the call
    # words and labels beside a number are read as a person reads them (same length: positions hold)
    visible = fold_lookalikes("\n".join(p for p in (page.title, page.text) if p))
    hits = find_phone_hits(visible, language=lang, where="text") if visible else []
    described = _meta_description(page.html) if page.kind == "html" else ""
    if described:
        hits += find_phone_hits(htmllib.unescape(described), language=lang, where="text")
    script = find_phone_hits(page.strings, language=lang, where="script") if page.strings else []
    if page.script_text:
        script += script_literal_hits(page.script_text, language=lang, html=page.html)
    seen: set[str | None] = set()
    for hit in script:
        key = hit.phone.e164 or hit.phone.raw
        if key not in seen:
            seen.add(key)
            hits.append(hit)
    hints = _form_hints(page) if page.forms else ""
    return [h for h in hits if not ("placeholder" in h.phone.flags and hints and h.phone.raw in hints)]


def run(page: Page) -> Observations:
    """Phones of the page (one per number and place) and at most one evidence item per signal name."""
    obs = Observations()
    best = _Best({})
    lang = page.language if page.language not in ("und", "") else None

    for hit in _text_hits(page, lang):
        obs.phones.append(hit.phone)
        _offer_hit(best, hit, "title" if hit.phone.where == "text" and hit.start < len(page.title) else hit.phone.where)

    for phone in phones_in_links(page.links, language=lang):
        obs.phones.append(phone)
        _offer_phone(best, phone, phone.raw[:80], _source(phone.where))
    for url in ([page.url] if page.url else []) + _mirrored_from(page.html):
        for phone in phones_in_url(url, language=lang):
            obs.phones.append(phone)
            _offer_phone(best, phone, url[:80], "url")
    if page.script_text:
        for ev in phones_in_code(page.script_text):
            best.offer(ev)

    obs.phones = dedup_phones(obs.phones)
    obs.evidence.extend(best.items.values())
    return obs
