"""Full screen: the fake warning fills the screen (``lockin.fullscreen``) and re-enters it when
the victim leaves it with Esc/F11 (``lockin.fullscreen_churn``).
"""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import PAGE_TARGET, Ctx, Hit, calls_any, is_assignment_target, source_of
from scamscope.signals.families.events import (
    MEDIA_TAGS,
    Obs,
    Stats,
    as_str,
    called_when,
    event_details,
    event_total,
    page_wide,
    specific,
    times_text,
)

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.fullscreen", "static")
_L = strengths("lockin.fullscreen", "live")
_CHURN_S = strengths("lockin.fullscreen_churn", "static")
_CHURN_L = strengths("lockin.fullscreen_churn", "live")


# --- static: the page's code ---


def _fullscreen_requests(ctx: Ctx) -> tuple[list[Hit], set[str]]:
    """Fullscreen requests and the names of the functions that make them."""
    hits: list[Hit] = []
    fs_functions: set[str] = set()
    code = ctx.code
    for m in ctx.live("fullscreen.request"):
        pos = m.start()
        after = code[m.end() : m.end() + 120]
        if code[pos - 1 : pos] in "'\"" and after[:1] in "'\"" and after[1:].lstrip().startswith(","):
            if ctx.has("fullscreen.api_table", code[max(0, pos - 200) : m.end() + 200]):
                hits.append(
                    Hit(
                        _S["library_table"],
                        pos,
                        m.end(),
                        "Fullscreen API names in a feature-detection table (library code)",
                    )
                )
                continue
        if is_assignment_target(code, m.end()):
            continue  # el.requestFullscreen = el.requestFullscreen || el.webkitRequestFullscreen: not the call
        fn = ctx.enclosing_function(pos)
        if fn:
            fs_functions.add(fn)
        before = code[max(0, pos - 300) : pos]
        page_target = _page_target(before) or _page_target(code[pos : pos + 80])
        how = ctx.repeated(pos)
        if how in ("timer", "mousemove", "loop"):
            s = _S["repeated_page"] if page_target else _S["repeated_element"]
            why = {"timer": "on a timer", "mousemove": "on mere mouse movement", "loop": "in a loop"}[how]
        elif ctx.triggered("gesture", pos):
            s, why = (
                (_S["any_click_page"] if page_target else _S["any_click_element"]),
                "on any click or key press anywhere on the page",
            )
        else:
            s, why = (_S["one_control_page"] if page_target else _S["one_control_element"]), "from a specific control"
        if _user_toggle_key(before):
            s, why = min(s, _S["user_toggle_key_max"]), "toggled by the user's own F11/F key"
        target = "the whole page" if page_target else "an element"
        hits.append(Hit(s, pos, m.end(), f"requests full screen for {target} {why}", source_of(ctx, pos)))
    hits.extend(_helper_calls(ctx))
    return hits, fs_functions


def _helper_calls(ctx: Ctx) -> list[Hit]:
    """Calls, on any click or on a timer, of a full-screen helper this code does not define.

    A kit's script file calls ``toggleFullScreen()`` from its click handler while the function,
    with the request itself, lives in the page that loads the file.
    """
    hits: list[Hit] = []
    code = ctx.code
    defined: dict[str, bool] = {}
    for n, m in enumerate(ctx.live("fullscreen.helper_call")):
        if n >= MAX_HELPER_CALLS:
            break
        name = m.group(1)
        if name not in defined:
            defined[name] = _defines(code, name)
        if defined[name]:
            continue  # defined here: its own requestFullscreen call is what counts
        how = ctx.repeated(m.start())
        if not how and not ctx.triggered("gesture", m.start()):
            continue
        why = "on any click or key press anywhere on the page" if not how else f"repeatedly ({how})"
        hits.append(
            Hit(_S["helper_any_click"], m.start(), m.end(),
                f"calls the page's full-screen helper {name}() {why}; the helper is not in this code")
        )  # fmt: skip
        break
    return hits


MAX_HELPER_CALLS = 20  # helper calls looked at per page (a flood of calls is one page's worth)


def _defines(code: str, name: str) -> bool:
    """Does ``code`` define function ``name`` (``function name``, ``name = function``/arrow)?"""
    return (
        re.search(rf"(?:\bfunction\s+{name}\b|(?<![\w$.]){name}\s*[:=]\s*(?:async\s*)?(?:function|\())", code)
        is not None
    )


def _page_target(text: str) -> bool:
    return ("documentElement" in text or "body" in text or "html" in text) and PAGE_TARGET.search(text) is not None


def _user_toggle_key(text: str) -> bool:
    if not ("F11" in text or "122" in text or "70" in text or "key" in text):
        return False
    return _USER_TOGGLE_KEY.search(text) is not None


_USER_TOGGLE_KEY = re.compile(
    r"['\"]F11['\"]|\b(?:keyCode|which)\s*={2,3}\s*(?:122|70)\b|\b(?:122|70)\s*={2,3}\s*[\w$.]*(?:keyCode|which)"
    r"|\bkey\s*={2,3}\s*['\"][fF]['\"]"
)


