"""Freezing the browser: worker bombs, endless loops, memory floods, main-thread stalls (``lockin.freeze``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, block_text, expr_end
from scamscope.signals.families.events import Obs, Stats, as_int, event_details, event_total

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.freeze", "static")
_L = strengths("lockin.freeze", "live")


# --- static: the page's code ---


_ESCAPE_BREAK = re.compile(r"\b(?:break|return|yield|await|throw)\b")


def _freeze(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("freeze.worker"):
        near = code[max(0, m.start() - 1500) : m.end() + 300]
        blob = re.search(r"createObjectURL|new\s+Blob\b|data:(?:application|text)/javascript", near) is not None
        loop = ctx.in_loop(m.start()) is not None
        if loop:
            hits.append(
                Hit(
                    _S["blob_workers_loop"] if blob else _S["workers_loop"],
                    m.start(),
                    m.end(),
                    "spawns Web Workers in a loop" + (" from a Blob URL" if blob else "") + " (CPU bomb)",
                )
            )
        elif blob:
            hits.append(Hit(_S["blob_worker"], m.start(), m.end(), "starts a Web Worker from a Blob URL"))
    for m in ctx.live("freeze.blob_url"):
        if ctx.in_loop(m.start()):
            hits.append(Hit(_S["object_urls_loop"], m.start(), m.end(), "creates object URLs in a loop (memory flood)"))
    for m in ctx.live("freeze.busy_loop"):
        after = code[m.end() : m.end() + 40].lstrip()
        body = (
            block_text(code, m.end(), 3000) if after.startswith("{") else code[m.end() : expr_end(code, m.end(), 300)]
        )
        if not _ESCAPE_BREAK.search(body) and not ctx.has("dialog.call", body):  # a dialog loop is lockin.dialog_loop
            hits.append(Hit(_S["endless_loop"], m.start(), m.end(), "endless loop with no way out (hangs the tab)"))
    for m in ctx.live("freeze.huge_loop"):
        body = block_text(code, m.end(), 3000)
        if ctx.has("freeze.alloc_action", body):
            hits.append(
                Hit(_S["huge_loop"], m.start(), m.end(), f"loop of {m.group(1)} iterations that allocates or spawns")
            )
    for m in ctx.live("freeze.huge_alloc"):
        hits.append(Hit(_S["huge_allocation"], m.start(), m.end(), "allocates a huge buffer at once (memory bomb)"))
    return hits


# --- live: what the page was seen doing ---


def _live_freeze(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    workers = event_total(stats, "worker")
    if workers:
        blob = any(d.get("blob") or d.get("data") for d in event_details(stats, "worker"))
        src = " from Blob/data URLs" if blob else ""
        refused = any(d.get("refused") is True for d in event_details(stats, "worker"))
        if workers >= 10 or refused:
            s = _L["blob_worker_bomb"] if blob else _L["worker_bomb"]
            tail = ", the capture refused those past the 8th" if refused else ""
            out.append(Obs(s, f"page started {workers:,} Web Workers{src} (a worker bomb{tail})", "new Worker(blob:…)"))
        else:
            s = (
                (_L["blob_workers_3"] if blob else _L["workers_3"])
                if workers >= 3
                else (_L["blob_worker"] if blob else _L["worker"])
            )
            plural = "s" if workers > 1 else ""
            out.append(Obs(s, f"page started {workers} Web Worker{plural}{src}", "new Worker()"))
    urls = event_total(stats, "object_url")
    if urls >= 100:
        out.append(
            Obs(
                _L["object_urls_1000"] if urls >= 1000 else _L["object_urls_100"],
                f"URL.createObjectURL called {urls:,} times (memory flood)",
                "createObjectURL",
            )
        )
    stall = max((as_int(d.get("max_ms")) or as_int(d.get("ms")) for d in event_details(stats, "stall")), default=0)
    if stall > 1000:
        s = _L["stall_10s"] if stall >= 10000 else _L["stall_3s"] if stall >= 3000 else _L["stall_1s"]
        out.append(Obs(s, f"the page's main thread stalled for {stall / 1000:.1f} s", f"stall {stall} ms"))
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.freeze", static=_freeze, live=_live_freeze),)
