"""The guard's built-in lists (``scamscope/data/guard.toml``): passthrough hosts and never-blocked domains."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from scamscope.data import load


@dataclass(frozen=True)
class GuardSettings:
    passthrough: tuple[str, ...]
    never_block: tuple[str, ...]


@cache
def settings() -> GuardSettings:
    data = load("guard")
    return GuardSettings(
        passthrough=tuple(h.lower() for h in data["passthrough"]["hosts"]),
        never_block=tuple(d.lower() for d in data["never_block"]["domains"]),
    )


def under(host: str, suffixes: tuple[str, ...] | frozenset[str]) -> str | None:
    """The entry of ``suffixes`` that ``host`` is, or is under; None when none."""
    name = host.lower().rstrip(".")
    while name:
        if name in suffixes:
            return name
        if "." not in name:
            return None
        name = name.split(".", 1)[1]
    return None
