"""Victim IP lookup: a geo-IP service so the warning can show the visitor's IP and city (``lockin.ip_lookup``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, rule_rx

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.ip_lookup", "static")


# --- static: the page's code ---


def _ip_lookup(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("ip.service", limit=20):
        fields = ctx.has("ip.fields", ctx.code[max(0, m.start() - 3000) : m.end() + 3000])
        s = _S["written_into_page"] if fields else _S["looked_up"]
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                f"looks up the visitor's IP/ISP/city ({m.group(0).lower()})"
                + (" and writes it into the page" if fields else ""),
            )
        )
        break
    if not hits and ctx.page.links:
        links = "\n".join(ctx.page.links)
        lm = rule_rx("ip.service").search(links)
        if lm:
            hits.append(
                Hit(
                    _S["script_loaded"],
                    lm.start(),
                    lm.end(),
                    f"loads a geo-IP lookup script ({lm.group(0).lower()})",
                    "html",
                    links,
                )
            )
    return hits


FAMILIES: tuple[Family, ...] = (Family("lockin.ip_lookup", static=_ip_lookup, live=None),)
