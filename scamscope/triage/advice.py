"""Advice for the victim (Japanese and English), chosen from the findings with ``data/triage_advice.toml``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from scamscope.data import load
from scamscope.triage.findings import Finding, indicators_found
from scamscope.triage.passwords import PasswordStore


@dataclass
class Advice:
    key: str
    ja: str
    en: str
    source: str
    because: list[str] = field(default_factory=list)  # finding ids (F01) that led to it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def facts(findings: list[Finding], stores: list[PasswordStore]) -> dict[str, list[str]]:
    """Fact name -> ids of the findings that establish it."""
    out: dict[str, list[str]] = {}

    def add(name: str, f: Finding | None) -> None:
        out.setdefault(name, [])
        if f is not None and f.id not in out[name]:
            out[name].append(f.id)

    for f in findings:
        if f.kind in ("scam_page", "suspicious_page"):
            add("scam_page", f)
        elif f.kind == "remote_tool_present":
            add("remote_tool_installed" if f.data.get("still_installed") else "remote_tool_seen", f)
        elif f.kind == "remote_sessions" and f.data.get("incoming"):
            add("remote_session", f)
        elif f.kind == "fake_security_software":
            add("fake_security", f)
        elif f.kind == "file_transfers":
            dirs = f.data.get("by_direction", {})
            if dirs.get("from_victim") or dirs.get("unknown"):
                add("files_taken", f)
            if dirs.get("to_victim") or dirs.get("unknown"):
                add("files_put", f)
        elif f.kind in ("money_during_session", "money_after_scam"):
            add(f.kind, f)
    if "remote_session" in out and any(s.saved for s in stores):
        add("saved_passwords", None)
    if indicators_found(findings):
        add("any", None)
    else:
        add("none", None)
    return out


def advise(findings: list[Finding], stores: list[PasswordStore]) -> list[Advice]:
    """The advice entries whose conditions hold, in the data file's order (most urgent first)."""
    have = facts(findings, stores)
    out = []
    for entry in load("triage_advice").get("advice", []):
        hits = [w for w in entry["when"] if w in have]
        if hits:
            because = sorted({i for w in hits for i in have[w]})
            out.append(Advice(entry["key"], entry["ja"], entry["en"], entry["source"], because))
    return out
