"""The plain-language summary at the top of a scan's result page: the verdict, the strongest
reasons (one sentence each), the numbers not to call with why, and the evidence by family.

The reason sentences are msgids of the desk's catalog, one per signal (or signal family, by
prefix: the longest prefix that matches wins); a signal with no sentence falls back to its
evidence's ``detail``. Why a number is not to be called comes from ``guard_page.toml``
([[flag]], the first flag present wins), so the desk and ``scamscope guard`` say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from scamscope import data
from scamscope.web.i18n import N_, current_lang, gettext
from scamscope.web.labels import FAMILY_LABELS

MAX_REASONS = 3

# signal (or prefix ending in "." or "_") -> sentence (msgid)
REASONS: dict[str, str] = {
    "text.infection_claim": N_("The page claims that the computer is infected with a virus."),
    "text.system_damage": N_("It claims that the system is damaged or about to be destroyed."),
    "text.problem_count": N_("It shows a made-up number of problems found on the computer."),
    "text.deadline": N_("It pressures the reader with a deadline (act within minutes or lose data)."),
    "text.do_not_close": N_("It tells the reader not to close the page or restart the computer."),
    "text.call_now": N_("It tells the reader to call a support number now."),
    "text.fake_error_code": N_("It shows a fake error code to look official."),
    "text.access_blocked": N_("It claims that the computer or an account has been blocked."),
    "text.protection_off": N_("It claims that the security protection has been turned off."),
    "text.data_theft_claim": N_("It claims that passwords, bank details or photos have been stolen."),
    "text.fake_scan": N_("It shows a fake virus scan."),
    "text.dont_ignore": N_("It warns the reader not to ignore the message."),
    "text.windows_update_fail": N_("It claims that a Windows update has failed."),
    "text.remote_support": N_("It offers remote support, which lets a stranger control the computer."),
    "text.remote_tool": N_("It names a remote-control tool (such as AnyDesk) to install."),
    "text.fake_software": N_("It names fake security software to install or buy."),
    "text.lure_adult": N_("It accuses the reader of visiting adult sites, to frighten them."),
    "text.": N_("Its wording is that of fake security warnings."),
    "phone.jp_international_disguised": N_("Its phone number looks Japanese but is an expensive international call."),
    "phone.us_toll_free": N_("It shows a US/Canadian toll-free number, the usual kind on these scams."),
    "phone.ip_": N_("It shows a 050 IP-phone number: anyone can get one, and scams use them often."),
    "phone.toll_free_label_mismatch": N_("It calls the number free dial, but the call is not free."),
    "phone.foreign_for_language": N_("The phone number is in a country where the page's language is not spoken."),
    "phone.from_url": N_("It takes its phone number from its own address, so the scammers can show any number."),
    "phone.call_prompt": N_("The phone number stands next to an instruction to call it."),
    "phone.tel_link": N_("It has a link that calls the number with one click."),
    "phone.obfuscated": N_("It hides its phone number from automatic checks."),
    "phone.": N_("It shows a phone number to call about the warning."),
    "lockin.fullscreen_churn": N_("It keeps forcing the browser back into full screen."),
    "lockin.fullscreen": N_("It switches the browser to full screen so that it is hard to close."),
    "lockin.keyboard_lock": N_("It locks the keyboard, including the Esc key."),
    "lockin.key_block": N_("It swallows key presses, so keyboard shortcuts do not work."),
    "lockin.pointer_lock": N_("It captures the mouse pointer."),
    "lockin.cursor_none": N_("It hides the mouse pointer."),
    "lockin.history_flood": N_("It fills the browser history, so the Back button does not leave the page."),
    "lockin.beforeunload": N_("It asks whether to leave the page every time one tries to close it."),
    "lockin.contextmenu_block": N_("It disables the right-click menu."),
    "lockin.audio_alarm": N_("It plays an alarm sound by itself."),
    "lockin.speech": N_("It reads a warning aloud with a synthetic voice."),
    "lockin.dialog_loop": N_("It opens message boxes again and again."),
    "lockin.exit_popup": N_("It opens more windows when one tries to leave."),
    "lockin.freeze": N_("It freezes the browser with endless work."),
    "lockin.devtools_detect": N_("It watches for the browser's developer tools, to hide from analysts."),
    "lockin.anti_analysis": N_("It tries to hide from security analysis."),
    "lockin.focus_trap": N_("It keeps the keyboard focus trapped in its window."),
    "lockin.ip_lookup": N_("It looks up the reader's IP address to show it back and frighten them."),
    "lockin.notification_request": N_("It asks permission to send notifications, to keep showing warnings."),
    "lockin.tab_flash": N_("It flashes the tab's title to catch the eye."),
    "lockin.window_resize": N_("It resizes or moves the window to fill the screen."),
    "lockin.": N_("It tries to stop the reader from leaving the page."),
    "brand.security_vendor": N_("It uses the name of a security product (such as Microsoft Defender) to look genuine."),
    "brand.in_title": N_("It puts a well-known brand in the page title."),
    "brand.domain_mismatch": N_("It names a company but is not on that company's own website."),
    "brand.declared_origin_mismatch": N_("It names a company but is not on that company's own website."),
    "brand.hosting_platform": N_("It is served from a free hosting service, not from a company's own website."),
    "brand.declared_origin_platform": N_("It is served from a free hosting service, not from a company's own website."),
    "brand.": N_("It uses a well-known brand name."),
    "form.card": N_("It asks for payment-card details."),
    "form.personal": N_("It asks for personal details."),
    "form.credentials": N_("It asks for a password."),
    "form.": N_("It has a form that asks for the reader's data."),
}
FAMILIES = ("text", "phone", "lockin", "brand", "form")
NO_CALL_FLAGS = {"placeholder", "invalid"}  # not a real number: nothing to warn about


def reason_msgid(signal: str) -> str | None:
    """The sentence (msgid) of a signal: its own, else that of its longest matching prefix."""
    if signal in REASONS:
        return REASONS[signal]
    prefixes = [p for p in REASONS if p.endswith((".", "_")) and signal.startswith(p)]
    return REASONS[max(prefixes, key=len)] if prefixes else None


def family(signal: str) -> str:
    head = signal.split(".", 1)[0]
    return head if head in FAMILIES else "other"


@dataclass
class Reason:
    sentence: str
    signal: str
    translated: bool  # False: the evidence's own detail (English, from the scanner)


@dataclass
class Number:
    raw: str
    e164: str
    flags: list[str] = field(default_factory=list)
    why: str = ""


@dataclass
class Group:
    key: str
    label: str
    evidence: list[dict[str, Any]]
    weight: float  # the family's strongest positive weight


@dataclass
class Summary:
    verdict: str
    sentence: str
    reasons: list[Reason]
    numbers: list[Number]
    groups: list[Group]


def top_reasons(evidence: list[dict[str, Any]], limit: int = MAX_REASONS) -> list[Reason]:
    """Sentences for the evidence with the highest positive weights, one per sentence."""
    out: list[Reason] = []
    seen: set[str] = set()
    for ev in sorted((e for e in evidence if float(e.get("weight") or 0) > 0), key=lambda e: -float(e["weight"])):
        signal = str(ev.get("signal", ""))
        msgid = reason_msgid(signal)
        sentence = gettext(msgid) if msgid else str(ev.get("detail") or signal)
        if sentence in seen:
            continue
        seen.add(sentence)
        out.append(Reason(sentence, signal, msgid is not None))
        if len(out) == limit:
            break
    return out


@cache
def _flag_sentences() -> list[tuple[str, dict[str, str]]]:
    return [(str(f.get("flag", "")), {"ja": str(f["ja"]), "en": str(f["en"])}) for f in data.load("guard_page").get("flag", [])]


def why_not_to_call(flags: list[str], lang: str) -> str:
    """Why a number is not to be called, as the guard's block page says it (first flag present wins)."""
    for flag, text in _flag_sentences():
        if not flag or flag in flags:
            return text.get(lang) or text["en"]
    return ""


