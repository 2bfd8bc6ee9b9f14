"""Types of the victim advice: questions, answers (with a lenient parser), steps and the advice itself."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

LANGS = ("ja", "en")
INSTALLED_VALUES = ("remote_tool", "fake_security", "unknown")
PAID_VALUES = ("card", "emoney", "bank", "convenience")

# Spellings accepted for the choice values (after normalisation: NFKC, lower case, '-'/' ' -> '_').
_CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "installed": {
        "remote": "remote_tool", "remote_tool": "remote_tool", "remote_access": "remote_tool", "rat": "remote_tool",
        "fake": "fake_security", "fake_security": "fake_security", "fake_software": "fake_security",
        "unknown": "unknown", "other": "unknown", "something": "unknown",
    },
    "paid": {
        "card": "card", "credit_card": "card", "creditcard": "card",
        "emoney": "emoney", "e_money": "emoney", "gift_card": "emoney", "giftcard": "emoney",
        "gift_cards": "emoney", "prepaid": "emoney",
        "bank": "bank", "bank_transfer": "bank", "transfer": "bank",
        "convenience": "convenience", "convenience_store": "convenience", "konbini": "convenience",
    },
}
_CHOICES = {"installed": INSTALLED_VALUES, "paid": PAID_VALUES}
_NONE_WORDS = {"none", "n", "no", "nothing", "なし", "いいえ"}
_YES = {"y", "yes", "true", "1", "on", "はい"}
_NO = {"n", "no", "false", "0", "off", "いいえ"}
_UNKNOWN = {"", "?", "unknown", "dont_know", "don't_know", "わからない", "分からない"}
_BOOL_FIELDS = ("on_screen", "called", "remote_control", "personal_data", "passwords")
# Other names a form or a script may use for the yes/no answers (the CLI flags' names).
_BOOL_ALIASES = {"gave_personal_data": "personal_data", "gave_passwords": "passwords"}
# Boolean keys that add one value to a multi answer, e.g. {"installed_remote": "on"}.
_FLAG_KEYS = {
    "installed_remote": ("installed", "remote_tool"),
    "installed_fake": ("installed", "fake_security"),
    "installed_unknown": ("installed", "unknown"),
    **{f"paid_{v}": ("paid", v) for v in PAID_VALUES},
}


class UnknownChoice(ValueError):
    """A value of a multi answer ("installed", "paid") that is not one of its choices."""

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value
        super().__init__(f"{name}: unknown value {value!r} (choose from {', '.join(_CHOICES[name])})")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace("-", "_").replace(" ", "_")


def parse_yes_no(value: Any, name: str) -> bool | None:
    """``True``/``False``/``None`` from a bool, 0/1, or words like yes/no/はい/いいえ ("", "?" -> None)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = _norm(value)
        if word in _YES:
            return True
        if word in _NO:
            return False
        if word in _UNKNOWN:
            return None
    raise ValueError(f"{name}: expected yes or no, got {value!r}")


def parse_choices(values: Any, name: str) -> list[str]:
    """Canonical values of a multi answer ("installed" or "paid") in the canonical order.

    Accepts a list or a string with values separated by commas, spaces, '、' or '/'; "none" and ""
    mean nothing. Raises ``ValueError`` naming the unknown value and the valid ones.
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValueError(f"{name}: expected a list of values, got {values!r}")
    found: set[str] = set()
    for item in values:
        if not isinstance(item, str):
            raise ValueError(f"{name}: expected text values, got {item!r}")
        for chunk in re.split(r"[,、，/;]+", unicodedata.normalize("NFKC", item)):
            # "gift card" is one value, "card bank" two
            parts = [chunk] if _norm(chunk) in _CHOICE_ALIASES[name] else chunk.split()
            for part in parts:
                word = _norm(part)
                if not word or word in _NONE_WORDS:
                    continue
                canonical = _CHOICE_ALIASES[name].get(word)
                if canonical is None:
                    raise UnknownChoice(name, part.strip())
                found.add(canonical)
    return [v for v in _CHOICES[name] if v in found]


@dataclass
class Question:
    id: str  # "on_screen", "called", "installed", "remote_control", "paid", "personal_data", "passwords"
    text: dict[str, str]  # {"ja": ..., "en": ...}
    kind: str  # "yes_no" | "multi" (several choices) | "choice" (one choice)
    choices: list[tuple[str, dict[str, str]]]  # (value, {"ja": .., "en": ..}); [] for yes_no


@dataclass
class Answers:
    on_screen: bool | None = None  # the fake warning is still on the screen
    called: bool | None = None  # called the number on the warning
    installed: list[str] = field(default_factory=list)  # "remote_tool", "fake_security", "unknown"
    remote_control: bool | None = None  # let someone control the PC
    paid: list[str] = field(default_factory=list)  # "card", "emoney", "bank", "convenience"
    personal_data: bool | None = None  # gave name/address/phone/other personal data
    passwords: bool | None = None  # gave or typed passwords / codes during the call or session

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Answers:
        """Parse form or JSON data leniently; keys other than the answers' are ignored.

        Yes/no answers take bools, 0/1 or words (yes/no/true/false/on/off/はい/いいえ; "" or "?" means
        not answered). "installed" and "paid" take a list or a comma-separated string, and also boolean
        keys such as ``installed_remote`` or ``paid_card``. A mapping with ``getlist`` (a form's
        multi-dict) gives every value of a repeated key. Raises ``ValueError`` on a bad value.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"answers must be a mapping of question id to answer, got {type(data).__name__}")

        def values(key: str) -> list[Any]:
            if key not in data:
                return []
            getlist = getattr(data, "getlist", None)
            if callable(getlist):
                return list(getlist(key))
            value = data[key]
            return list(value) if isinstance(value, list | tuple) else [value]

        out = cls()
        for key in (*_BOOL_FIELDS, *_BOOL_ALIASES):
            target = _BOOL_ALIASES.get(key, key)
            for value in values(key):
                parsed = parse_yes_no(value, target)
                if parsed is not None or getattr(out, target) is None:
                    setattr(out, target, parsed)
        for name in ("installed", "paid"):
            chosen = parse_choices(values(name), name)
            for key, (target, value) in _FLAG_KEYS.items():
                if target == name and any(parse_yes_no(v, key) for v in values(key)):
                    chosen.append(value)
            setattr(out, name, [v for v in _CHOICES[name] if v in chosen])
        return out


def check_answers(answers: Answers) -> None:
    """Raise ``ValueError`` when an ``Answers`` built by hand holds a value the advice does not know."""
    for name in _BOOL_FIELDS:
        value = getattr(answers, name)
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{name}: expected True, False or None, got {value!r}")
    for name in ("installed", "paid"):
        for value in getattr(answers, name):
            if value not in _CHOICES[name]:
                raise ValueError(f"{name}: unknown value {value!r} (choose from {', '.join(_CHOICES[name])})")


@dataclass
class Step:
    id: str
    priority: int
    title: str
    reason: str  # one line: why this step, in the advice's language
    details: list[str]
    sources: list[str]


@dataclass
class Advice:
    lang: str
    steps: list[Step]
    # each: id, name, number ("" when it is the person's own card company / bank / issuer), url, for, source
    contacts: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
