"""Dialog floods: alert/confirm/prompt/print that keep coming back (``lockin.dialog_loop``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import RULES, WS, Ctx, Hit, expr_end, is_definition, is_recursive
from scamscope.signals.families.events import Obs, Stats, event_total, quoted, times_text

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.dialog_loop", "static")
_L = strengths("lockin.dialog_loop", "live")


# --- static: the page's code ---


_SEPARATE_HANDLERS = re.compile(r"\bfunction\b|=>|\bif\s*\(|\bcase\b|\belse\b|\bcatch\b|addEventListener")


def _dialog_arg(code: str, end: int) -> str:
    return WS.sub(" ", code[end : expr_end(code, end, 120)]).strip()


def _dialogs(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    runs: dict[str, int] = {}
    last: dict[str, int] = {}
    for m in ctx.live("dialog.call"):
        kind = m.group(1)
        if is_definition(code, m.start(), m.end()):
            continue
        if kind == "print" and not code.startswith(")", code.find("(", m.start()) + 1):
            continue
        how = ctx.repeated(m.start())
        if how == "loop":
            hits.append(
                Hit(
                    _S["loop"], m.start(), m.end(), f"{kind}() in a loop: the dialog comes back every time it is closed"
                )
            )
        elif how == "timer" or is_recursive(ctx, m.start()):
            hits.append(
                Hit(
                    _S["timer_or_recursive"],
                    m.start(),
                    m.end(),
                    f"{kind}() on a timer / recursive: the dialog keeps coming back",
                )
            )
        elif how == "mousemove":
            hits.append(Hit(_S["mousemove"], m.start(), m.end(), f"{kind}() whenever the mouse moves"))
        arg = _dialog_arg(code, m.end())
        key = f"{kind}:{arg}"
        prev = last.get(key)
        run_len = (
            runs.get(key, 0) + 1 if prev is not None and not _SEPARATE_HANDLERS.search(code, prev, m.start()) else 1
        )
        runs[key], last[key] = run_len, m.end()
        if run_len == 3 and len(arg) > 2:
            hits.append(Hit(_S["same_3_times"], m.start(), m.end(), f"the same {kind}() called 3+ times in a row"))
    for m in ctx.live("dialog.basic_auth"):
        looping = re.search(r"\bRefresh\s*:", code) is not None
        s = _S["basic_auth_refresh_loop"] if looping else RULES["dialog.basic_auth"].strength
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "HTTP Basic-Auth challenge shows text in the browser's login dialog"
                + (", re-sent in a refresh loop" if looping else ""),
            )
        )
    return hits


# --- live: what the page was seen doing ---


def _live_dialog_loop(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    kinds = {k: event_total(stats, "dialog", k) for k in ("alert", "confirm", "prompt")}
    total = sum(kinds.values())
    if total:
        s = (
            _L["dialogs_10"]
            if total >= 10
            else _L["dialogs_3"]
            if total >= 3
            else _L["dialogs_2"]
            if total == 2
            else _L["dialog_1"]
        )
        parts = ", ".join(f"{k} ×{n:,}" for k, n in kinds.items() if n)
        values = stats["dialog"].values if "dialog" in stats else []
        said = f": {quoted(values[0])}" if values else ""
        what = "dialogs kept coming back" if total >= 3 else "dialog shown" if total == 1 else "dialogs shown"
        out.append(Obs(s, f"{total:,} {what} ({parts}){said}", values[0] if values else ""))
    prints = event_total(stats, "print")
    if prints:
        s = _L["prints_2"] if prints >= 2 else _L["print_1"]
        out.append(
            Obs(s, f"print() called {times_text(prints)}" + (" (print dialog loop)" if prints >= 2 else ""), "print()")
        )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.dialog_loop", static=_dialogs, live=_live_dialog_loop),)