def numbers_not_to_call(phones: list[dict[str, Any]], lang: str) -> list[Number]:
    """The page's real numbers, one per E.164 number (flags of all its appearances)."""
    by_key: dict[str, Number] = {}
    for p in phones:
        flags = [str(f) for f in p.get("flags") or []]
        if NO_CALL_FLAGS & set(flags):
            continue
        key = str(p.get("e164") or p.get("raw") or "")
        if not key:
            continue
        number = by_key.setdefault(key, Number(raw=str(p.get("raw") or key), e164=str(p.get("e164") or "")))
        number.flags += [f for f in flags if f not in number.flags]
    for number in by_key.values():
        number.why = why_not_to_call(number.flags, lang)
    return list(by_key.values())


def evidence_groups(evidence: list[dict[str, Any]]) -> list[Group]:
    """Evidence by family, the family with the strongest evidence first; each family's strongest first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for ev in evidence:
        groups.setdefault(family(str(ev.get("signal", ""))), []).append(ev)
    out = []
    for key, items in groups.items():
        items = sorted(items, key=lambda e: -float(e.get("weight") or 0))
        out.append(Group(key, FAMILY_LABELS[key], items, max(0.0, float(items[0].get("weight") or 0))))
    return sorted(out, key=lambda g: (-g.weight, FAMILIES.index(g.key) if g.key in FAMILIES else len(FAMILIES)))


def summarise(verdict: str | None, result: dict[str, Any]) -> Summary:
    from scamscope.web.labels import VERDICT_SENTENCES

    key = verdict or "error"
    evidence = [e for e in result.get("evidence") or [] if isinstance(e, dict)]
    lang = current_lang()
    numbers = numbers_not_to_call([p for p in result.get("phones") or [] if isinstance(p, dict)], lang) if key in ("scam", "suspicious") else []
    return Summary(
        verdict=key,
        sentence=VERDICT_SENTENCES[key],
        reasons=top_reasons(evidence) if key in ("scam", "suspicious") else [],
        numbers=numbers,
        groups=evidence_groups(evidence),
    )
