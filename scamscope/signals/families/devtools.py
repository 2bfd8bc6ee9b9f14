"""DevTools detection and a silenced or cleared console (``lockin.devtools_detect``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import RULES, Ctx, Hit
from scamscope.signals.families.events import Obs, Stats, event_total, times_text

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.devtools_detect", "static")
_L = strengths("lockin.devtools_detect", "live")


# --- static: the page's code ---


def _devtools(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for rule in ("devtools.size", "devtools.named"):
        for m in ctx.live(rule, limit=3):
            hits.append(
                Hit(
                    RULES[rule].strength,
                    m.start(),
                    m.end(),
                    "detects open DevTools" + (" by window size" if rule.endswith("size") else ""),
                )
            )
    silenced = list(ctx.live("devtools.console_silence", limit=20))
    methods = {re.sub(r"\W", "", m.group(0)) for m in silenced}
    cleared_on_timer = [m for m in silenced if "clear" in m.group(0) and ctx.triggered("interval", m.start())]
    if cleared_on_timer:
        m = cleared_on_timer[0]
        hits.append(Hit(_S["console_cleared_on_timer"], m.start(), m.end(), "clears the console on a timer"))
    elif len(methods) >= 3:
        m = silenced[0]
        hits.append(Hit(_S["console_silenced"], m.start(), m.end(), "silences the console (log/warn/error replaced)"))
    return hits


# --- live: what the page was seen doing ---


def _live_devtools_detect(stats: Stats) -> list[Obs]:
    n = event_total(stats, "console_clear")
    return (
        [
            Obs(
                _L["console_cleared_3_times"],
                f"console.clear() called {times_text(n)} (hides what it logs from an analyst)",
                "console.clear()",
            )
        ]
        if n >= 3
        else []
    )


FAMILIES: tuple[Family, ...] = (Family("lockin.devtools_detect", static=_devtools, live=_live_devtools_detect),)
