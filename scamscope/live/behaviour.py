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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
_PAGE_SCOPES = frozenset({"window", "document", "html", "body"})
_GESTURE_EVENTS = frozenset(
    {"click", "dblclick", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend",
     "keydown", "keyup", "keypress", "mousemove", "pointermove", "mouseover", "contextmenu"}
)  # fmt: skip
_MESSAGE_FIELDS = {"dialog": "message", "speech": "text", "window_open": "url", "title_change": "title"}

# Keyboard Lock key codes that take the browser's own exits away (Esc leaves full screen, F11,
# Alt+Tab / Alt+F4 / the Windows key switch or close, Ctrl+W closes the tab, F5 reloads)
_SYSTEM_LOCK_CODES = frozenset(
    {"Escape", "F11", "F4", "F5", "Tab", "AltLeft", "AltRight", "MetaLeft", "MetaRight", "OSLeft", "OSRight",
     "ControlLeft", "ControlRight", "KeyW"}
)  # fmt: skip
# key combinations whose blocking keeps the victim in the page or DevTools closed
_DEVTOOLS_COMBOS = frozenset(
    {"F12", "Ctrl+Shift+I", "Ctrl+Shift+J", "Ctrl+Shift+C", "Ctrl+Shift+K", "Ctrl+U", "Meta+Alt+I", "Meta+Alt+J",
     "Meta+Alt+C", "Meta+Alt+U"}
)  # fmt: skip
_SYSTEM_COMBOS = frozenset(
    {"Escape", "F11", "F5", "Ctrl+R", "Ctrl+W", "Ctrl+F4", "Alt+F4", "Ctrl+Shift+R", "Ctrl+L", "Alt+Tab", "Tab",
     "Meta", "Alt", "Control", "Ctrl+Control", "Alt+Alt", "Meta+Meta", "F4", "Ctrl+N", "Ctrl+T"}
)  # fmt: skip
_NAV_KEYS = frozenset(
    {"ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", " ", "Space", "PageUp", "PageDown", "Home", "End",
     "Shift+ArrowLeft", "Shift+ArrowRight", "Shift+ArrowUp", "Shift+ArrowDown", "Shift+ ", "Shift+Space"}
)  # fmt: skip
_MEDIA_TAGS = frozenset({"canvas", "video", "img", "iframe", "embed", "object"})

# words of a spoken fake warning (the scare-text signal is consulted too, for everything else)
_WARNING_WORDS = re.compile(
    r"virus|infect|malware|spyware|trojan|ransom|hack|warning|alert|danger|threat|security|firewall|"
    r"blocked|locked|suspend|compromis|stolen|error code|do not (?:close|restart|shut|turn)|call |"
    r"support|technician|helpline|toll.free|microsoft|windows|apple|personal (?:data|information)|"
    r"credit card|bank|"
    r"ウイルス|ウィルス|感染|警告|危険|セキュリティ|ハッキング|ハッカー|電話|サポート|ロック|エラー|"
    r"個人情報|不正|トロイ|マルウェア|スパイウェア|破損|ブロック|マイクロソフト|至急|直ちに|今すぐ|"
    r"warnung|infiziert|gefährdet|sicherheit|avertissement|infecté|sécurité|advertencia|infectad|"
    r"seguridad|bloquead|avviso|infett|sicurezza",
    re.IGNORECASE,
)


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


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, int(value))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


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


@dataclass
class _TypeStats:
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
class _Obs:
    """One candidate piece of evidence; the strongest per signal is reported."""

    strength: float
    detail: str
    excerpt: str = ""


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
        self._stats: dict[str, _TypeStats] = {}
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
        count = _int(detail.get("count")) or 1
        with self._lock:
            stats = self._stats.get(etype)
            if stats is None:
                if len(self._stats) >= MAX_TYPES:
                    self.dropped += 1
                    return False
                stats = self._stats[etype] = _TypeStats()
            stats.events += 1
            stats.max_count = max(stats.max_count, count)
            key = (_sub(etype, detail), doc)
            if key in stats.counts or len(stats.counts) < MAX_DOCS:
                stats.counts[key] = max(stats.counts.get(key, 0), count)
            field_name = _MESSAGE_FIELDS.get(etype)
            if field_name:
                value = _str(detail.get(field_name))
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

    def _snapshot(self) -> dict[str, _TypeStats]:
        with self._lock:
            return {
                k: _TypeStats(s.events, s.max_count, list(s.first), list(s.kept), dict(s.counts), list(s.values))
                for k, s in self._stats.items()
            }

    # evidence ----------------------------------------------------------------------------------

    def to_evidence(self) -> list[Evidence]:
        """One piece of evidence per lock-in signal the page was seen using (the strongest use)."""
        stats = self._snapshot()
        found: list[Evidence] = []
        for signal, rule in _RULES:
            candidates = [o for o in rule(stats) if o.strength > 0]
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


