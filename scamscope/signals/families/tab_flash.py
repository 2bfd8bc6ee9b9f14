"""A flashing tab: favicon or title flipped on a timer (``lockin.tab_flash``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit
from scamscope.signals.families.events import Obs, Stats, event_total

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.tab_flash", "static")
_L = strengths("lockin.tab_flash", "live")


# --- static: the page's code ---


def _tab_flash(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for h in ctx.trigger("interval").handlers:
        m = ctx.has("tab.flash", h.text)
        if m:
            favicon = "title" not in m.group(0)
            s = _S["favicon"] if favicon else _S["title"]
            what = "favicon" if favicon else "tab title"
            hits.append(Hit(s, h.start, h.end, f"flips the {what} on a timer (flashing tab)"))
    return hits


# --- live: what the page was seen doing ---


def _live_tab_flash(stats: Stats) -> list[Obs]:
    n = event_total(stats, "title_change")
    titles = stats["title_change"].values if "title_change" in stats else []
    if n >= 20 and len(titles) >= 2:
        return [Obs(_L["titles_20"], f"tab title changed {n:,} times (a flashing tab)", " / ".join(titles[:3]))]
    if n >= 6 and len(titles) >= 2:
        return [Obs(_L["titles_6"], f"tab title changed {n} times", " / ".join(titles[:3]))]
    return []


FAMILIES: tuple[Family, ...] = (Family("lockin.tab_flash", static=_tab_flash, live=_live_tab_flash),)
