"""Speech synthesis: the page talks to the victim (``lockin.speech``)."""

from __future__ import annotations

import re

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit
from scamscope.signals.families.events import Obs, Stats, as_str, event_details, event_total, quoted, times_text

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.speech", "static")
_L = strengths("lockin.speech", "live")


# --- static: the page's code ---


def _speech(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("speech.speak"):
        speak = "speak" in m.group(0)
        how = ctx.repeated(m.start())
        if speak and (how or "onend" in ctx.code[m.start() - 400 : m.start()]):
            hits.append(
                Hit(
                    _S["repeated"],
                    m.start(),
                    m.end(),
                    "speaks to the victim over and over (speech synthesis on a timer/loop)",
                )
            )
        elif speak:
            hits.append(Hit(_S["speaks"], m.start(), m.end(), "speaks to the victim (speech synthesis)"))
        else:
            hits.append(Hit(_S["prepares"], m.start(), m.end(), "prepares speech synthesis (SpeechSynthesisUtterance)"))
    return hits


# --- live: what the page was seen doing ---


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


def _live_warning_words(text: str) -> bool:
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


def _live_speech(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    n = event_total(stats, "speech")
    for d in event_details(stats, "speech"):
        text = as_str(d.get("text"))
        lang = as_str(d.get("lang"))
        said = f" ({lang})" if lang else ""
        if text and _live_warning_words(text):
            out.append(Obs(_L["warning_words"], f"a synthetic voice read a warning aloud{said}: {quoted(text)}", text))
        else:
            out.append(
                Obs(
                    _L["spoke"],
                    f"the page spoke with speech synthesis{said}" + (f": {quoted(text)}" if text else ""),
                    text,
                )
            )
    if n >= 3:
        out.append(Obs(_L["spoke_3_times"], f"speechSynthesis.speak called {times_text(n)}", "speechSynthesis.speak()"))
    return out


FAMILIES: tuple[Family, ...] = (Family("lockin.speech", static=_speech, live=_live_speech),)
