"""What a live page was seen doing, from the events of ``scamscope/live/instrument.js``.

The instrumentation runs in every frame of the captured page and calls the binding
``__scamscope_emit(event)`` with ``event = {type, detail, t, top, doc}`` (see the header of
``instrument.js``). :class:`BehaviourLog` collects those events (bounded, thread-safe) and turns
them into :class:`~scamscope.types.Evidence` under the *same* signal names as the static lock-in
signal (:mod:`scamscope.signals.lockin`), with ``source="behaviour"``: the scorer then weighs "the
code could lock the keyboard" and "the page locked the keyboard" as one feature, and an
observation is usually the stronger of the two.

Strengths follow the static signal's idea that context decides: the APIs all have benign uses.
One ``pushState`` is routing, a flood needs 50; one alert is a message, a loop needs three
dialogs; full screen once after a click on one button is a slide deck or a video player (0.5),
full screen requested from a page-wide click handler or again right after the page left it is
lock-in; pointer lock on a ``<canvas>`` after a click on it is a game; a looping siren that starts
by itself is 0.9; a synthetic voice is 1.0 when it speaks warning words.

Counts in events are per document and counter (the instrumentation restarts them in every
frame and navigation); :class:`BehaviourLog` adds up the highest count seen per
(type, kind, document).

Transport: by default events arrive through the Playwright binding. Playwright answers each
binding call with an evaluation flagged as a user gesture, which hands the page user activation
(see the header of ``instrument.js``); an engine that wants to avoid that side effect enables the
console transport and feeds console messages to :meth:`BehaviourLog.add_console` /
:func:`parse_console`. ``detail.gesture`` never relies on the browser's activation state: it
means a real (``isTrusted``) click or key press in the frame within the last 5 s.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from scamscope.signals.families import live_registry
from scamscope.signals.families.events import Stats, TypeStats, as_int, as_str
from scamscope.types import Evidence

MAX_EVENTS = 5000  # events kept in total ...
MAX_PER_TYPE = 400  # ... and per type (a flood of one type cannot push out the others)
MAX_TYPES = 64
MAX_DOCS = 500  # documents (frames and navigations) tracked per type and kind
MAX_FIRST = 5  # details kept for summary()["type"]["first"]
MAX_VALUES = 20  # distinct messages kept per type (dialog texts, speech, pop-up URLs)
MAX_STRING = 500
MAX_LIST = 50
MAX_KEYS = 40
EXCERPT_CHARS = 120
CONSOLE_TAG = "scamscope:event "  # prefix of instrument.js's console-transport messages
MAX_CONSOLE_CHARS = 100_000

_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DOC = re.compile(r"[0-9a-z]{1,16}")
_MESSAGE_FIELDS = {"dialog": "message", "speech": "text", "window_open": "url", "title_change": "title"}




# --- sanitising what the page sent -------------------------------------------------------------------


def _clean(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, bounded copy of a value that came from a hostile page."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value[:MAX_STRING]
    if depth >= 3:
        return None
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value[:MAX_LIST]]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if len(out) >= MAX_KEYS:
                break
            if isinstance(k, str) and len(k) <= 40:
                out[k] = _clean(v, depth + 1)
        return out
    return None






# the detail fields that tell apart the counters of one event type in instrument.js
_SUB_FIELDS: dict[str, tuple[str, ...]] = {
    "dialog": ("kind",),
    "history": ("kind", "event"),  # pushState / replaceState, and those made from a popstate handler
    "listener": ("type", "target"),
    "beforeunload": ("via",),
    "media_play": ("via",),
    "worker": ("kind",),
    "resize": ("kind",),
    "cursor_none": ("where",),
}


def _sub(etype: str, detail: Mapping[str, Any]) -> str:
    """Which counter of its type an event reports (dialog: alert/confirm..., history: pushState...)."""
    values = [detail.get(f) for f in _SUB_FIELDS.get(etype, ())]
    return ":".join(v[:40] if isinstance(v, str) else "" for v in values).rstrip(":")


def parse_console(text: Any) -> dict[str, Any] | None:
    """The event carried by a console message of the console transport, or None for any other message."""
    if not isinstance(text, str) or not text.startswith(CONSOLE_TAG) or len(text) > MAX_CONSOLE_CHARS:
        return None
    try:
        value = json.loads(text[len(CONSOLE_TAG) :])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None






class BehaviourLog:
    """Events from the in-page instrumentation of one captured page, and what they mean.

    ``add(event)`` (or the instance itself, as a Playwright binding handler ``(source, event)``)
    may be called from Playwright's dispatch thread while another thread reads: a lock guards
    the state. Memory is bounded whatever the page sends: at most :data:`MAX_EVENTS` events
    (:data:`MAX_PER_TYPE` per type, :data:`MAX_TYPES` types) are kept; counts keep being added up.
    """

    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self._lock = threading.Lock()
        self._max_events = max_events
        self._stats: dict[str, TypeStats] = {}
        self._kept = 0
        self.dropped = 0  # events rejected (malformed) or not kept (bounds)

    # collecting --------------------------------------------------------------------------------

    def __call__(self, source: Any, *args: Any) -> None:
        """Use the log directly as the ``context.expose_binding`` handler (``source``, then the event)."""
        self.add(args[0] if len(args) == 1 else None)

    def add(self, event: Any) -> bool:
        """Record one event; False if it was malformed (ignored) or only counted (log full)."""
        etype = event.get("type") if isinstance(event, Mapping) else None
        if not isinstance(event, Mapping) or not isinstance(etype, str) or not _TYPE.fullmatch(etype):
            with self._lock:
                self.dropped += 1
            return False
        raw_detail = event.get("detail")
        detail = _clean(raw_detail) if isinstance(raw_detail, Mapping) else {}
        doc = event.get("doc")
        doc = doc if isinstance(doc, str) and _DOC.fullmatch(doc) else "?"
        t = event.get("t")
        record = {
            "type": etype,
            "detail": detail,
            "t": round(t, 1) if isinstance(t, int | float) and math.isfinite(t) else None,
            "top": event.get("top") if isinstance(event.get("top"), bool) else None,
            "doc": doc,
        }
        count = as_int(detail.get("count")) or 1
        with self._lock:
            stats = self._stats.get(etype)
            if stats is None:
                if len(self._stats) >= MAX_TYPES:
                    self.dropped += 1
                    return False
                stats = self._stats[etype] = TypeStats()
            stats.events += 1
            stats.max_count = max(stats.max_count, count)
            key = (_sub(etype, detail), doc)
            if key in stats.counts or len(stats.counts) < MAX_DOCS:
                stats.counts[key] = max(stats.counts.get(key, 0), count)
            field_name = _MESSAGE_FIELDS.get(etype)
            if field_name:
                value = as_str(detail.get(field_name))
                if value and value not in stats.values and len(stats.values) < MAX_VALUES:
                    stats.values.append(value)
            if len(stats.first) < MAX_FIRST:
                stats.first.append(detail)
            if self._kept >= self._max_events or len(stats.kept) >= MAX_PER_TYPE:
                self.dropped += 1
                return False
            stats.kept.append(record)
            self._kept += 1
        return True

    def add_console(self, text: Any) -> bool:
        """Record the event of a console-transport message; False if ``text`` is not one."""
        event = parse_console(text)
        return self.add(event) if event is not None else False

    def extend(self, events: Iterable[Any]) -> None:
        for event in events:
            self.add(event)

    # reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._kept

    def events(self) -> list[dict[str, Any]]:
        """The kept events (copies of the records), grouped by type in arrival order."""
        with self._lock:
            return [dict(r) for s in self._stats.values() for r in s.kept]

    def summary(self) -> dict[str, Any]:
        """Per event type: ``count`` (events received), ``max_count`` (highest call count one event
        reported), ``total`` (calls, added up over frames/documents), ``first`` (the first details),
        and ``values`` (distinct messages, for dialog/speech/window_open/title_change)."""
        with self._lock:
            out: dict[str, Any] = {}
            for etype, s in sorted(self._stats.items()):
                entry: dict[str, Any] = {
                    "count": s.events,
                    "max_count": s.max_count,
                    "total": s.total(),
                    "first": [dict(d) for d in s.first],
                }
                if s.values:
                    entry["values"] = list(s.values)
                out[etype] = entry
            return out

    def _snapshot(self) -> Stats:
        with self._lock:
            return {
                k: TypeStats(s.events, s.max_count, list(s.first), list(s.kept), dict(s.counts), list(s.values))
                for k, s in self._stats.items()
            }

    # evidence ----------------------------------------------------------------------------------

    def to_evidence(self) -> list[Evidence]:
        """One piece of evidence per lock-in signal the page was seen using (the strongest use)."""
        stats = self._snapshot()
        found: list[Evidence] = []
        for family in live_registry():
            if family.live is None:  # live_registry() holds only families with a live hook
                continue
            signal = family.signal
            candidates = [o for o in family.live(stats) if o.strength > 0]
            if not candidates:
                continue
            best = max(candidates, key=lambda o: o.strength)
            found.append(
                Evidence(
                    signal=signal,
                    detail=best.detail,
                    excerpt=best.excerpt[:EXCERPT_CHARS],
                    strength=round(max(0.0, min(1.0, best.strength)), 2),
                    source="behaviour",
                )
            )
        return found


def live_signals() -> tuple[str, ...]:
    """The lock-in signals a live page can be seen using (families with a live hook)."""
    return tuple(f.signal for f in live_registry())


SIGNALS: tuple[str, ...] = live_signals()
