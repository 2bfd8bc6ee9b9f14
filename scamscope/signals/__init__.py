"""Signals: small modules that read a :class:`~scamscope.types.Page` and return observations.

Each signal module exposes ``NAME`` and ``run(page) -> Observations``. Add new ones to
:func:`all_signals`; the order is the order evidence is reported in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from scamscope.types import Observations, Page

Signal = Callable[[Page], Observations]


@cache
def all_signals() -> tuple[tuple[str, Signal], ...]:
    from scamscope.signals import (
        behaviour,
        brands,
        contact,
        forms,
        lockin,
        lookalike,
        packing,
        phones,
        scare_text,
        title,
    )  # fmt: skip

    return tuple((m.NAME, m.run) for m in (scare_text, title, phones, brands, lookalike, lockin, forms, packing, contact, behaviour))
