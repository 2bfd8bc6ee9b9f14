"""One lock-in family: a coarse evidence name with a static hook (page code) and a live hook (events)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scamscope.data import load
from scamscope.signals.families.code import Ctx, Hit
from scamscope.signals.families.events import Obs, Stats

StaticHook = Callable[[Ctx], list[Hit]]
LiveHook = Callable[[Stats], list[Obs]]


@dataclass(frozen=True)
class Family:
    """``signal`` is the scorer feature both hooks report under; either hook may be absent
    (some tricks are only visible in code, e.g. server-side cloaking)."""

    signal: str
    static: StaticHook | None = None
    live: LiveHook | None = None


def strengths(signal: str, side: str) -> dict[str, float]:
    """The named strengths of one side (``"static"`` or ``"live"``) of a family, from its
    ``[[family]]`` table in ``lockin.toml`` (``static.page_timer = 0.9``...)."""
    for entry in load("lockin").get("family", ()):
        if entry.get("id") == signal:
            table = entry.get(side, {})
            return {str(k): float(v) for k, v in table.items()}
    raise ValueError(f"lockin.toml has no [[family]] {signal!r}")
