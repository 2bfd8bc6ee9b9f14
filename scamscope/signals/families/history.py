"""History floods and back-button traps: Back never leaves the page (``lockin.history_flood``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, loop_count
from scamscope.signals.families.events import Obs, Stats, as_int, as_str, event_details, event_total

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.history_flood", "static")
_L = strengths("lockin.history_flood", "live")


# --- static: the page's code ---


def _history(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    calls = list(ctx.live("history.call"))
    plain = 0
    for m in calls:
        loop = ctx.in_loop(m.start())
        if loop:
            n = loop_count(ctx.code[loop.end() : m.start()])
            times = f" ({n} times)" if n else ""
            hits.append(
                Hit(
                    _S["loop"],
                    loop.start(),
                    m.end(),
                    f"pushes history entries in a loop{times}: Back never leaves the page",
                )
            )
        elif ctx.triggered("interval", m.start()):
            hits.append(
                Hit(_S["timer"], m.start(), m.end(), "pushes history entries on a timer: Back never leaves the page")
            )
        else:
            plain += 1
    for m in ctx.live("history.popstate"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if ctx.has("history.trap_action", text):
            hits.append(
                Hit(
                    _S["back_button_trap"],
                    m.start(),
                    m.end(),
                    "back-button trap: pressing Back pushes the page again or redirects",
                )
            )
    if plain >= 6 and not hits:
        first = calls[0]
        hits.append(
            Hit(_S["many_calls"], first.start(), first.end(), f"history.pushState/replaceState called {plain} times")
        )
    return hits


# --- live: what the page was seen doing ---


def _live_history(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    push = event_total(stats, "history", "pushState")
    replace = event_total(stats, "history", "replaceState")
    ds = event_details(stats, "history")
    guarded = max((as_int(d.get("dropped")) for d in ds), default=0)
    url = next((as_str(d.get("url")) for d in ds if as_str(d.get("url"))), "")
    note = f" ({guarded:,} of them held back by the capture's flood guard)" if guarded else ""
    if push >= 50:
        s = _L["push_1000"] if push >= 1000 else _L["push_50"]
        out.append(Obs(s, f"history.pushState called {push:,} times: Back never leaves the page{note}", url))
    elif push >= 10:
        out.append(Obs(_L["push_10"], f"history.pushState called {push} times (an app's routing, or a slow trap)", url))
    if replace >= 1000:
        out.append(Obs(_L["replace_1000"], f"history.replaceState called {replace:,} times{note}", url))
    if any(d.get("event") == "popstate" for d in ds):
        out.append(Obs(_L["back_button_trap"], "back-button trap: pressing Back made the page push itself again", url))
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.history_flood", static=_history, live=_live_history),)
