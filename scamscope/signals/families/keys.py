"""Keys swallowed: every key, the browser's own keys or the DevTools keys (``lockin.key_block``)."""

from __future__ import annotations

import re
from dataclasses import replace

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit, rule_rx, source_of
from scamscope.signals.families.events import Obs, Stats, as_str, event_details

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.key_block", "static")
_L = strengths("lockin.key_block", "live")


# --- static: the page's code ---


_KEYCODE_NAMES = {
    "123": "F12", "116": "F5", "27": "Esc", "122": "F11", "9": "Tab", "18": "Alt", "17": "Ctrl", "91": "Meta",
    "92": "Meta", "93": "Meta", "115": "F4", "73": "I", "74": "J", "85": "U", "67": "C", "83": "S", "82": "R",
    "87": "W", "117": "F6", "13": "Enter", "32": "Space", "37": "Left", "38": "Up", "39": "Right", "40": "Down",
    "16": "Shift", "8": "Backspace", "44": "PrintScreen",
}  # fmt: skip


_KEY_NAMES = {
    "escape": "Esc", "esc": "Esc", "f12": "F12", "f5": "F5", "f11": "F11", "tab": "Tab", "alt": "Alt", "meta": "Meta",
    "os": "Meta", "f4": "F4", "control": "Ctrl", "ctrlkey": "Ctrl", "altkey": "AltMod", "metakey": "MetaMod",
    "shiftkey": "Shift", "keyi": "I", "keyj": "J", "keyu": "U", "keyc": "C", "keyw": "W", "keyr": "R", "i": "I",
    "j": "J", "u": "U", "c": "C", "w": "W", "r": "R", "s": "S", "enter": "Enter", " ": "Space", "arrowleft": "Left",
    "arrowright": "Right", "arrowup": "Up", "arrowdown": "Down",
}  # fmt: skip


_LOCK_KEYS = {"Esc", "F11", "F5", "F4", "Tab", "Alt", "Meta"}


_NAV_KEYS = {"Left", "Right", "Up", "Down", "Space", "Enter", "Backspace", "Shift", "AltMod", "MetaMod"}


_UNCONDITIONAL_BREAKERS = re.compile(r"\bif\s*\(|\bswitch\s*\(|&&|\?\s*[^:]{0,80}:")


_EXIT_FULLSCREEN = re.compile(r"\b(?:exit|cancel|webkitExit|mozCancel|msExit|webkitCancel)Full[Ss]creen\b")


_KEY_LIST = re.compile(r"""\[\s*((?:['"][A-Za-z0-9 ]{1,12}['"]\s*,?\s*){1,16})\]\s*\.\s*(?:includes|indexOf)\s*\(""")
_QUOTED = re.compile(r"""['"]([A-Za-z0-9 ]{1,12})['"]""")


def _keys(text: str) -> set[str]:
    found: set[str] = set()
    for m in _KEY_LIST.finditer(text[:6000]):  # ["ArrowUp", "ArrowDown", " "].includes(e.key)
        for q in _QUOTED.finditer(m.group(1)):
            name = _KEY_NAMES.get(q.group(1).lower(), q.group(1) if len(q.group(1)) > 1 else "")
            if name:
                found.add(name)
    for m in rule_rx("keys.codes").finditer(text[:6000]):
        raw = next((g for g in m.groups() if g), "")
        name = _KEYCODE_NAMES.get(raw) if raw.isdigit() else _KEY_NAMES.get(raw.lower(), raw if len(raw) > 1 else "")
        if name:
            found.add(name)
    return found


def _devtools_keys(keys: set[str]) -> set[str]:
    out = {k for k in keys if k == "F12"}
    if "Ctrl" in keys and "U" in keys:
        out.add("Ctrl+U")
    if "Ctrl" in keys and "Shift" in keys and keys & {"I", "J", "C"}:
        out.add("Ctrl+Shift+I/J/C")
    return out


def _key_handler_hit(ctx: Ctx, m: re.Match[str]) -> Hit | None:
    h = ctx.handler(m.end())
    text = ctx.expand(h.text)
    stripped = h.text.strip()
    page = ctx.page_scope(m)
    src = source_of(ctx, m.start())
    if stripped in ("false", "!1", "null"):
        return Hit(
            _S["handler_false_page"] if page else _S["handler_false_element"],
            m.start(),
            m.end() + len(stripped),
            "keyboard handler set to false",
            src,
        )
    act = ctx.has("ctx.block_action", text)
    if not act:
        return None
    keys = _keys(text)
    devtools = _devtools_keys(keys)
    lock = keys & _LOCK_KEYS
    if "Ctrl" in keys and keys & {"W", "R"}:
        lock |= {"Ctrl+" + k for k in keys & {"W", "R"}}
    unconditional = not _UNCONDITIONAL_BREAKERS.search(text[: act.start()])
    if unconditional and not (keys - {"Ctrl", "AltMod", "Shift", "MetaMod"}):
        s, detail = _S["every_key_unconditional"], "keyboard handler swallows every key"
    elif lock or devtools:
        named = sorted(lock | devtools)
        s, detail = (
            (_S["lock_keys"] if lock else _S["devtools_keys"]),
            "swallows " + ", ".join(named) + (" (DevTools keys)" if devtools and not lock else ""),
        )
        if lock == {"F11"} and not devtools and ("equestFull" in text or _EXIT_FULLSCREEN.search(text)):
            s, detail = _S["f11_toggle"], "handles F11 itself to toggle full screen"
    elif keys and keys <= _NAV_KEYS | {"Ctrl"} | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        return None  # arrows/space for a game, Ctrl+S in an editor
    elif unconditional:
        s, detail = _S["every_key"], "keyboard handler swallows every key"
    else:
        s, detail = _S["some_keys"], "keyboard handler swallows some keys"
    if not page:
        s, detail = s * _S["one_element_factor"], detail + " (in one element)"
    return Hit(s, m.start(), m.end(), detail, src)


