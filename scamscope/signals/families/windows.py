"""Window tricks: moving/resizing the window over the screen, pop-up floods (``lockin.window_resize``)."""

from __future__ import annotations

import re
from typing import Any

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, expr_end, is_definition
from scamscope.signals.families.events import Obs, Stats, as_str, event_details, event_total

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.window_resize", "static")
_L = strengths("lockin.window_resize", "live")


# --- static: the page's code ---


_WINDOW_RECEIVER = re.compile(
    r"(?<![\w$.])(?:window|self|top|parent|opener|w|win|wnd|popup|newWindow|myWindow|newwin)\s*\.\s*$"
)


def _window(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("window.geometry"):
        if is_definition(code, m.start(), m.end() - 1):
            continue  # a definition of a method called moveTo (canvas helpers, games)
        args = m.group(1) or ""
        receiver = code[max(0, m.start() - 16) : m.start()]
        if receiver.rstrip().endswith(".") and not _WINDOW_RECEIVER.search(receiver):
            continue  # ctx.moveTo(x, y) on a canvas, el.moveTo() of a library
        bare = not receiver.rstrip().endswith(".")
        full = "screen." in args or re.match(r"\s*0\s*,\s*0\s*$", args) is not None or "avail" in args
        if full:
            hits.append(
                Hit(_S["cover_screen"], m.start(), m.end(), "moves/resizes the browser window to cover the screen")
            )
        elif not bare:
            hits.append(Hit(_S["move_or_resize"], m.start(), m.end(), "moves/resizes the browser window"))
    for m in ctx.live("window.open"):
        if is_definition(code, m.start(), m.end()) or ("window" not in m.group(0) and not ctx.in_loop(m.start())):
            continue
        how = ctx.repeated(m.start())
        args = code[m.end() : expr_end(code, m.end(), 300)]
        if how in ("loop", "timer"):
            hits.append(
                Hit(
                    _S["popups_repeated"],
                    m.start(),
                    m.end(),
                    f"opens pop-up windows {'in a loop' if how == 'loop' else 'on a timer'}",
                )
            )
        elif re.search(r"fullscreen\s*=\s*(?:yes|1)|(?:width|height)\s*=['\"]?\s*\+?\s*screen\.", args, re.I):
            hits.append(Hit(_S["fullscreen_popup"], m.start(), m.end(), "opens a full-screen pop-up window"))
    return hits


# --- live: what the page was seen doing ---


def _live_window_resize(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "resize"):
        kind = as_str(d.get("kind")) or "resizeTo"
        raw = d.get("args")
        args: list[Any] = raw if isinstance(raw, list) else []
        call = f"{kind}({', '.join(str(a) for a in args[:2])})"
        if d.get("full"):
            out.append(
                Obs(_L["cover_screen"], f"page moved/resized the browser window to cover the screen: {call}", call)
            )
        else:
            out.append(
                Obs(
                    _L["move_or_resize"] if not d.get("popup") else _L["move_or_resize_popup"],
                    f"page moved/resized a window: {call}",
                    call,
                )
            )
    n = event_total(stats, "window_open")
    if n:
        urls = stats["window_open"].values if "window_open" in stats else []
        first = urls[0] if urls else ""
        ds = event_details(stats, "window_open")
        fullscreen = any(
            re.search(r"fullscreen\s*=\s*(?:yes|1)|width\s*=\s*\d{4}", as_str(d.get("features")), re.I) for d in ds
        )
        s = (
            _L["popups_10"]
            if n >= 10
            else _L["popups_3"]
            if n >= 3
            else _L["popups_2"]
            if n == 2
            else _L["fullscreen_popup"]
            if fullscreen
            else _L["popup_1"]
        )
        plural = "s" if n > 1 else ""
        out.append(Obs(s, f"page opened {n:,} pop-up window{plural}" + (" (full-screen)" if fullscreen else ""), first))
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.window_resize", static=_window, live=_live_window_resize),)
