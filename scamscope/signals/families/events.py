"""Live side of the lock-in families: what the instrumentation saw, summarised per event type.

:class:`scamscope.live.behaviour.BehaviourLog` collects the events of ``instrument.js`` into
:class:`TypeStats` (one per event type); each family module's live hook reads them (``Stats``)
and returns :class:`Obs` candidates, the strongest of which becomes the family's evidence with
``source="behaviour"``. The helpers here describe when and from where an API was called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PAGE_SCOPES = frozenset({"window", "document", "html", "body"})


GESTURE_EVENTS = frozenset(
    {"click", "dblclick", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend",
     "keydown", "keyup", "keypress", "mousemove", "pointermove", "mouseover", "contextmenu"}
)  # fmt: skip


MEDIA_TAGS = frozenset({"canvas", "video", "img", "iframe", "embed", "object"})


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, int(value))


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass
class TypeStats:
    """Everything kept about one event type."""

    events: int = 0  # events received (not calls: see counts)
    max_count: int = 0  # highest detail.count of one event
    first: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)  # the events, bounded
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, doc) -> highest count
    values: list[str] = field(default_factory=list)  # distinct messages

    def total(self, sub: str | None = None) -> int:
        """Calls summed over documents (of one counter kind, or all)."""
        return sum(n for (k, _doc), n in self.counts.items() if sub is None or k == sub)


@dataclass
class Obs:
    """One candidate piece of evidence; the strongest per signal is reported."""

    strength: float
    detail: str
    excerpt: str = ""


Stats = dict[str, TypeStats]


def event_details(stats: Stats, etype: str) -> list[dict[str, Any]]:
    s = stats.get(etype)
    return [r["detail"] for r in s.kept] if s else []


def event_total(stats: Stats, etype: str, sub: str | None = None) -> int:
    s = stats.get(etype)
    return s.total(sub) if s else 0


def times_text(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"


def quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def called_when(d: Mapping[str, Any]) -> str:
    """When an API was called, in words: 'after the first click', 'without a user gesture'..."""
    event = as_str(d.get("event"))
    handler = as_str(d.get("handler"))
    if event == "fullscreenchange" or event == "webkitfullscreenchange":
        return "when full screen changed"
    if event in GESTURE_EVENTS:
        what = "key press" if event.startswith("key") else "click" if "click" in event or "down" in event else event
        if d.get("trusted") is False:
            return f"from a synthesised {what}"
        where = "anywhere on the page" if handler in PAGE_SCOPES else "on one element"
        return f"after a {what} {where}"
    if d.get("gesture") or d.get("after_gesture"):
        last = as_str(d.get("last_gesture"))
        return "after the first key press" if last.startswith("key") else "after the first click"
    return "without a user gesture (on load or on a timer)"


def page_wide(d: Mapping[str, Any]) -> bool:
    """Called from a click/key handler bound to the whole page (window, document, html, body)."""
    return as_str(d.get("handler")) in PAGE_SCOPES and as_str(d.get("event")) in GESTURE_EVENTS


def specific(d: Mapping[str, Any]) -> bool:
    """Called from a trusted click/key handler on one element (a button, a canvas, a video)."""
    return as_str(d.get("handler")) == "element" and d.get("trusted") is not False