def _fullscreen_churn(ctx: Ctx, fs_hits: list[Hit], fs_functions: set[str]) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("fullscreen.change"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if "equestFull" in text or calls_any(text, fs_functions) or ctx.has("click.synth", text):
            hits.append(
                Hit(
                    _CHURN_S["fullscreenchange_reenters"],
                    m.start(),
                    m.end(),
                    "leaving full screen triggers a new full-screen request (fullscreenchange re-enters)",
                )
            )
    gesture_fs = any(h.strength >= _CHURN_S["page_wide_request_at_least"] for h in fs_hits)
    for m in ctx.live("click.synth"):
        how = ctx.repeated(m.start())
        if how == "timer" and (gesture_fs or fs_hits):
            hits.append(
                Hit(
                    _CHURN_S["synthetic_click_timer"],
                    m.start(),
                    m.end(),
                    "clicks the page on a timer, re-triggering its full-screen/audio click handlers",
                )
            )
        elif ctx.triggered("fschange", m.start()):
            hits.append(
                Hit(
                    _CHURN_S["synthetic_click_fullscreenchange"],
                    m.start(),
                    m.end(),
                    "clicks the page whenever full screen changes, to re-enter it",
                )
            )
    for h in ctx.trigger("mousemove").handlers:
        text = ctx.expand(h.text)
        if ctx.has("fullscreen.state", text) and ("equestFull" in text or calls_any(text, fs_functions)):
            hits.append(
                Hit(
                    _CHURN_S["mousemove_reenters"],
                    h.start,
                    h.end,
                    "re-enters full screen whenever it is left (checked on mouse movement)",
                )
            )
    for h in ctx.trigger("interval").handlers:
        if "equestFull" in h.text or calls_any(h.text, fs_functions):
            hits.append(Hit(_CHURN_S["timer_requests"], h.start, h.end, "requests full screen again on a timer"))
    return hits


def _requests(ctx: Ctx) -> tuple[list[Hit], set[str]]:
    """:func:`_fullscreen_requests`, once per page (the churn detector needs its result too)."""
    cached = ctx.memo.get("fullscreen.requests")
    if cached is None:
        cached = ctx.memo["fullscreen.requests"] = _fullscreen_requests(ctx)
    return cached


def _static_fullscreen(ctx: Ctx) -> list[Hit]:
    return _requests(ctx)[0]


def _static_fullscreen_churn(ctx: Ctx) -> list[Hit]:
    hits, functions = _requests(ctx)
    return _fullscreen_churn(ctx, hits, functions)


# --- live: what the page was seen doing ---


def _live_fullscreen(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    n = event_total(stats, "fullscreen")
    for d in event_details(stats, "fullscreen"):
        target = "the whole page" if d.get("page") else f"<{as_str(d.get('target')) or 'an element'}>"
        if d.get("trusted") is False:
            s = _L["synthetic_gesture"]
        elif page_wide(d):
            s = _L["page_wide_handler_page"] if d.get("page") else _L["page_wide_handler_element"]
        elif specific(d):
            s = (
                _L["one_control"]
                if d.get("page") or as_str(d.get("target")).split("#")[0] not in MEDIA_TAGS
                else _L["one_control_media"]
            )
        elif not d.get("gesture") and not d.get("after_gesture"):
            s = _L["unprompted"]  # asked by itself: the browser refuses, the intent is plain
        else:
            s = _L["after_gesture"]  # after a gesture, from a promise or timer: cannot tell the handler
        out.append(Obs(s, f"page requested full screen for {target} {called_when(d)}", as_str(d.get("via"))))
    if n >= 3:
        out.append(Obs(_L["requested_3_times"], f"page requested full screen {times_text(n)}", "requestFullscreen"))
    return out


def _live_fullscreen_churn(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    churn = event_total(stats, "fullscreen_churn")
    if churn:
        ds = event_details(stats, "fullscreen_churn")
        via = (
            "from its fullscreenchange handler"
            if any(d.get("via") == "fullscreenchange" for d in ds)
            else ("within 2 s of leaving it")
        )
        out.append(
            Obs(
                _CHURN_L["reentered_twice"] if churn >= 2 else _CHURN_L["reentered_once"],
                f"page re-requested full screen {times_text(churn)} right after it was left ({via})",
                "fullscreenchange → requestFullscreen",
            )
        )
    n = event_total(stats, "fullscreen")
    if n >= 5:
        out.append(
            Obs(
                _CHURN_L["requested_5_times"],
                f"page requested full screen {times_text(n)} (keeps re-entering it)",
                "requestFullscreen",
            )
        )
    return out


FAMILIES: tuple[Family, ...] = (
    Family("lockin.fullscreen", static=_static_fullscreen, live=_live_fullscreen),
    Family("lockin.fullscreen_churn", static=_static_fullscreen_churn, live=_live_fullscreen_churn),
)
