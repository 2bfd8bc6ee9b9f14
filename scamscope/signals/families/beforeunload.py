"""Leaving the page: 'leave this site?' prompts and unload traps (``lockin.beforeunload``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import CALL, NOT_CALLS, Ctx, Hit, rule_rx, source_of
from scamscope.signals.families.events import Obs, Stats, as_str, event_details

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.beforeunload", "static")
_L = strengths("lockin.beforeunload", "live")


# --- static: the page's code ---


_CONDITION = re.compile(r"\bif\s*\(([^()]{0,200}(?:\([^()]{0,100}\)[^()]{0,100})?)\)|\breturn\s+([^;\n]{1,120}?)\s*&&")


def _conditions(text: str) -> list[str]:
    return [m.group(1) or m.group(2) or "" for m in _CONDITION.finditer(text)]


def _undefined_calls_only(ctx: Ctx, cond: str) -> bool:
    """A condition like ``data_needs_saving()`` whose function is not defined anywhere: not a real check."""
    names = [m.group(1) for m in CALL.finditer(cond) if m.group(1) not in NOT_CALLS]
    return bool(names) and all(ctx.function_body(n) is None for n in names)


def _beforeunload(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    dirty_rx = rule_rx("unload.dirty_condition")
    for m in ctx.live("unload.handler"):
        before_unload = "before" in m.group(0).lower()
        h = ctx.handler(m.end())
        if h.text.strip() in ("", "null", "undefined", "false") and not ctx.attr_line(m.start()):
            continue
        text = ctx.expand(h.text)
        src = source_of(ctx, m.start())
        trap = ctx.has("unload.trap_action", text)
        if trap:
            what = trap.group(0)
            if "Worker" in what or "while" in what:
                detail = "leaving the page starts a CPU bomb (workers / endless loop)"
            elif re.match(r"(?:alert|confirm|prompt)|window\.(?:alert|confirm|prompt)", what):
                detail = "leaving the page pops up a dialog"
            else:
                detail = "leaving the page re-opens or reloads it"
            hits.append(Hit(_S["trap"], m.start(), m.end(), detail, src))
            continue
        if not before_unload:
            continue  # a plain unload handler (analytics, cleanup)
        dirty = [c for c in _conditions(text) if dirty_rx.search(c) and not _undefined_calls_only(ctx, c)]
        message = ctx.has("unload.message", text)
        if dirty:
            hits.append(
                Hit(
                    _S["unsaved_input_only"],
                    m.start(),
                    m.end(),
                    "asks to confirm leaving only when there is unsaved input",
                    src,
                )
            )
        elif message:
            hits.append(
                Hit(
                    _S["message_every_time"],
                    m.start(),
                    m.end(),
                    "asks 'leave this page?' every time (returns a message)",
                    src,
                )
            )
        elif "preventDefault" in text or "returnValue" in text:
            hits.append(
                Hit(
                    _S["confirm_without_message"],
                    m.start(),
                    m.end(),
                    "asks to confirm leaving (preventDefault/returnValue, no message)",
                    src,
                )
            )
        elif ctx.attr_line(m.start()):
            hits.append(
                Hit(_S["attribute"], m.start(), m.end(), "onbeforeunload attribute asks to confirm leaving", src)
            )
        elif h.text.strip():
            hits.append(Hit(_S["handler"], m.start(), m.end(), "beforeunload handler", src))
    return hits


# --- live: what the page was seen doing ---


def _live_beforeunload(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "beforeunload"):
        via = as_str(d.get("via"))
        if via == "prompted":
            message = as_str(d.get("message"))
            out.append(Obs(_L["prompted"], "page asked 'leave this site?' when it was being closed", message))
        elif via == "attribute":
            out.append(
                Obs(_L["attribute"], "onbeforeunload attribute: the page asks to confirm leaving", "onbeforeunload")
            )
        elif via:
            out.append(
                Obs(
                    _L["handler"],
                    f"page registered a beforeunload handler ({via} on {as_str(d.get('target'))})",
                    "beforeunload",
                )
            )
    for etype in ("dialog", "window_open"):
        for d in event_details(stats, etype):
            if as_str(d.get("event")) in ("beforeunload", "unload", "pagehide"):
                what = "pops up a dialog" if etype == "dialog" else "opens a window"
                out.append(
                    Obs(
                        _L["trap"],
                        f"leaving the page {what} (during {d.get('event')})",
                        as_str(d.get("message") or d.get("url")),
                    )
                )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.beforeunload", static=_beforeunload, live=_live_beforeunload),)
