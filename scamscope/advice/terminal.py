"""The advice in a terminal: the questionnaire read line by line, and the checklist as plain text."""

from __future__ import annotations

import re
import unicodedata
from typing import TextIO

from scamscope.advice.engine import QUESTIONS
from scamscope.advice.model import Advice, Answers, Question, parse_choices, parse_yes_no

_UI = {
    "ja": {
        "intro": "サポート詐欺（偽のセキュリティ警告）の対処: 質問に答えると、やることを順番に表示します。",
        "yes_no": "[y] はい / [n] いいえ / [?] 分からない",
        "multi": "番号をスペースかカンマで区切って入力（当てはまるものがなければ何も入れずに Enter）",
        "choice": "番号を 1 つ入力",
        "bad_yes_no": "y（はい）、n（いいえ）、?（分からない）のどれかで答えてください。",
        "bad_choice": "1〜{n} の番号で答えてください。",
        "heading": "やること（上から順に）",
        "reason": "理由",
        "sources": "出典",
        "contacts": "相談先",
    },
    "en": {
        "intro": "Tech support scam (fake security warning): answer the questions to get what to do, in order.",
        "yes_no": "[y] yes / [n] no / [?] don't know",
        "multi": "Type the numbers, separated by spaces or commas (press Enter alone if none apply)",
        "choice": "Type one number",
        "bad_yes_no": "Please answer y (yes), n (no) or ? (don't know).",
        "bad_choice": "Please answer with numbers from 1 to {n}.",
        "heading": "What to do, in this order",
        "reason": "Why",
        "sources": "Sources",
        "contacts": "Where to turn",
    },
}


_NUMBERED = re.compile(r"\d+\. ")  # details that are a numbered list keep their numbers instead of a dash


class InputEnded(Exception):
    """Standard input ended before every question was answered."""


def _parse(question: Question, line: str) -> bool | list[str] | str | None:
    """The answer typed for ``question``; ``ValueError`` when it is not one."""
    text = unicodedata.normalize("NFKC", line).strip()
    if question.kind == "yes_no":
        if not text:
            raise ValueError("empty")
        return parse_yes_no(text, question.id)
    values = [v for v, _ in question.choices]
    tokens = [t for t in re.split(r"[,、，\s]+", text) if t]
    if tokens and all(t.isdigit() for t in tokens):
        if any(not 1 <= int(t) <= len(values) for t in tokens):
            raise ValueError("out of range")
        picked = [values[int(t) - 1] for t in tokens]
    elif question.kind == "multi":
        picked = parse_choices(text, question.id)
    else:
        picked = [text] if text in values else []
        if not picked:
            raise ValueError("unknown choice")
    if question.kind == "choice":
        if len(picked) != 1:
            raise ValueError("one choice")
        return picked[0]
    return [v for v in values if v in picked]


def ask(lang: str, stdin: TextIO, out: TextIO) -> Answers:
    """Ask every question on ``out`` and read the answers from ``stdin``, asking again after a bad answer.

    Raises ``InputEnded`` when ``stdin`` ends first.
    """
    ui = _UI[lang]
    answers = Answers()
    out.write(ui["intro"] + "\n")
    for number, question in enumerate(QUESTIONS, 1):
        out.write(f"\n{number}/{len(QUESTIONS)}. {question.text[lang]}\n")
        for i, (_, label) in enumerate(question.choices, 1):
            out.write(f"   {i}) {label[lang]}\n")
        hint = ui["yes_no"] if question.kind == "yes_no" else ui[question.kind]
        while True:
            out.write(f"   {hint} > ")
            out.flush()
            line = stdin.readline()
            if not line:
                out.write("\n")
                raise InputEnded(f"input ended before question {number} ({question.id}) was answered")
            try:
                value = _parse(question, line)
            except ValueError:
                bad = ui["bad_yes_no"] if question.kind == "yes_no" else ui["bad_choice"].format(n=len(question.choices))
                out.write(f"   {bad}\n")
                continue
            setattr(answers, question.id, value)
            break
    out.write("\n")
    out.flush()
    return answers


def render(advice: Advice, sources: bool = False) -> str:
    """The checklist as text: numbered steps with their reason and details, then the contacts."""
    ui = _UI[advice.lang]
    lines = [ui["heading"], ""]
    for n, step in enumerate(advice.steps, 1):
        lines.append(f"{n:2d}. [ ] {step.title}")
        lines.append(f"       {ui['reason']}: {step.reason}")
        lines += [f"       {'' if _NUMBERED.match(d) else '- '}{d}" for d in step.details]
        if sources:
            lines += [f"       {ui['sources']}: {s}" for s in step.sources]
        lines.append("")
    lines.append(ui["contacts"])
    for c in advice.contacts:
        where = "  ".join(x.removeprefix("mailto:") for x in (c["number"], c["url"]) if x)
        lines.append(f" - {c['name']}" + (f"  {where}" if where else "") + f": {c['for']}")
    return "\n".join(lines) + "\n"
