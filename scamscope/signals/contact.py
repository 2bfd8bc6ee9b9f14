"""Call to action: how a page lets a victim make contact or pay, other than a number in its text.

A tech-support scam needs a way in: a number to call, a chat, a remote tool or "fixer" to
install, a payment or personal-data form. Phone numbers and forms have their own signals
(:mod:`scamscope.signals.phones`, :mod:`scamscope.signals.forms`); this one finds the rest, plus
evidence that the number is produced at runtime (a slot filled by a template or by script, a
script-only kit file whose page supplies it).

These are *not* scam indicators (honest support sites have chats and downloads): the scorer does
not weigh them; it only requires a call to action before a ``scam`` verdict
(:func:`scamscope.score.call_to_action`). Evidence (patterns in ``data/contact.toml``):
``contact.chat_widget``, ``contact.download``, ``contact.number_slot``, ``contact.script_only``.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from scamscope import rx
from scamscope.data import load
from scamscope.signals.scare_text import normalise
from scamscope.types import Evidence, Observations, Page

NAME = "contact"
MAX_HTML = 500_000  # characters of source searched
_HREF = rx.compile(r"""href\s*=\s*["']([^"'<>]{1,300})["']""", ignore_case=True)
# cheap pre-check: one of these words is in every instruction (on normalised text: the long-vowel
# mark after katakana is gone, "ダウンロード" reads "ダウンロド")
INSTALL_WORDS = ("download", "install", "activate", "register", "fill", "remove", "clean", "fix", "repair", "delete",
                 "select", "safeguard", "protect", "secure", "disinfect", "ダウンロ", "インスト", "今すぐ", "駆除", "削除")


@cache
def _patterns() -> dict[str, rx.Regex]:
    d = load("contact")
    slot = d["slot"]
    words = "|".join(re.escape(w) for w in slot["call_words"])
    return {
        "template": rx.compile("|".join(f"(?:{p})" for p in slot["templates"]), ignore_case=True),
        "empty": rx.compile(slot["empty_element"], ignore_case=True),
        "write": rx.compile(slot["write_var"]),
        "call": rx.compile(f"(?:{words})", ignore_case=True),
        "install": rx.compile("|".join(f"(?:{p})" for p in load("contact")["download"]["instructions"]), ignore_case=True),
    }


def _chat(src: str) -> Evidence | None:
    low = src.lower()
    for host in load("contact")["chat"]["hosts"]:
        if host in low:
            return Evidence("contact.chat_widget", f"live-chat widget ({host})", excerpt=host, strength=1.0, source="script")
    return None


def _download(page: Page) -> Evidence | None:
    d = load("contact")["download"]
    exts = tuple(d["extensions"])
    links = page.links or [m.group(1) for m in _HREF.finditer(page.html[:MAX_HTML])]  # text/script inputs: hrefs in the source
    for link in links[:2000]:
        low = link.strip().lower()
        if low.startswith(("tel:", "mailto:", "javascript:", "#")):
            continue
        try:
            path = urlsplit(low).path if "://" in low or low.startswith("/") else low.split("?")[0]
        except ValueError:  # hostile links ("http://[::1") do not parse
            continue
        if path.endswith(exts):
            return Evidence("contact.download", "link to a program to install", excerpt=link[:120], strength=1.0, source="attr")
        if any(h in low for h in d["hosts"]):
            return Evidence("contact.download", "link to a remote-control tool's download", excerpt=link[:120], strength=1.0, source="attr")
        if any(x in path for x in d["paths"]) or any(seg in d["segments"] for seg in path.strip("/").split("/")):
            return Evidence("contact.download", "link to a program download", excerpt=link[:120], strength=1.0, source="attr")
    text = normalise(page.all_text[:MAX_HTML])  # invisible characters and look-alike letters folded
    m = _patterns()["install"].search(text) if any(w in text for w in INSTALL_WORDS) else None
    if m:
        return Evidence("contact.download", "instruction to install or register a 'fixer'", excerpt=m.group(0)[:120], strength=1.0, source="text")
    return None


def _slot(src: str) -> Evidence | None:
    p = _patterns()
    m = p["template"].search(src)
    if m:
        return Evidence("contact.number_slot", "number written in by a template when the page is served",
                        excerpt=m.group(0)[:120], strength=1.0, source="html")
    m = p["empty"].search(src)
    if m:
        return Evidence("contact.number_slot", "empty element named for the phone number (filled in by script)",
                        excerpt=m.group(0)[:120], strength=1.0, source="html")
    window = int(load("contact")["slot"]["window"])
    for n, m in enumerate(p["write"].finditer(src)):
        if n >= 200:
            break
        if p["call"].search(normalise(src[max(0, m.start() - window):m.start()])):
            return Evidence("contact.number_slot", "a call instruction followed by a number written by script",
                            excerpt=" ".join(src[max(0, m.start() - 60):m.end()].split())[-120:], strength=1.0, source="html")
    return None


def run(page: Page) -> Observations:
    obs = Observations()
    src = page.html[:MAX_HTML]
    if page.unpacked:  # what packed scripts wrote (scamscope.deobfuscate): the slot may be in there
        src = f"{src}\n{page.unpacked[:MAX_HTML]}"
    code = page.script_text[:MAX_HTML]
    for ev in (_chat(src + "\n" + code), _download(page), _slot(src)):
        if ev is not None:
            obs.evidence.append(ev)
    if page.kind == "script" or (page.live or {}).get("rendered_script"):
        obs.evidence.append(Evidence("contact.script_only", "a script without its page: the page that loads it supplies the number",
                                     excerpt=page.source[-80:], strength=1.0, source="script"))
    return obs
