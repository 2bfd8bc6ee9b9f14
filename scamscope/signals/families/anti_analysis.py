"""Fighting analysis: debugger traps, token gates, cloaking, bot checks (``lockin.anti_analysis``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import RULES, Ctx, Hit, is_recursive

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.anti_analysis", "static")


# --- static: the page's code ---


_BUILT_DEBUGGER = re.compile(r"(?:constructor|Function)\s*\(\s*['\"]$")


def _anti_analysis(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("anti.debugger", limit=20):
        if _BUILT_DEBUGGER.search(code, max(0, m.start() - 40), m.start()):
            hits.append(
                Hit(_S["built_debugger"], m.start(), m.end(), "builds debugger statements at run time (DevTools trap)")
            )
        elif ctx.repeated(m.start()) or is_recursive(ctx, m.start()):
            hits.append(
                Hit(
                    _S["repeated_debugger"],
                    m.start(),
                    m.end(),
                    "debugger statement in a loop/timer/recursion (DevTools trap)",
                )
            )
    for m in ctx.live("anti.token_gate", limit=5):
        if re.search(r"REMOTE_ADDR|CONNECTING_IP|HTTP_USER_AGENT|X_FORWARDED", code):
            hits.append(
                Hit(
                    _S["token_gate"],
                    m.start(),
                    m.end(),
                    "token gate: page served only if the URL carries md5(visitor IP + User-Agent)",
                )
            )
    for m in ctx.live("anti.server_cloak", limit=10):
        near = code[max(0, m.start() - 600) : m.end() + 1500]
        if ctx.has("anti.cloak_verdict", near):
            hits.append(Hit(_S["server_cloak"], m.start(), m.end(), "server-side cloaking on referrer / User-Agent"))
            break
    for rule in ("anti.cloak_include", "anti.bot_check"):
        for m in ctx.live(rule, limit=3):
            hits.append(Hit(RULES[rule].strength, m.start(), m.end(), RULES[rule].description.split(":")[0]))
    return hits


FAMILIES: tuple[Family, ...] = (Family("lockin.anti_analysis", static=_anti_analysis, live=None),)
