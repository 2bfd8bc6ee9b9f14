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
_WORD = re.compile(r"[a-zà-ÿąćęłńóśźżß]+", re.I)

_STOP = {
    "en": "the and you your is are to of this for with have has not your will be it on call now".split(),
    "de": "der die das und ist nicht sie ihr ihre mit für auf werden wird zu ein eine den dem bitte".split(),
    "fr": "le la les et est pas vous votre des une un pour avec sur ce cette sont dans du au".split(),
    "es": "el la los las y es no su sus para con por una un del se que este esta".split(),
    "it": "il lo la gli le e non di della per con una un che sono questo questa del".split(),
    "pt": "o a os as e não seu sua para com uma um do da que este esta são".split(),
    "pl": "i nie jest się na do w z że to jak twój twoje komputer proszę".split(),
}
_STOP_SETS = {lang: set(words) for lang, words in _STOP.items()}


def detect_language(text: str, *, sample: int = 20_000) -> str:
    """Return an ISO 639-1 code ("ja", "en", "de", ...) or "und" when there is too little text."""
    t = text[:sample]
    kana = len(_KANA.findall(t))
    han = len(_HAN.findall(t))
    if kana >= 5 or (kana >= 1 and kana + han >= 10):
        return "ja"
    if han >= 20:
        return "zh"
    if len(_HANGUL.findall(t)) >= 20:
        return "ko"
    words = [w.lower() for w in _WORD.findall(t)]
    if len(_CYRILLIC.findall(t)) > max(20, len(words)):
        return "ru" if "ы" in t else "bg"
    if len(words) < 3:
        return "und"
    counts: Counter[str] = Counter()
    for w in words:
        for lang, stop in _STOP_SETS.items():
            if w in stop:
                counts[lang] += 1
    if not counts:
        return "und"
    lang, n = counts.most_common(1)[0]
    return lang if n >= 2 else "und"


def language_group(code: str | None) -> str:
    """Map a language code onto the corpus' groups: "ja", "en" or "other"."""
    return code if code in ("ja", "en") else "other"
