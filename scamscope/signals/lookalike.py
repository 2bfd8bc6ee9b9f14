"""Look-alike letters: a brand or security word spelled with letters of another script.

"Місrоsоft" with Cyrillic і, с, о reads as Microsoft to a person but not to a filter; honest
pages have no reason to do it. Text matching already folds such words (see
:func:`scamscope.signals.scare_text.fold_lookalikes`), so the scare phrases and brands are found
either way; this signal adds that the spelling itself is an evasion.

Evidence: ``brand.lookalike_letters`` (1.0 for a brand name, 0.7 for a security word from
``data/confusables.toml``'s ``watch_words``).
"""

from __future__ import annotations

import unicodedata
from functools import cache

from scamscope.data import load
from scamscope.signals.scare_text import LOOKALIKE_TABLE, mixed_script_words
from scamscope.types import Evidence, Observations, Page

NAME = "lookalike"
MAX_CHARS = 400_000


@cache
def _words() -> tuple[frozenset[str], frozenset[str]]:
    brands = set()
    for b in load("brands")["brand"]:
        for alias in b.get("aliases", []):
            if alias.isascii() and " " not in alias:
                brands.add(alias.lower())
    return frozenset(brands), frozenset(w.lower() for w in load("confusables")["words"]["watch_words"])


def _scripts(word: str) -> str:
    names = sorted({unicodedata.name(c, "?").split(" ")[0].title() for c in word if c.translate(LOOKALIKE_TABLE) != c})
    return ", ".join(names)


def run(page: Page) -> Observations:
    obs = Observations()
    brands, watch = _words()
    seen: set[str] = set()
    for source, raw in (("title", page.title), ("text", page.text)):
        for word, folded in mixed_script_words(unicodedata.normalize("NFKC", (raw or "")[:MAX_CHARS])):
            key = folded.lower()
            if key in seen or (key not in brands and key not in watch):
                continue
            seen.add(key)
            strength = 1.0 if key in brands else 0.7
            obs.evidence.append(Evidence(
                "brand.lookalike_letters",
                f"'{folded}' is spelled with look-alike letters of another script ({_scripts(word)}), as filters are evaded",
                excerpt=word, strength=strength, source=source,
            ))
            if len(seen) >= 10:
                return obs
    return obs
