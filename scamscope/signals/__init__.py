"""Signals: small modules that read a :class:`~scamscope.types.Page` and return observations.

Each signal module exposes ``NAME`` and ``run(page) -> Observations``. Add new ones to
:data:`SIGNALS`; the order is the order evidence is reported in.
"""

from __future__ import annotations

from collections.abc import Callable

from scamscope.types import Observations, Page

Signal = Callable[[Page], Observations]


def all_signals() -> list[tuple[str, Signal]]:
    from scamscope.signals import brands, lockin, phones, scare_text

    return [(m.NAME, m.run) for m in (scare_text, phones, brands, lockin)]