def game_input(ctx: Ctx) -> bool:
    """The code keeps a table of pressed keys set on keydown and cleared on keyup: keys drive a game.

    A game swallows Esc and locks it in full screen to pause instead of leaving; a kit takes keys
    away without keeping track of which are down.
    """
    cached = ctx.memo.get("keys.game_input")
    if cached is None:
        code = ctx.code
        cached = "keyup" in code and sum(1 for _ in ctx.live("ctx.key_state", limit=4)) >= 2
        ctx.memo["keys.game_input"] = cached
    return bool(cached)


def _key_block(ctx: Ctx) -> list[Hit]:
    hits = []
    game = game_input(ctx)
    for m in ctx.live("keys.handler"):
        hit = _key_handler_hit(ctx, m)
        if hit and game:
            hit = replace(hit, strength=min(hit.strength, _S["game_controls"]),
                          detail=hit.detail + "; the keys drive a game (a table of pressed keys)")  # fmt: skip
        if hit:
            hits.append(hit)
    return hits


# --- live: what the page was seen doing ---


_DEVTOOLS_COMBOS = frozenset(
    {"F12", "Ctrl+Shift+I", "Ctrl+Shift+J", "Ctrl+Shift+C", "Ctrl+Shift+K", "Ctrl+U", "Meta+Alt+I", "Meta+Alt+J",
     "Meta+Alt+C", "Meta+Alt+U"}
)  # fmt: skip


_SYSTEM_COMBOS = frozenset(
    {"Escape", "F11", "F5", "Ctrl+R", "Ctrl+W", "Ctrl+F4", "Alt+F4", "Ctrl+Shift+R", "Ctrl+L", "Alt+Tab", "Tab",
     "Meta", "Alt", "Control", "Ctrl+Control", "Alt+Alt", "Meta+Meta", "F4", "Ctrl+N", "Ctrl+T"}
)  # fmt: skip


_LIVE_NAV_KEYS = frozenset(
    {"ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", " ", "Space", "PageUp", "PageDown", "Home", "End",
     "Shift+ArrowLeft", "Shift+ArrowRight", "Shift+ArrowUp", "Shift+ArrowDown", "Shift+ ", "Shift+Space"}
)  # fmt: skip


def _live_combo_kind(combo: str) -> str:
    if combo in _DEVTOOLS_COMBOS:
        return "devtools"
    if combo in _SYSTEM_COMBOS:
        return "system"
    if combo in _LIVE_NAV_KEYS:
        return "nav"
    return "other"


def _live_key_block(stats: Stats) -> list[Obs]:
    """Keys whose real presses the page cancelled. DevTools keys count wherever the focus was; other
    keys only outside text fields (editors cancel Tab, Esc and their shortcuts all the time)."""
    ds = [d for d in event_details(stats, "key_block") if as_str(d.get("combo"))]
    if not ds:
        return []
    everywhere = list(dict.fromkeys(as_str(d.get("combo")) for d in ds))
    page = list(dict.fromkeys(as_str(d.get("combo")) for d in ds if not d.get("editable")))
    devtools = [c for c in everywhere if _live_combo_kind(c) == "devtools"]
    system = [c for c in page if _live_combo_kind(c) == "system"]
    other = [c for c in page if _live_combo_kind(c) == "other"]
    nav = [c for c in page if _live_combo_kind(c) == "nav"]
    shown = ", ".join(everywhere[:8])
    if devtools or system:
        what = (
            "DevTools keys" if not system else "the browser's own keys" if not devtools else "DevTools and browser keys"
        )
        return [
            Obs(
                _L["browser_or_devtools_keys"],
                f"page cancelled real key presses of {what}: {', '.join((devtools + system)[:6])}",
                shown,
            )
        ]
    if len(other) >= 3:
        return [Obs(_L["every_key"], f"page cancelled every key pressed ({shown})", shown)]
    if other:
        return [Obs(_L["some_keys"], f"page cancelled real key presses ({shown})", shown)]
    if nav:
        return [Obs(_L["navigation_keys"], f"page handles navigation keys itself ({shown}): slides, games", shown)]
    return [Obs(_L["text_field"], f"keys cancelled inside a text field ({shown}): an editor's shortcuts", shown)]


FAMILIES: tuple[Family, ...] = (Family("lockin.key_block", static=_key_block, live=_live_key_block),)
