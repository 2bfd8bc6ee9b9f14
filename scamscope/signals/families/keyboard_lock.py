"""Keyboard Lock API: Esc and the system keys go to the page (``lockin.keyboard_lock``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit
from scamscope.signals.families.events import Obs, Stats, called_when, event_details
from scamscope.signals.families.keys import game_input

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.keyboard_lock", "static")
_L = strengths("lockin.keyboard_lock", "live")


# --- static: the page's code ---


_KEYLIST = re.compile(r"\[([^\[\]]{0,300})\]")


def _keyboard_lock(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("keyboard.lock"):
        navigator = "navigator" in code[max(0, m.start() - 20) : m.start()]
        km = _KEYLIST.match(code, m.end())
        if km:
            keys = [k.strip(" '\"\n\t") for k in km.group(1).split(",") if k.strip(" '\"\n\t")]
            system = [
                k
                for k in keys
                if k in ("Escape", "F11", "Tab", "AltLeft", "AltRight", "MetaLeft", "MetaRight", "F4", "F5")
            ]
            s = _S["system_keys"] if system else _S["other_keys"]
            detail = f"Keyboard Lock on {', '.join(keys[:8])}" + (" (system keys)" if system else "")
        else:
            s, detail = (
                _S["every_key"],
                "navigator.keyboard.lock() with no key list: every key, including Esc, goes to the page",
            )
        if not navigator:
            s -= _S["not_on_navigator_less"]
        if game_input(ctx):
            s, detail = min(s, _S["game_controls"]), detail + "; the keys drive a game (a table of pressed keys)"
        hits.append(Hit(s, m.start(), m.end() + (km.end() - km.start() if km else 0), detail))
    return hits


# --- live: what the page was seen doing ---


_SYSTEM_LOCK_CODES = frozenset(
    {"Escape", "F11", "F4", "F5", "Tab", "AltLeft", "AltRight", "MetaLeft", "MetaRight", "OSLeft", "OSRight",
     "ControlLeft", "ControlRight", "KeyW"}
)  # fmt: skip


def _live_keyboard_lock(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "keyboard_lock"):
        raw = d.get("keys")
        keys = [k for k in raw if isinstance(k, str)] if isinstance(raw, list) else []
        when = called_when(d)
        if not keys:
            out.append(
                Obs(_L["every_key"], f"page called navigator.keyboard.lock() with no key list {when}: every key, Esc included, "
                          "goes to the page", "navigator.keyboard.lock()")
            )  # fmt: skip
            continue
        shown = "[" + ",".join(f"'{k}'" for k in keys[:8]) + (",…" if len(keys) > 8 else "") + "]"
        system = [k for k in keys if k in _SYSTEM_LOCK_CODES]
        s = _L["system_keys"] if system else _L["other_keys"]
        why = f" (takes {', '.join(system[:4])} from the browser)" if system else ""
        out.append(Obs(s, f"page called navigator.keyboard.lock({shown}) {when}{why}", f"keyboard.lock({shown})"))
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.keyboard_lock", static=_keyboard_lock, live=_live_keyboard_lock),)
