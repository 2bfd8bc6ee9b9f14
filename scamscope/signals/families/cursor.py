"""Hidden mouse pointer (cursor: none) over the page (``lockin.cursor_none``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import PAGE_TARGET, Ctx, Hit, source_of
from scamscope.signals.families.events import Obs, Stats, as_str, event_details

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.cursor_none", "static")
_L = strengths("lockin.cursor_none", "live")


# --- static: the page's code ---


_PAGE_SELECTOR = re.compile(r"(?:^|[\s,>}~+])(?:html|body|\*|:root)(?=$|[\s,.:#\[>{~+])", re.I)


_SMALL_SELECTOR = re.compile(
    r"canvas|video|game|player|plyr|vjs|jw|slide|reveal|kiosk|idle|hide|fullscreen|screensaver|lightbox|viewer|drag",
    re.I,
)


_CURSOR_BACK = re.compile(
    r"""cursor\s*=\s*['"](?:|default|auto|pointer|inherit)['"]|['"]cursor['"]\s*,\s*['"](?:|default|auto)['"]"""
)


def _cursor_scope(ctx: Ctx, m: re.Match[str]) -> tuple[float, str]:
    code, pos = ctx.code, m.start()
    if ctx.attr_line(pos):
        if _body_cursor_none(ctx):
            return _S["page"], "on <body>"
        return _S["element"], "on an element (style attribute)"
    matched = m.group(0)
    if "=" in matched or "," in matched:  # JS: x.style.cursor = 'none' / .css('cursor','none')
        before = code[max(0, pos - 80) : pos]
        if PAGE_TARGET.search(before) or re.search(r"\bbody\s*\.\s*style\s*\.\s*$", before):
            return _S["page"], "on the whole page (script)"
        return _S["element"], "on an element (script)"
    lo = max(0, pos - 2000)
    ob, cb = code.rfind("{", lo, pos), code.rfind("}", lo, pos)
    if ob > cb:
        sel = code[max(cb + 1, ob - 300) : ob].strip()
        if sel.endswith(("=", "(", ":", ",")) or not sel:
            return _S["element"], "on an element (inline style object)"
        if _PAGE_SELECTOR.search(sel.rsplit(";", 1)[-1]):
            return _S["page"], f"on '{sel[-40:]}'"
        if _SMALL_SELECTOR.search(sel):
            return _S["media_element"], f"on '{sel[-40:]}' (a media/game element)"
        return _S["element"], f"on '{sel[-40:]}'"
    return _S["element"], "in a style"


def _body_cursor_none(ctx: Ctx) -> bool:
    html = ctx.markup
    for m in re.finditer(r"<\s*(?:body|html)\b[^<>]{0,2000}>", html[:400000], re.I):
        if re.search(r"cursor\s*:\s*none", m.group(0), re.I):
            return True
    return False


def _cursor_restored(code: str, pos: int) -> bool:
    """Presentation/video players hide the cursor while idle and show it again on movement."""
    near = code[max(0, pos - 800) : pos + 800]
    return "showCursor" in near or _CURSOR_BACK.search(near) is not None


def _cursor_none(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("cursor.none"):
        s, where = _cursor_scope(ctx, m)
        if ("=" in m.group(0) or "," in m.group(0)) and _cursor_restored(ctx.code, m.start()):
            s, where = _S["idle_hiding"], where + ", restored on movement (idle hiding)"
        hits.append(Hit(s, m.start(), m.end(), f"mouse pointer hidden {where}", source_of(ctx, m.start())))
    if len(hits) >= 3:
        top = max(hits, key=lambda h: h.strength)
        hits.append(
            Hit(
                max(top.strength, _S["many_elements_at_least"]),
                top.start,
                top.end,
                f"mouse pointer hidden on {len(hits)} elements",
                top.source,
            )
        )
    return hits


# --- live: what the page was seen doing ---


def _live_cursor_none(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "cursor_none"):
        where = as_str(d.get("where"))
        when = {"click": "after a click", "load": "after load", "timer": "a few seconds after load"}.get(
            as_str(d.get("when")), "on load"
        )
        if where in ("body", "html"):
            out.append(
                Obs(_L["page"], f"mouse pointer hidden on <{where}> (computed cursor: none) {when}", "cursor: none")
            )
        elif where == "viewport":
            el = as_str(d.get("element"))
            out.append(
                Obs(
                    _L["viewport"],
                    f"mouse pointer hidden over the whole viewport ({el}, cursor: none) {when}",
                    "cursor: none",
                )
            )
        elif where:
            out.append(
                Obs(
                    _L["part"],
                    f"mouse pointer hidden over part of the page ({as_str(d.get('element'))}) {when}",
                    "cursor: none",
                )
            )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.cursor_none", static=_cursor_none, live=_live_cursor_none),)
