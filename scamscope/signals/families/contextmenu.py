"""Right-click menu and right/middle mouse buttons disabled (``lockin.contextmenu_block``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, source_of
from scamscope.signals.families.events import MEDIA_TAGS, Obs, Stats, as_str, event_details

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.contextmenu_block", "static")
_L = strengths("lockin.contextmenu_block", "live")


# --- static: the page's code ---


def _contextmenu(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("contextmenu.handler"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if not (ctx.has("ctx.block_action", text) or h.text.strip() in ("false", "!1")):
            continue
        page = ctx.page_scope(m)
        s = _S["page"] if page else _S["one_element"]
        where = "on the whole page" if page else "on one element"
        hits.append(Hit(s, m.start(), m.end(), f"right-click menu disabled {where}", source_of(ctx, m.start())))
    for m in ctx.live("mouse.button_block"):
        fn = ctx.enclosing_function(m.start())
        bound = bool(fn and re.search(r"\bon(?:mousedown|mouseup|auxclick)\s*=\s*" + re.escape(fn) + r"\b", ctx.code))
        hits.append(
            Hit(
                _S["buttons_bound"] if bound else _S["buttons"],
                m.start(),
                m.end(),
                "right/middle mouse buttons swallowed",
            )
        )
    return hits


# --- live: what the page was seen doing ---


def _live_contextmenu_block(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "contextmenu_block"):
        tag = as_str(d.get("tag"))
        target = as_str(d.get("target")) or tag
        if d.get("via") != "contextmenu":
            out.append(
                Obs(_L["button"], f"page cancelled the right mouse button ({d.get('via')} on <{target}>)", "button 2")
            )
        elif tag in MEDIA_TAGS or tag in ("input", "textarea"):
            out.append(Obs(_L["media_or_field"], f"right-click menu disabled on a <{tag}>", "contextmenu"))
        else:
            out.append(
                Obs(
                    _L["real_right_click"],
                    f"right-click menu disabled: a real right click on <{target}> was cancelled",
                    "contextmenu",
                )
            )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.contextmenu_block", static=_contextmenu, live=_live_contextmenu_block),)
