"""Exit intent: a fake 'Do you want to leave this page?' box (``lockin.exit_popup``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import RULES, Ctx, Hit, scan
from scamscope.types import Page

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.exit_popup", "static")


# --- static: the page's code ---


def _exit_popup(ctx: Ctx, phrase: re.Match[str] | None) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("exit.handler"):
        if not ctx.page_scope(m):
            continue
        text = ctx.expand(ctx.handler(m.end()).text)
        if ctx.has("exit.leaving_check", text) or ctx.has("ctx.show", text):
            s = _S["exit_intent_with_phrase"] if phrase else _S["exit_intent"]
            hits.append(
                Hit(
                    s,
                    m.start(),
                    m.end(),
                    "exit intent: moving the mouse out of the page shows a 'leave this page?' box",
                )
            )
    for m in ctx.live("exit.visibility"):
        if not ctx.page_scope(m):
            continue
        text = ctx.expand(ctx.handler(m.end()).text)
        if ctx.has("ctx.show", text) or ".play(" in text or ctx.has("dialog.call", text):
            s = _S["tab_switch_with_phrase"] if phrase else _S["tab_switch"]
            hits.append(Hit(s, m.start(), m.end(), "switching tab/window shows the warning again or replays its sound"))
    for h in ctx.trigger("mousemove").handlers:
        text = ctx.expand(h.text)
        if ctx.has("fullscreen.state", text) and ctx.has("ctx.show", text) and h.name is None:
            hits.append(
                Hit(
                    _S["fullscreen_exit_box_with_phrase"] if phrase else _S["fullscreen_exit_box"],
                    h.start,
                    h.end,
                    "leaving full screen shows a fake 'leave this page?' box",
                )
            )
    if phrase and not hits:
        hits.append(
            Hit(
                RULES["exit.phrase"].strength,
                phrase.start(),
                phrase.end(),
                "page text asks 'do you want to leave/close this page?'",
                "text",
                phrase.string,
            )
        )
    return hits


def _leave_phrase(page: Page) -> re.Match[str] | None:
    """The fake 'leave this page?' question in the visible page (not in script strings: those are
    usually the beforeunload message, reported by lockin.beforeunload)."""
    text = (page.title + "\n" + page.text)[:300000]
    return next(scan(RULES["exit.phrase"], text, 1), None) if text else None


def _static_exit_popup(ctx: Ctx) -> list[Hit]:
    return _exit_popup(ctx, _leave_phrase(ctx.page))


FAMILIES: tuple[Family, ...] = (Family("lockin.exit_popup", static=_static_exit_popup, live=None),)
