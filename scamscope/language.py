"""A small, dependency-free language guess: script counts for CJK, stop words for Latin scripts.

Good enough to pick phone-number default regions and to report per-language figures; it is
not a general language identifier.
"""

from __future__ import annotations

import re
from collections import Counter

_KANA = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-zà-ÿąćęłńóśźżß]+", re.I)

# Distinctive function words only: one-letter words and words shared by several languages
# ("a", "e", "o", "que", "para") are left out so they cannot tip a page the wrong way.
_STOP = {
    "en": "the and you your is are to of this for with have has not will be it on call now that from by or can we please our if at".split(),
    "de": "der die das und ist nicht sie ihr ihre mit für auf werden wird zu ein eine den dem bitte sich auch oder ihren".split(),
    "fr": "le la les et est pas vous votre des une pour avec sur ce cette sont dans du au ne nous".split(),
    "es": "el los las y es su sus por del se este esta usted ha al su".split(),
    "it": "il lo gli non di della per che sono questo questa suo è nel".split(),
    "pt": "os não seu sua uma um do da são você está".split(),
    "pl": "nie jest się na w z że jak twój proszę komputer".split(),
}
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOP.items():
    for _w in set(_words):
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)


def detect_language(text: str, *, sample: int = 6_000) -> str:
    """Return an ISO 639-1 code ("ja", "en", "de", ...) or "und" when there is too little text."""
    t = text[:sample]
    if t.isascii():
        kana = han = 0
    else:
        kana = len(_KANA.findall(t))
        han = len(_HAN.findall(t))
    latin = len(_LATIN.findall(t))
    if (kana >= 5 or (kana >= 1 and kana + han >= 10)) and ((kana + han) * 10 >= latin or kana >= 40):
        return "ja"
    if han >= 20:
        return "zh"
    if kana + han == 0 and not t.isascii() and len(_HANGUL.findall(t)) >= 20:
        return "ko"
    words = [w.lower() for w in _WORD.findall(t)]
    if not t.isascii() and len(_CYRILLIC.findall(t)) > max(20, len(words)):
        return "ru" if "ы" in t else "bg"
    if len(words) < 3:
        return "und"
    counts: Counter[str] = Counter()
    for w in words:
        for lang in _LANGS_OF.get(w, ()):
            counts[lang] += 1
    if not counts:
        return "und"
    lang, n = counts.most_common(1)[0]
    return lang if n >= 2 else "und"


def language_group(code: str | None) -> str:
    """Map a language code onto the corpus' groups: "ja", "en" or "other"."""
    return code if code in ("ja", "en") else "other"
