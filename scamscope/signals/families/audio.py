"""Alarm audio: a siren or recorded voice that starts by itself, loops or replays (``lockin.audio_alarm``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import (
    ALARM_WORDS,
    INTERVAL_MS,
    RULES,
    Ctx,
    Hit,
    in_html_comment,
    in_js_comment,
    scan,
    sound_name,
)
from scamscope.signals.families.events import (
    Obs,
    Stats,
    as_int,
    as_str,
    event_details,
    event_total,
    page_wide,
    specific,
    times_text,
)

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.audio_alarm", "static")
_L = strengths("lockin.audio_alarm", "live")


# --- static: the page's code ---


_AUDIO_ATTR = {
    "autoplay": re.compile(r"\bautoplay\b", re.I),
    "loop": re.compile(r"\bloop\b", re.I),
    "muted": re.compile(r"\bmuted\b", re.I),
}


_AUDIOISH = re.compile(r"audio|sound|beep|siren|alarm|voice|sfx|buzz|mp3|wav|ogg|player|music", re.I)


_OPTIONAL_BEFORE = re.compile(r"(?:&&|\?|\bif\s*\([^()]{0,25}\))\s*[\w$.]{0,30}$")


def _audio_tags(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    html = ctx.markup
    for m in scan(RULES["audio.tag"], html):
        tag = m.group(0)
        flags = {k: bool(rx.search(tag)) for k, rx in _AUDIO_ATTR.items()}
        if flags["muted"]:
            continue
        if (ctx.is_html and in_html_comment(html, m.start())) or (not ctx.is_html and in_js_comment(html, m.start())):
            continue
        is_video = tag[1:].lstrip().lower().startswith("video")
        if not (flags["autoplay"] or flags["loop"]):
            name = sound_name(html[m.start() : m.end() + 400])
            if name and not is_video and ALARM_WORDS.search(name):
                hits.append(
                    Hit(
                        _S["tag_alarm_name_scripted"],
                        m.start(),
                        m.end(),
                        f"<audio> element with an alarm sound ({name}), started by script",
                        "html",
                        html,
                    )
                )
            continue
        if flags["autoplay"] and flags["loop"]:
            s, what = (
                (_S["tag_autoplay_loop"] if not is_video else _S["video_autoplay_loop"]),
                "starts by itself and loops",
            )
        elif flags["autoplay"]:
            s, what = (_S["tag_autoplay"] if not is_video else _S["video_autoplay"]), "starts by itself"
        else:
            # a loop alone is background music (games, players); what starts it page-wide is
            # scored by _audio_script ("first click anywhere", timers)
            s, what = _S["tag_loop"], "loops"
        name = sound_name(html[m.start() : m.end() + 400])
        if name and ALARM_WORDS.search(name):
            s += _S["alarm_name_more"]
        kind = "video" if is_video else "audio"
        hits.append(
            Hit(s, m.start(), m.end(), f"<{kind}> element that {what}" + (f" ({name})" if name else ""), "html", html)
        )
    return hits


def _audio_script(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("audio.play"):
        pos = m.start()
        how = ctx.repeated(pos)
        receiver = code[max(0, pos - 80) : pos]
        name = sound_name(code[max(0, pos - 600) : pos])
        if how in ("timer", "loop"):
            ms = INTERVAL_MS.search(code, m.end(), m.end() + 200)
            every = f" every {ms.group(1)} ms" if ms and how == "timer" else ""
            hits.append(
                Hit(
                    _S["replayed"],
                    pos,
                    m.end(),
                    f"replays audio {how == 'loop' and 'in a loop' or 'on a timer'}{every}",
                )
            )
        elif how == "mousemove":
            hits.append(Hit(_S["mousemove"], pos, m.end(), "plays audio whenever the mouse moves"))
        elif ctx.triggered("gesture", pos):
            hits.append(
                Hit(
                    _S["any_click"],
                    pos,
                    m.end(),
                    "starts audio on the first click/key anywhere on the page" + (f" ({name})" if name else ""),
                )
            )
        elif (_AUDIOISH.search(receiver[-40:]) or name) and not receiver.rstrip().endswith("Audio()"):
            hits.append(
                Hit(_S["script_play"], pos, m.end(), "plays audio from script" + (f" ({name})" if name else ""))
            )
    started = any(h.strength >= _S["started_at_least"] for h in hits)
    for m in ctx.live("audio.loop"):
        near = code[max(0, m.start() - 300) : m.end() + 300]
        if "muted" in near:
            continue  # a muted background video loop
        name = sound_name(code[max(0, m.start() - 600) : m.end() + 200])
        optional = _OPTIONAL_BEFORE.search(code, max(0, m.start() - 30), m.start()) is not None
        s = _S["loop_started"] if started else _S["loop_optional"] if optional else _S["loop"]
        s += _S["alarm_name_more"] if name and ALARM_WORDS.search(name) else 0.0
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "loops audio from script (loop = true / replay on 'ended')" + (f" ({name})" if name else ""),
            )
        )
    if not hits:
        for m in ctx.live("audio.create", limit=5):
            name = sound_name(code[m.start() : m.end() + 200])
            if name and ALARM_WORDS.search(name):
                hits.append(Hit(_S["create_alarm_name"], m.start(), m.end(), f"creates an audio object ({name})"))
    for m in ctx.live("audio.oscillator"):
        repeated = ctx.repeated(m.start()) in ("timer", "loop")
        s = _S["oscillator_repeated"] if repeated else _S["oscillator"]
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "Web Audio oscillator (synthesised beep/siren)" + (" on a timer" if repeated else ""),
            )
        )
    return hits


def _static_audio_alarm(ctx: Ctx) -> list[Hit]:
    return _audio_tags(ctx) + _audio_script(ctx)


# --- live: what the page was seen doing ---


def _live_alarm_name(src: str) -> bool:
    name = src.rsplit("/", 1)[-1][:80]
    return bool(name) and not src.startswith(("data:", "blob:")) and ALARM_WORDS.search(name) is not None


def _live_audio_alarm(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    plays: dict[str, int] = {}
    played = {as_str(d.get("src")) for d in event_details(stats, "media_playing")}  # sound actually started
    for d in event_details(stats, "media_play"):
        if d.get("muted") or d.get("volume") == 0:
            continue
        src = as_str(d.get("src"))
        video = as_str(d.get("kind")) == "video"
        loop = bool(d.get("loop"))
        via = as_str(d.get("via"))
        kind = "video" if video else "audio"
        looping = ", looping" if loop else ""
        if via == "autoplay":
            # Weak on its own: real browsers block sound that starts without a click (the capture
            # allows it only to observe), so kits start their siren on the first click, while
            # ordinary home pages with background music autoplay too. A siren-like name counts.
            if loop:
                s, what = (
                    (_L["video_autoplay_loop"] if video else _L["autoplay_loop"]),
                    f"{kind} that starts by itself and loops",
                )
            else:
                s, what = (_L["video_autoplay"] if video else _L["autoplay"]), f"{kind} that starts by itself"
            if _live_alarm_name(src):
                s += _L["autoplay_alarm_name_more"]
        elif page_wide(d):
            s, what = (
                (_L["any_click_loop"] if loop else _L["any_click"]),
                f"{kind} started by a click anywhere on the page{looping}",
            )
        elif specific(d):
            s, what = (
                (_L["one_control_loop"] if loop else _L["one_control"]),
                f"{kind} started from one control{looping}",
            )
        elif not d.get("gesture") and not d.get("after_gesture"):
            s, what = (
                (_L["unprompted_loop"] if loop else _L["unprompted"]),
                f"{kind} started by script without a user gesture{looping}",
            )
        else:
            s, what = (_L["script_loop"] if loop else _L["script"]), f"{kind} started by script{looping}"
        if video:
            s = min(s, _L["video_at_most"])
        if _live_alarm_name(src):
            s += _L["alarm_name_more"]
        if via == "play()":
            plays[src] = max(plays.get(src, 0), as_int(d.get("count")))
        name = src.rsplit("/", 1)[-1][:60] if src and not src.startswith(("data:", "blob:")) else "inline data"
        out.append(Obs(s, f"{what}{' (it played)' if src in played else ''}: {name}", src))
    for src, n in plays.items():
        if n >= 5:
            out.append(Obs(_L["replayed"], f"audio replayed {n:,} times (play() over and over)", src))
    osc = event_total(stats, "oscillator")
    if osc:
        out.append(
            Obs(
                _L["oscillators_3"] if osc >= 3 else _L["oscillator"],
                f"Web Audio oscillator created {times_text(osc)} (a synthesised beep/siren)",
                "createOscillator()",
            )
        )
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.audio_alarm", static=_static_audio_alarm, live=_live_audio_alarm),)
