"""Pointer Lock API: the mouse pointer is captured by the page (``lockin.pointer_lock``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import RULES, Ctx, Hit, is_assignment_target, source_of
from scamscope.signals.families.events import (
    MEDIA_TAGS,
    Obs,
    Stats,
    as_str,
    called_when,
    event_details,
    event_total,
    page_wide,
    specific,
    times_text,
)

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.pointer_lock", "static")
_L = strengths("lockin.pointer_lock", "live")


# --- static: the page's code ---


def _pointer_lock(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("pointer.request"):
        if is_assignment_target(ctx.code, m.end()):
            continue  # el.requestPointerLock = el.requestPointerLock || el.mozRequestPointerLock: the call comes later
        how = ctx.repeated(m.start())
        if how:
            s, why = (
                _S["repeated"],
                {"timer": "on a timer", "mousemove": "on mere mouse movement", "loop": "in a loop"}[how],
            )
        elif ctx.triggered("gesture", m.start()):
            s, why = _S["any_click"], "on any click anywhere on the page"
        else:
            s, why = _S["one_element"], "after a click on a specific element (as games do)"
        hits.append(Hit(s, m.start(), m.end(), f"locks the mouse pointer {why}", source_of(ctx, m.start())))
    if not hits:
        for m in ctx.live("pointer.state", limit=1):
            hits.append(
                Hit(
                    RULES["pointer.state"].strength,
                    m.start(),
                    m.end(),
                    "uses pointer-lock state (the request is not visible in this source)",
                )
            )
    return hits


# --- live: what the page was seen doing ---


def _live_pointer_lock(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    ds = event_details(stats, "pointer_lock")
    unprompted = 0
    for d in ds:
        tag = as_str(d.get("tag"))
        target = f"<{as_str(d.get('target')) or tag or 'an element'}>"
        if specific(d) and tag in MEDIA_TAGS:
            s, why = _L["media_after_click"], f"locked the mouse pointer to {target} after a click on it (as games do)"
        elif page_wide(d) or (d.get("page") and d.get("trusted") is not False and as_str(d.get("event"))):
            s, why = (
                (_L["page_wide_page"] if d.get("page") else _L["page_wide_element"]),
                f"locked the mouse pointer to {target} {called_when(d)}",
            )
        elif d.get("trusted") is False or not as_str(d.get("event")):
            unprompted += 1
            s, why = _L["unprompted"], f"locked the mouse pointer to {target} {called_when(d)}"
        else:
            s, why = _L["other"], f"locked the mouse pointer to {target} {called_when(d)}"
        out.append(Obs(s, f"page {why}", "requestPointerLock()"))
    n = event_total(stats, "pointer_lock")
    if n >= 3 and unprompted >= 2:
        out.append(
            Obs(
                _L["repeated_unprompted"],
                f"page requested pointer lock {times_text(n)}, without a click to ask for it",
                "requestPointerLock()",
            )
        )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.pointer_lock", static=_pointer_lock, live=_live_pointer_lock),)