# --- mapping observations onto lock-in signals ----------------------------------------------------------

Stats = dict[str, _TypeStats]


def _details(stats: Stats, etype: str) -> list[dict[str, Any]]:
    s = stats.get(etype)
    return [r["detail"] for r in s.kept] if s else []


def _total(stats: Stats, etype: str, sub: str | None = None) -> int:
    s = stats.get(etype)
    return s.total(sub) if s else 0


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"


def _q(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def _when(d: Mapping[str, Any]) -> str:
    """When an API was called, in words: 'after the first click', 'without a user gesture'..."""
    event = _str(d.get("event"))
    handler = _str(d.get("handler"))
    if event == "fullscreenchange" or event == "webkitfullscreenchange":
        return "when full screen changed"
    if event in _GESTURE_EVENTS:
        what = "key press" if event.startswith("key") else "click" if "click" in event or "down" in event else event
        if d.get("trusted") is False:
            return f"from a synthesised {what}"
        where = "anywhere on the page" if handler in _PAGE_SCOPES else "on one element"
        return f"after a {what} {where}"
    if d.get("gesture") or d.get("after_gesture"):
        last = _str(d.get("last_gesture"))
        return "after the first key press" if last.startswith("key") else "after the first click"
    return "without a user gesture (on load or on a timer)"


def _page_wide(d: Mapping[str, Any]) -> bool:
    """Called from a click/key handler bound to the whole page (window, document, html, body)."""
    return _str(d.get("handler")) in _PAGE_SCOPES and _str(d.get("event")) in _GESTURE_EVENTS


def _specific(d: Mapping[str, Any]) -> bool:
    """Called from a trusted click/key handler on one element (a button, a canvas, a video)."""
    return _str(d.get("handler")) == "element" and d.get("trusted") is not False


def _fullscreen(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    n = _total(stats, "fullscreen")
    for d in _details(stats, "fullscreen"):
        target = "the whole page" if d.get("page") else f"<{_str(d.get('target')) or 'an element'}>"
        if d.get("trusted") is False:
            s = 0.9
        elif _page_wide(d):
            s = 0.85 if d.get("page") else 0.7
        elif _specific(d):
            s = 0.5 if d.get("page") or _str(d.get("target")).split("#")[0] not in _MEDIA_TAGS else 0.4
        elif not d.get("gesture") and not d.get("after_gesture"):
            s = 0.8  # asked by itself: the browser refuses, the intent is plain
        else:
            s = 0.6  # after a gesture, from a promise or timer: cannot tell the handler
        out.append(_Obs(s, f"page requested full screen for {target} {_when(d)}", _str(d.get("via"))))
    if n >= 3:
        out.append(_Obs(0.9, f"page requested full screen {_times(n)}", "requestFullscreen"))
    return out


def _fullscreen_churn(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    churn = _total(stats, "fullscreen_churn")
    if churn:
        ds = _details(stats, "fullscreen_churn")
        via = (
            "from its fullscreenchange handler"
            if any(d.get("via") == "fullscreenchange" for d in ds)
            else ("within 2 s of leaving it")
        )
        out.append(
            _Obs(
                1.0 if churn >= 2 else 0.9,
                f"page re-requested full screen {_times(churn)} right after it was left ({via})",
                "fullscreenchange → requestFullscreen",
            )
        )
    n = _total(stats, "fullscreen")
    if n >= 5:
        out.append(_Obs(0.8, f"page requested full screen {_times(n)} (keeps re-entering it)", "requestFullscreen"))
    return out


def _keyboard_lock(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "keyboard_lock"):
        raw = d.get("keys")
        keys = [k for k in raw if isinstance(k, str)] if isinstance(raw, list) else []
        when = _when(d)
        if not keys:
            out.append(
                _Obs(1.0, f"page called navigator.keyboard.lock() with no key list {when}: every key, Esc included, "
                          "goes to the page", "navigator.keyboard.lock()")
            )  # fmt: skip
            continue
        shown = "[" + ",".join(f"'{k}'" for k in keys[:8]) + (",…" if len(keys) > 8 else "") + "]"
        system = [k for k in keys if k in _SYSTEM_LOCK_CODES]
        s = 0.95 if system else 0.7
        why = f" (takes {', '.join(system[:4])} from the browser)" if system else ""
        out.append(_Obs(s, f"page called navigator.keyboard.lock({shown}) {when}{why}", f"keyboard.lock({shown})"))
    return out


def _pointer_lock(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    ds = _details(stats, "pointer_lock")
    unprompted = 0
    for d in ds:
        tag = _str(d.get("tag"))
        target = f"<{_str(d.get('target')) or tag or 'an element'}>"
        if _specific(d) and tag in _MEDIA_TAGS:
            s, why = 0.3, f"locked the mouse pointer to {target} after a click on it (as games do)"
        elif _page_wide(d) or (d.get("page") and d.get("trusted") is not False and _str(d.get("event"))):
            s, why = (0.85 if d.get("page") else 0.75), f"locked the mouse pointer to {target} {_when(d)}"
        elif d.get("trusted") is False or not _str(d.get("event")):
            unprompted += 1
            s, why = 0.7, f"locked the mouse pointer to {target} {_when(d)}"
        else:
            s, why = 0.5, f"locked the mouse pointer to {target} {_when(d)}"
        out.append(_Obs(s, f"page {why}", "requestPointerLock()"))
    n = _total(stats, "pointer_lock")
    if n >= 3 and unprompted >= 2:
        out.append(
            _Obs(0.9, f"page requested pointer lock {_times(n)}, without a click to ask for it", "requestPointerLock()")
        )
    return out


def _cursor_none(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "cursor_none"):
        where = _str(d.get("where"))
        when = {"click": "after a click", "load": "after load", "timer": "a few seconds after load"}.get(
            _str(d.get("when")), "on load"
        )
        if where in ("body", "html"):
            out.append(_Obs(0.9, f"mouse pointer hidden on <{where}> (computed cursor: none) {when}", "cursor: none"))
        elif where == "viewport":
            el = _str(d.get("element"))
            out.append(
                _Obs(0.9, f"mouse pointer hidden over the whole viewport ({el}, cursor: none) {when}", "cursor: none")
            )
        elif where:
            out.append(
                _Obs(
                    0.4, f"mouse pointer hidden over part of the page ({_str(d.get('element'))}) {when}", "cursor: none"
                )
            )
    return out


def _combo_kind(combo: str) -> str:
    if combo in _DEVTOOLS_COMBOS:
        return "devtools"
    if combo in _SYSTEM_COMBOS:
        return "system"
    if combo in _NAV_KEYS:
        return "nav"
    return "other"


def _key_block(stats: Stats) -> list[_Obs]:
    """Keys whose real presses the page cancelled. DevTools keys count wherever the focus was; other
    keys only outside text fields (editors cancel Tab, Esc and their shortcuts all the time)."""
    ds = [d for d in _details(stats, "key_block") if _str(d.get("combo"))]
    if not ds:
        return []
    everywhere = list(dict.fromkeys(_str(d.get("combo")) for d in ds))
    page = list(dict.fromkeys(_str(d.get("combo")) for d in ds if not d.get("editable")))
    devtools = [c for c in everywhere if _combo_kind(c) == "devtools"]
    system = [c for c in page if _combo_kind(c) == "system"]
    other = [c for c in page if _combo_kind(c) == "other"]
    nav = [c for c in page if _combo_kind(c) == "nav"]
    shown = ", ".join(everywhere[:8])
    if devtools or system:
        what = (
            "DevTools keys" if not system else "the browser's own keys" if not devtools else "DevTools and browser keys"
        )
        return [_Obs(0.9, f"page cancelled real key presses of {what}: {', '.join((devtools + system)[:6])}", shown)]
    if len(other) >= 3:
        return [_Obs(0.9, f"page cancelled every key pressed ({shown})", shown)]
    if other:
        return [_Obs(0.6, f"page cancelled real key presses ({shown})", shown)]
    if nav:
        return [_Obs(0.3, f"page handles navigation keys itself ({shown}): slides, games", shown)]
    return [_Obs(0.2, f"keys cancelled inside a text field ({shown}): an editor's shortcuts", shown)]


def _contextmenu_block(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "contextmenu_block"):
        tag = _str(d.get("tag"))
        target = _str(d.get("target")) or tag
        if d.get("via") != "contextmenu":
            out.append(_Obs(0.6, f"page cancelled the right mouse button ({d.get('via')} on <{target}>)", "button 2"))
        elif tag in _MEDIA_TAGS or tag in ("input", "textarea"):
            out.append(_Obs(0.35, f"right-click menu disabled on a <{tag}>", "contextmenu"))
        else:
            out.append(
                _Obs(0.85, f"right-click menu disabled: a real right click on <{target}> was cancelled", "contextmenu")
            )
    return out


def _beforeunload(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "beforeunload"):
        via = _str(d.get("via"))
        if via == "prompted":
            message = _str(d.get("message"))
            out.append(_Obs(0.7, "page asked 'leave this site?' when it was being closed", message))
        elif via == "attribute":
            out.append(_Obs(0.55, "onbeforeunload attribute: the page asks to confirm leaving", "onbeforeunload"))
        elif via:
            out.append(
                _Obs(0.4, f"page registered a beforeunload handler ({via} on {_str(d.get('target'))})", "beforeunload")
            )
    for etype in ("dialog", "window_open"):
        for d in _details(stats, etype):
            if _str(d.get("event")) in ("beforeunload", "unload", "pagehide"):
                what = "pops up a dialog" if etype == "dialog" else "opens a window"
                out.append(
                    _Obs(
                        1.0,
                        f"leaving the page {what} (during {d.get('event')})",
                        _str(d.get("message") or d.get("url")),
                    )
                )
    return out


def _history(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    push = _total(stats, "history", "pushState")
    replace = _total(stats, "history", "replaceState")
    ds = _details(stats, "history")
    guarded = max((_int(d.get("dropped")) for d in ds), default=0)
    url = next((_str(d.get("url")) for d in ds if _str(d.get("url"))), "")
    note = f" ({guarded:,} of them held back by the capture's flood guard)" if guarded else ""
    if push >= 50:
        s = 1.0 if push >= 1000 else 0.9
        out.append(_Obs(s, f"history.pushState called {push:,} times: Back never leaves the page{note}", url))
    elif push >= 10:
        out.append(_Obs(0.3, f"history.pushState called {push} times (an app's routing, or a slow trap)", url))
    if replace >= 1000:
        out.append(_Obs(0.7, f"history.replaceState called {replace:,} times{note}", url))
    if any(d.get("event") == "popstate" for d in ds):
        out.append(_Obs(0.8, "back-button trap: pressing Back made the page push itself again", url))
    return out


def _dialog_loop(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    kinds = {k: _total(stats, "dialog", k) for k in ("alert", "confirm", "prompt")}
    total = sum(kinds.values())
    if total:
        s = 1.0 if total >= 10 else 0.9 if total >= 3 else 0.4 if total == 2 else 0.2
        parts = ", ".join(f"{k} ×{n:,}" for k, n in kinds.items() if n)
        values = stats["dialog"].values if "dialog" in stats else []
        said = f": {_q(values[0])}" if values else ""
        what = "dialogs kept coming back" if total >= 3 else "dialog shown" if total == 1 else "dialogs shown"
        out.append(_Obs(s, f"{total:,} {what} ({parts}){said}", values[0] if values else ""))
    prints = _total(stats, "print")
    if prints:
        s = 0.9 if prints >= 2 else 0.3
        out.append(
            _Obs(s, f"print() called {_times(prints)}" + (" (print dialog loop)" if prints >= 2 else ""), "print()")
        )
    return out


def _window_resize(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "resize"):
        kind = _str(d.get("kind")) or "resizeTo"
        raw = d.get("args")
        args: list[Any] = raw if isinstance(raw, list) else []
        call = f"{kind}({', '.join(str(a) for a in args[:2])})"
        if d.get("full"):
            out.append(_Obs(0.9, f"page moved/resized the browser window to cover the screen: {call}", call))
        else:
            out.append(_Obs(0.5 if not d.get("popup") else 0.4, f"page moved/resized a window: {call}", call))
    n = _total(stats, "window_open")
    if n:
        urls = stats["window_open"].values if "window_open" in stats else []
        first = urls[0] if urls else ""
        ds = _details(stats, "window_open")
        fullscreen = any(
            re.search(r"fullscreen\s*=\s*(?:yes|1)|width\s*=\s*\d{4}", _str(d.get("features")), re.I) for d in ds
        )
        s = 1.0 if n >= 10 else 0.9 if n >= 3 else 0.5 if n == 2 else 0.7 if fullscreen else 0.2
        plural = "s" if n > 1 else ""
        out.append(
            _Obs(s, f"page opened {n:,} pop-up window{plural}" + (" (full-screen)" if fullscreen else ""), first)
        )
    return out


def _freeze(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    workers = _total(stats, "worker")
    if workers:
        blob = any(d.get("blob") or d.get("data") for d in _details(stats, "worker"))
        src = " from Blob/data URLs" if blob else ""
        refused = any(d.get("refused") is True for d in _details(stats, "worker"))
        if workers >= 10 or refused:
            s = 1.0 if blob else 0.9
            tail = ", the capture refused those past the 8th" if refused else ""
            out.append(_Obs(s, f"page started {workers:,} Web Workers{src} (a worker bomb{tail})", "new Worker(blob:…)"))
        else:
            s = (0.6 if blob else 0.4) if workers >= 3 else (0.3 if blob else 0.15)
            plural = "s" if workers > 1 else ""
            out.append(_Obs(s, f"page started {workers} Web Worker{plural}{src}", "new Worker()"))
    urls = _total(stats, "object_url")
    if urls >= 100:
        out.append(
            _Obs(
                0.8 if urls >= 1000 else 0.5,
                f"URL.createObjectURL called {urls:,} times (memory flood)",
                "createObjectURL",
            )
        )
    stall = max((_int(d.get("max_ms")) or _int(d.get("ms")) for d in _details(stats, "stall")), default=0)
    if stall > 1000:
        s = 0.9 if stall >= 10000 else 0.7 if stall >= 3000 else 0.4
        out.append(_Obs(s, f"the page's main thread stalled for {stall / 1000:.1f} s", f"stall {stall} ms"))
    return out


def _alarm_name(src: str) -> bool:
    from scamscope.signals.lockin import RULES

    name = src.rsplit("/", 1)[-1][:80]
    return (
        bool(name) and not src.startswith(("data:", "blob:")) and RULES["audio.alarm_name"].rx.search(name) is not None
    )


def _audio_alarm(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    plays: dict[str, int] = {}
    played = {_str(d.get("src")) for d in _details(stats, "media_playing")}  # sound actually started
    for d in _details(stats, "media_play"):
        if d.get("muted") or d.get("volume") == 0:
            continue
        src = _str(d.get("src"))
        video = _str(d.get("kind")) == "video"
        loop = bool(d.get("loop"))
        via = _str(d.get("via"))
        kind = "video" if video else "audio"
        looping = ", looping" if loop else ""
        if via == "autoplay":
            # Weak on its own: real browsers block sound that starts without a click (the capture
            # allows it only to observe), so kits start their siren on the first click, while
            # ordinary home pages with background music autoplay too. A siren-like name counts.
            if loop:
                s, what = (0.4 if video else 0.45), f"{kind} that starts by itself and loops"
            else:
                s, what = (0.3 if video else 0.35), f"{kind} that starts by itself"
            if _alarm_name(src):
                s += 0.2
        elif _page_wide(d):
            s, what = (0.85 if loop else 0.7), f"{kind} started by a click anywhere on the page{looping}"
        elif _specific(d):
            s, what = (0.4 if loop else 0.3), f"{kind} started from one control{looping}"
        elif not d.get("gesture") and not d.get("after_gesture"):
            s, what = (0.9 if loop else 0.6), f"{kind} started by script without a user gesture{looping}"
        else:
            s, what = (0.7 if loop else 0.5), f"{kind} started by script{looping}"
        if video:
            s = min(s, 0.6)
        if _alarm_name(src):
            s += 0.1
        if via == "play()":
            plays[src] = max(plays.get(src, 0), _int(d.get("count")))
        name = src.rsplit("/", 1)[-1][:60] if src and not src.startswith(("data:", "blob:")) else "inline data"
        out.append(_Obs(s, f"{what}{' (it played)' if src in played else ''}: {name}", src))
    for src, n in plays.items():
        if n >= 5:
            out.append(_Obs(1.0, f"audio replayed {n:,} times (play() over and over)", src))
    osc = _total(stats, "oscillator")
    if osc:
        out.append(
            _Obs(
                0.9 if osc >= 3 else 0.5,
                f"Web Audio oscillator created {_times(osc)} (a synthesised beep/siren)",
                "createOscillator()",
            )
        )
    return out


def _warning_words(text: str) -> bool:
    if _WARNING_WORDS.search(text):
        return True
    try:  # the phrase families of fake warnings, in every language the scare-text signal knows
        from scamscope.signals import scare_text
        from scamscope.types import Page

        page = Page(source="speech", kind="text", html=text, text=text)
        benign = {"text.scam_awareness", "text.benign_context"}
        return any(e.signal not in benign for e in scare_text.run(page).evidence)
    except Exception:  # never let an analysis helper break the capture's evidence
        return False


def _speech(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    n = _total(stats, "speech")
    for d in _details(stats, "speech"):
        text = _str(d.get("text"))
        lang = _str(d.get("lang"))
        said = f" ({lang})" if lang else ""
        if text and _warning_words(text):
            out.append(_Obs(1.0, f"a synthetic voice read a warning aloud{said}: {_q(text)}", text))
        else:
            out.append(
                _Obs(0.6, f"the page spoke with speech synthesis{said}" + (f": {_q(text)}" if text else ""), text)
            )
    if n >= 3:
        out.append(_Obs(0.8, f"speechSynthesis.speak called {_times(n)}", "speechSynthesis.speak()"))
    return out


def _notification_request(stats: Stats) -> list[_Obs]:
    out: list[_Obs] = []
    for d in _details(stats, "notification_request"):
        unasked = not d.get("gesture") and not _str(d.get("event"))
        out.append(
            _Obs(0.7 if unasked else 0.6,
                 "page asked for notification permission" + (" on its own, without a click" if unasked else f" {_when(d)}"),
                 "Notification.requestPermission()")
        )  # fmt: skip
    if _total(stats, "push_subscribe"):
        out.append(_Obs(0.7, "page subscribed to push messages", "pushManager.subscribe()"))
    return out


def _devtools_detect(stats: Stats) -> list[_Obs]:
    n = _total(stats, "console_clear")
    return (
        [_Obs(0.6, f"console.clear() called {_times(n)} (hides what it logs from an analyst)", "console.clear()")]
        if n >= 3
        else []
    )


def _tab_flash(stats: Stats) -> list[_Obs]:
    n = _total(stats, "title_change")
    titles = stats["title_change"].values if "title_change" in stats else []
    if n >= 20 and len(titles) >= 2:
        return [_Obs(0.6, f"tab title changed {n:,} times (a flashing tab)", " / ".join(titles[:3]))]
    if n >= 6 and len(titles) >= 2:
        return [_Obs(0.4, f"tab title changed {n} times", " / ".join(titles[:3]))]
    return []


_RULES: list[tuple[str, Callable[[Stats], list[_Obs]]]] = [
    ("lockin.fullscreen", _fullscreen),
    ("lockin.fullscreen_churn", _fullscreen_churn),
    ("lockin.keyboard_lock", _keyboard_lock),
    ("lockin.pointer_lock", _pointer_lock),
    ("lockin.cursor_none", _cursor_none),
    ("lockin.key_block", _key_block),
    ("lockin.contextmenu_block", _contextmenu_block),
    ("lockin.beforeunload", _beforeunload),
    ("lockin.history_flood", _history),
    ("lockin.dialog_loop", _dialog_loop),
    ("lockin.window_resize", _window_resize),
    ("lockin.freeze", _freeze),
    ("lockin.audio_alarm", _audio_alarm),
    ("lockin.speech", _speech),
    ("lockin.notification_request", _notification_request),
    ("lockin.devtools_detect", _devtools_detect),
    ("lockin.tab_flash", _tab_flash),
]

SIGNALS: tuple[str, ...] = tuple(name for name, _ in _RULES)
