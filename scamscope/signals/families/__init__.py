"""The lock-in families: one module per concern, each with a static and a live hook, one registry.

``scamscope/data/lockin.toml`` lists the families (``[[family]]``: evidence name, module,
provenance, examples) in reporting order; :func:`registry` imports each module and takes the
:class:`~scamscope.signals.families.base.Family` of that name from its ``FAMILIES``. The static
signal (:mod:`scamscope.signals.lockin`) runs the static hooks, the live behaviour log
(:mod:`scamscope.live.behaviour`) the live hooks; both report under the family's name.
"""

from __future__ import annotations

import importlib
from functools import cache

from scamscope.data import load
from scamscope.signals.families.base import Family

__all__ = ["Family", "live_registry", "registry"]


@cache
def registry() -> tuple[Family, ...]:
    """The families of ``lockin.toml``, in its order; ValueError when data and modules disagree."""
    out: list[Family] = []
    modules: dict[str, tuple[Family, ...]] = {}
    for entry in load("lockin").get("family", ()):
        name = entry["module"]
        if not name.isidentifier():
            raise ValueError(f"lockin.toml family {entry['id']}: bad module name {name!r}")
        if name not in modules:
            modules[name] = importlib.import_module(f"{__name__}.{name}").FAMILIES
        found = [f for f in modules[name] if f.signal == entry["id"]]
        if not found:
            raise ValueError(f"lockin.toml family {entry['id']}: module {name} does not define it")
        out.append(found[0])
    listed = {f.signal for f in out}
    for name, families in modules.items():
        for f in families:
            if f.signal not in listed:
                raise ValueError(f"family {f.signal} of module {name} is not listed in lockin.toml")
    if len(listed) != len(out):
        raise ValueError("lockin.toml lists a family twice")
    return tuple(out)


@cache
def live_registry() -> tuple[Family, ...]:
    """The families with a live hook, in ``[families] live_order`` of ``lockin.toml`` (else registry order)."""
    live = {f.signal: f for f in registry() if f.live is not None}
    order = load("lockin").get("families", {}).get("live_order") or list(live)
    if sorted(order) != sorted(live):
        raise ValueError("lockin.toml [families] live_order must list every family with a live hook once")
    return tuple(live[name] for name in order)
