"""Signal "phones": the numbers a page shows or takes from its URL, and what is wrong with them.

Numbers come from the title and visible text, from script string literals (text drawn by
JavaScript, read strictly), from ``tel:`` links and URL parameters of links, and from the
page's own URL. Code that reads the number from the URL is evidence too, even without a number.

Evidence names are coarse scorer features, each emitted at most once per page with the
strongest example: ``phone.present``, ``phone.jp_international_disguised``,
``phone.us_toll_free``, ``phone.ip_050``, ``phone.toll_free_label_mismatch``,
``phone.obfuscated``, ``phone.from_url``, ``phone.tel_link``, ``phone.foreign_for_language``,
``phone.placeholder``, ``phone.call_prompt``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scamscope.phones import PhoneHit, find_phone_hits, phones_in_code, phones_in_links, phones_in_url
from scamscope.types import Evidence, Observations, Page, Phone

NAME = "phones"

# flag on a Phone -> (evidence signal, detail)
_FLAG_SIGNALS: dict[str, tuple[str, str]] = {
    "jp_international_disguised": (
        "phone.jp_international_disguised",
        "010 + country code written like a Japanese number: an international call in disguise",
    ),
    "us_toll_free": ("phone.us_toll_free", "US/Canada toll-free number (1-8xx)"),
    "jp_ip_phone_050": ("phone.ip_050", "Japanese 050 IP phone (VoIP) number"),
    "toll_free_label_mismatch": (
        "phone.toll_free_label_mismatch",
        "labelled free dial / toll free, but the number is not a free call",
    ),
    "obfuscated": ("phone.obfuscated", "number written to dodge filters (letter O, spaced or bracketed digits)"),
    "from_url_param": ("phone.from_url", "number passed in a URL parameter"),
    "tel_link": ("phone.tel_link", "tel: link to click-to-call"),
    "foreign_for_language": ("phone.foreign_for_language", "number of a country where the page's language is not spoken"),
    "placeholder": ("phone.placeholder", "placeholder number left in a kit template"),
}

# Strength of a flag's evidence by where the number was found (script strings are less sure).
_WHERE_STRENGTH = {"text": 1.0, "tel_link": 1.0, "url_param": 1.0, "script": 0.8}


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


def _offer_phone(best: _Best, phone: Phone, excerpt: str, source: str) -> None:
    strength = _WHERE_STRENGTH.get(phone.where, 0.8)
    for flag in phone.flags:
        if flag in _FLAG_SIGNALS:
            signal, detail = _FLAG_SIGNALS[flag]
            best.offer(Evidence(signal, f"{detail}: {phone.explanation}", excerpt, strength, source=source))
    real = "placeholder" not in phone.flags and "invalid" not in phone.flags
    if real and phone.where in ("text", "script", "tel_link"):
        best.offer(
            Evidence("phone.present", f"phone number shown: {phone.explanation}", excerpt, strength, source=source)
        )


def _offer_hit(best: _Best, hit: PhoneHit, source: str) -> None:
    _offer_phone(best, hit.phone, hit.excerpt, source)
    if hit.prompt and "placeholder" not in hit.phone.flags:
        strength = hit.prompt_strength * _WHERE_STRENGTH.get(hit.phone.where, 0.8)
        best.offer(
            Evidence(
                "phone.call_prompt",
                f"number next to an instruction to call ('{hit.prompt}')",
                hit.excerpt,
                strength,
                source=source,
            )
        )


def run(page: Page) -> Observations:
    obs = Observations()
    best = _Best({})
    lang = page.language if page.language not in ("und", "") else None

    visible = "\n".join(p for p in (page.title, page.text) if p)
    for where, text in (("text", visible), ("script", page.strings)):
        if not text:
            continue
        for hit in find_phone_hits(text, language=lang, where=where):
            obs.phones.append(hit.phone)
            _offer_hit(best, hit, "title" if where == "text" and hit.start < len(page.title) else where)

    for phone in phones_in_links(page.links, language=lang):
        obs.phones.append(phone)
        _offer_phone(best, phone, phone.raw[:80], _source(phone.where))
    if page.url:
        for phone in phones_in_url(page.url, language=lang):
            obs.phones.append(phone)
            _offer_phone(best, phone, page.url[:80], "url")
    if page.script_text:
        for ev in phones_in_code(page.script_text):
            best.offer(ev)

    obs.evidence.extend(best.items.values())
    return obs
