"""Focus trap: the page grabs the focus back (``lockin.focus_trap``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import INTERVAL_MS, Ctx, Hit

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.focus_trap", "static")


# --- static: the page's code ---


def _focus_trap(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for h in ctx.trigger("interval").handlers:
        if ".focus(" in h.text and h.name is None:
            ms = INTERVAL_MS.search(ctx.code, h.end - 2, h.end + 40) or INTERVAL_MS.search(h.text + ")")
            fast = ms is not None and float(ms.group(1)) <= 200
            hits.append(
                Hit(_S["fast_timer"] if fast else _S["timer"], h.start, h.end, "grabs the focus back on a timer")
            )
    for m in ctx.live("exit.visibility"):
        if "blur" in m.group(0) and ctx.page_scope(m):
            text = ctx.expand(ctx.handler(m.end()).text)
            if ctx.has("focus.steal", text):
                hits.append(Hit(_S["on_blur"], m.start(), m.end(), "takes the focus back whenever the window loses it"))
    return hits


FAMILIES: tuple[Family, ...] = (Family("lockin.focus_trap", static=_focus_trap, live=None),)
