"""Signal "title": a page title that is a claim by itself (``title.alarm``, ``title.support_claim``).

A scare screen titles itself with the alarm ("SYSTEM WARNING", "Computer Error 2V7HGTVB") or as a
brand's support desk ("Microsoft Official Support"); ordinary pages, awareness pages included,
name their site or subject. Rules (``scamscope/data/titles.toml``) match the whole normalised title.
The title alone is evidence of a claim, not of a scam: the scorer still needs a way to make
contact, and a support-desk title on the brand's own domain is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from scamscope import rx
from scamscope.data import load
from scamscope.signals.scare_text import normalise
from scamscope.types import Evidence, Observations, Page

NAME = "title"

MAX_TITLE = 200  # characters of the title looked at
_TRIM = " \t|*\\/-_:!.#()[]{}<>\"'・|｜「」『』“”«»"


@dataclass(frozen=True)
class _Rule:
    id: str
    signal: str
    strength: float
    rx: rx.Regex


@cache
def _rules() -> tuple[_Rule, ...]:
    data = load("titles")
    return tuple(
        _Rule(r["id"], r["signal"], float(r["strength"]), rx.compile("|".join(f"(?:{p})" for p in r["patterns"])))
        for r in data["rule"]
    )


def run(page: Page) -> Observations:
    obs = Observations()
    title = normalise(page.title[:MAX_TITLE]).strip(_TRIM) if page.title else ""
    if not title:
        return obs
    best: dict[str, _Rule] = {}
    for rule in _rules():
        if rule.rx.search(title) and (rule.signal not in best or rule.strength > best[rule.signal].strength):
            best[rule.signal] = rule
    for signal, rule in best.items():
        if signal == "title.support_claim" and _on_brand_domain(page):
            continue
        what = "an alarm" if signal == "title.alarm" else "a brand's support desk"
        obs.evidence.append(
            Evidence(signal, f"the page's title is {what} by itself ({rule.id})", excerpt=page.title[:120],
                     strength=rule.strength, source="title")
        )  # fmt: skip
    return obs


def _on_brand_domain(page: Page) -> bool:
    """Is the page from a domain of a brand in brands.toml (its URL, or the origin a saved copy
    declares: HTTrack comment, canonical link, og:url)? Microsoft's own support site titles itself
    "Microsoft Support"; a page on a hosting platform under a brand's domain is anybody's."""
    from scamscope.signals.brands import on_a_brands_domain, page_origin

    url, _how = page_origin(page)
    return bool(url) and on_a_brands_domain(url)
