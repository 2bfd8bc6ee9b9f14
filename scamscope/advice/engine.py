"""The ordered checklist: facts from the answers, steps and contacts from ``data/advice.toml``."""

from __future__ import annotations

from functools import cache
from typing import Any

from scamscope.advice.model import LANGS, Advice, Answers, Question, Step, check_answers
from scamscope.data import load

FACTS = frozenset({
    "on_screen", "on_screen_unknown", "called",
    "installed_remote", "installed_fake", "installed_unknown", "installed_any", "remote_control",
    "paid_card", "paid_emoney", "paid_bank", "paid_convenience", "paid_any",
    "personal_data", "passwords",
})
_INSTALLED_FACT = {"remote_tool": "installed_remote", "fake_security": "installed_fake", "unknown": "installed_unknown"}


@cache
def _data() -> dict[str, Any]:
    """``advice.toml``, checked once: every condition names a known fact, every entry has a source."""
    data = load("advice")
    for section in ("step", "contact"):
        for entry in data.get(section, []):
            unknown = (set(entry.get("when", [])) | set(entry.get("unless", []))) - FACTS
            if unknown:
                raise ValueError(f"advice.toml: {section} {entry.get('id')!r} uses unknown facts {sorted(unknown)}")
            if not (entry.get("sources") or entry.get("source")):
                raise ValueError(f"advice.toml: {section} {entry.get('id')!r} has no source")
    return data


def _questions() -> list[Question]:
    return [
        Question(
            id=q["id"],
            text={lang: q["text"][lang] for lang in LANGS},
            kind=q["kind"],
            choices=[(c["value"], {lang: c[lang] for lang in LANGS}) for c in q.get("choices", [])],
        )
        for q in _data()["question"]
    ]


QUESTIONS: list[Question] = _questions()


def facts(answers: Answers) -> set[str]:
    """The fact names (see the header of ``advice.toml``) that the answers establish."""
    check_answers(answers)
    out = {name for name in ("on_screen", "called", "remote_control", "personal_data", "passwords") if getattr(answers, name)}
    if answers.on_screen is None:
        out.add("on_screen_unknown")
    out |= {_INSTALLED_FACT[v] for v in answers.installed}
    if answers.installed:
        out.add("installed_any")
    out |= {f"paid_{v}" for v in answers.paid}
    if answers.paid:
        out.add("paid_any")
    return out


def _applies(entry: dict[str, Any], have: set[str]) -> bool:
    when, unless = entry.get("when", []), entry.get("unless", [])
    return (not when or any(w in have for w in when)) and not any(u in have for u in unless)


def advise(answers: Answers, lang: str = "ja") -> Advice:
    """The checklist for these answers, most urgent first, in Japanese (``ja``) or English (``en``).

    Raises ``ValueError`` for an unknown language or an answer value the advice does not know.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (choose ja or en)")
    have = facts(answers)
    data = _data()
    chosen = [s for s in data["step"] if _applies(s, have)]
    chosen.sort(key=lambda s: s["priority"])  # stable: ties keep the file's order
    steps = [
        Step(
            id=s["id"],
            priority=s["priority"],
            title=s["title"][lang],
            reason=s["reason"][lang],
            details=list(s["details"][lang]),
            sources=list(s["sources"]),
        )
        for s in chosen
    ]
    contacts = [
        {"id": c["id"], "name": c["name"][lang], "number": c["number"], "url": c["url"], "for": c["for"][lang], "source": c["source"]}
        for c in data["contact"]
        if _applies(c, have)
    ]
    return Advice(lang=lang, steps=steps, contacts=contacts)
