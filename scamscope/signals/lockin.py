"""Lock-in and alarm code visible in page source (static analysis; no JavaScript is run).

Tech support scam pages take over the browser: full screen, keyboard and pointer lock, keys and
right-click swallowed, a hidden cursor, a siren and a voice, dialogs and history entries that
come back, a "leave this page?" prompt, and sometimes a worker bomb that freezes the tab. This
signal reads the page's code (inline scripts, event-handler attributes, styles, PHP left in a
saved kit, or a whole JS file) and reports one coarse piece of evidence per behaviour, with the
best excerpt and a strength that reflects how hostile the use is: the same APIs have benign uses
(games lock the pointer on a canvas click, slide decks go full screen on a key, forms warn about
unsaved input), so context decides the strength.

The behaviours are the families of :mod:`scamscope.signals.families` (one module per concern,
each with the static hook run here and the live hook run on the sandboxed browser's events);
their patterns live in ``scamscope/data/lockin.toml``.
"""

from __future__ import annotations

from scamscope.signals.families import registry
from scamscope.signals.families.code import EXCERPT_CHARS, MAX_MATCHES, RULES, Ctx, Hit, Rule, best_evidence, scan
from scamscope.types import Evidence, Observations, Page

__all__ = ["EXCERPT_CHARS", "MAX_MATCHES", "NAME", "RULES", "SIGNALS", "Ctx", "Hit", "Rule", "run", "scan"]

NAME = "lockin"

SIGNALS: tuple[str, ...] = tuple(f.signal for f in registry() if f.static is not None)

# what prose without code can show (the page text asking "leave this page?")
_TEXT_ONLY = ("lockin.exit_popup",)


def run(page: Page) -> Observations:
    """Report lock-in and alarm behaviour visible in the page's code (one evidence per signal)."""
    obs = Observations()
    ctx = Ctx(page)
    no_code = not ctx.code and not (ctx.is_html and page.html)
    if no_code and not page.text:
        return obs
    found: list[Evidence | None] = []
    for family in registry():
        if family.static is None or (no_code and family.signal not in _TEXT_ONLY):
            continue
        found.append(best_evidence(family.signal, family.static(ctx), ctx))
    obs.evidence.extend(e for e in found if e is not None and e.strength > 0)
    return obs
