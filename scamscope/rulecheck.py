"""Validate rule files the way Sigma rules are validated: every rule loads and its examples behave.

A data file (``scamscope/data/*.toml``) takes part by declaring what its rules are in one or
more ``[[check]]`` tables::

    [[check]]
    rules = "rule"          # where the rules are: an array of tables ([[rule]]) or a table of
                            # tables ([flags.x], the key is the id)
    kind = "pattern"        # how an example is run against a rule (see TESTERS)
    provenance = "sources"  # the table whose keys the rules cite

Each rule then has an ``id`` (or its key), ``provenance`` (a non-empty list of keys of that
table; a single ``source`` string is accepted too) and ``examples.match`` /
``examples.no_match``: inputs on which the rule must fire / must stay silent. An example is a
string or a table (``{text = "...", language = "ja"}``, ``{html = "..."}``), as its tester reads.

:func:`check_file` returns the problems of one file; a file that cannot be read, is not TOML or
has no usable ``[[check]]`` table raises :class:`DataFileError` (``scamscope check-data`` exits
2), problems with single rules are listed (exit 1).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 5_000_000

Example = str | Mapping[str, Any]
# builds, from one rule and its whole file, the function that says whether an example fires it
# (raises ValueError/re.error when the rule itself cannot be compiled)
Tester = Callable[[Mapping[str, Any], Mapping[str, Any]], Callable[[Example], bool]]


class DataFileError(Exception):
    """A rule file that cannot be read, is not valid TOML or does not declare its rules."""


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str  # "" for a problem of the whole collection
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.rule + ': ' if self.rule else ''}{self.message}"


@dataclass(frozen=True)
class RuleEntry:
    """One rule of a checked collection, with the check it belongs to."""

    id: str
    body: Mapping[str, Any]
    kind: str
    provenance_table: str


# --- testers ------------------------------------------------------------------------------------------


def _text(example: Example, key: str = "text") -> str:
    if isinstance(example, str):
        return example
    value = example.get(key, example.get("text", ""))
    if not isinstance(value, str):
        raise ValueError(f"example has no string '{key}'")
    return value


def _pattern_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """Generic: ``patterns`` (regular expressions, joined with |) and optional ``flags = "i"``."""
    patterns = rule.get("patterns")
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise ValueError("'patterns' must be a non-empty list of strings")
    rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE if "i" in str(rule.get("flags", "")) else 0)
    return lambda example: rx.search(_text(example)) is not None


def _lockin_rule_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``lockin.toml`` [[rule]], searched the way the signal searches it (around its needles)."""
    from scamscope.signals.families.code import compile_rule, scan

    cited = rule.get("provenance", ())
    compiled = compile_rule(rule, {c: "" for c in cited} if isinstance(cited, list) else {})  # checked apart
    return lambda example: next(scan(compiled, _text(example, "code"), 1), None) is not None


def _lockin_family_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``lockin.toml`` [[family]]: it is reported at ``min_strength`` or more on the example. An
    example is page code for the static hook (a script string, ``{code = ...}`` or a whole page
    ``{html = ...}``) or, for the live hook, what the instrumentation saw (``{events = [{type,
    detail}, ...]}``, the events of ``scamscope/live/instrument.js``). The hooks run with the shipped
    rules and strengths (a family's code is not in the file)."""
    from scamscope.acquire import build_page
    from scamscope.live.behaviour import BehaviourLog
    from scamscope.signals import lockin

    signal = str(rule.get("id", ""))
    if not any(f.signal == signal for f in _families()):
        raise ValueError(f"no family module reports {signal!r}")
    floor = float(rule.get("min_strength", 0.0))

    def fires(example: Example) -> bool:
        if isinstance(example, Mapping) and "events" in example:
            events = example["events"]
            if not isinstance(events, list) or not events:
                raise ValueError("'events' must be a non-empty list of {type, detail} tables")
            log = BehaviourLog()
            log.extend(events)
            evidence = log.to_evidence()
        else:
            if isinstance(example, Mapping) and "html" in example:
                html = _text(example, "html")
            else:
                code = _text(example, "code")
                html = f"<!doctype html><html><head><title>t</title><script>{code}</script></head><body><p>x</p></body></html>"
            evidence = lockin.run(build_page(html)).evidence
        found = [e for e in evidence if e.signal == signal]
        return bool(found) and found[0].strength >= floor

    return fires


def _families() -> tuple[Any, ...]:
    from scamscope.signals.families import registry

    return registry()


def _phone_flag_tester(rule: Mapping[str, Any], data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``phones.toml`` flag: some number :func:`scamscope.phones.explain_text` finds carries it."""
    from scamscope.phones import explain_text

    flag = str(rule.get("id", ""))
    if flag not in data.get("flags", {}):
        raise ValueError(f"unknown flag {flag!r}")

    def fires(example: Example) -> bool:
        language = example.get("language") if isinstance(example, Mapping) else None
        return any(flag in p.flags for p in explain_text(_text(example), language=language))

    return fires


TESTERS: dict[str, Tester] = {
    "pattern": _pattern_tester,
    "lockin.rule": _lockin_rule_tester,
    "lockin.family": _lockin_family_tester,
    "phones.flag": _phone_flag_tester,
}


# --- reading a file -------------------------------------------------------------------------------------


def read(path: Path) -> dict[str, Any]:
    """The TOML of ``path``; DataFileError when it cannot be read or parsed."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DataFileError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: not valid TOML: {exc}") from None


def checks_of(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The ``[[check]]`` tables of a file; DataFileError when there are none or one is malformed."""
    checks = data.get("check")
    if isinstance(checks, Mapping):
        checks = [checks]
    if not isinstance(checks, list) or not checks:
        raise DataFileError(f"{name}: no [[check]] table says where its rules are")
    for c in checks:
        if not isinstance(c, Mapping) or not isinstance(c.get("rules"), str) or not isinstance(c.get("kind"), str):
            raise DataFileError(f"{name}: each [[check]] needs string keys 'rules' and 'kind'")
        if c["kind"] not in TESTERS:
            raise DataFileError(f"{name}: unknown check kind {c['kind']!r} (known: {', '.join(sorted(TESTERS))})")
        if not isinstance(data.get(c["rules"]), list | Mapping):
            raise DataFileError(f"{name}: [[check]] names '{c['rules']}', which is not a table or array of tables")
        if not isinstance(data.get(str(c.get("provenance", ""))), Mapping):
            raise DataFileError(f"{name}: [[check]] for '{c['rules']}' needs 'provenance', the table of sources")
    return checks


def entries(data: Mapping[str, Any], name: str) -> Iterator[RuleEntry]:
    """Every rule of every checked collection of a file."""
    for c in checks_of(data, name):
        rules = data[c["rules"]]
        items = (
            [(str(v.get("id", "")) if isinstance(v, Mapping) else "", v) for v in rules]
            if isinstance(rules, list)
            else [(str(k), v) for k, v in rules.items() if isinstance(v, Mapping)]
        )
        for rule_id, body in items:
            if isinstance(body, Mapping):
                if isinstance(rules, Mapping):
                    body = {"id": rule_id, **body}
                yield RuleEntry(rule_id or f"{c['rules']}[?]", body, c["kind"], str(c["provenance"]))


# --- checking -------------------------------------------------------------------------------------------


def _examples(body: Mapping[str, Any], key: str) -> list[Example] | None:
    ex = body.get("examples")
    value = ex.get(key) if isinstance(ex, Mapping) else None
    if not isinstance(value, list) or not all(isinstance(v, str | Mapping) for v in value):
        return None
    return value


def _short(example: Example) -> str:
    s = example if isinstance(example, str) else repr(dict(example))
    s = " ".join(s.split())
    return repr(s if len(s) <= 70 else s[:70] + "…")


def check_rule(entry: RuleEntry, data: Mapping[str, Any], name: str) -> list[Problem]:
    """The problems of one rule: schema, provenance, compilation, then each example."""
    out: list[Problem] = []
    body = entry.body

    def problem(message: str) -> None:
        out.append(Problem(name, entry.id, message))

    if not body.get("id"):
        problem("no 'id'")
    cited = body.get("provenance", body.get("source"))
    cited = [cited] if isinstance(cited, str) else cited
    sources = data.get(entry.provenance_table, {})
    if not isinstance(cited, list) or not cited or not all(isinstance(c, str) for c in cited):
        problem("no provenance (a list of source keys)")
    else:
        unknown = [c for c in cited if c not in sources]
        if unknown:
            problem(f"provenance cites unknown sources {unknown} (not in [{entry.provenance_table}])")
    match, no_match = _examples(body, "match"), _examples(body, "no_match")
    if not match:
        problem("no examples.match (inputs the rule must fire on)")
    if not no_match:
        problem("no examples.no_match (inputs it must stay silent on)")
    try:
        fires = TESTERS[entry.kind](body, data)
    except (ValueError, TypeError, KeyError, re.error) as exc:
        problem(f"does not load: {exc}")
        return out
    for expected, examples in ((True, match or []), (False, no_match or [])):
        for example in examples:
            try:
                got = fires(example)
            except (ValueError, TypeError, KeyError) as exc:
                problem(f"example {_short(example)} cannot be run: {exc}")
                continue
            if got != expected:
                problem(f"{'misses' if expected else 'fires on'} example {_short(example)}")
    return out


def check_data(data: Mapping[str, Any], name: str) -> tuple[int, list[Problem]]:
    """(number of rules, their problems) for the parsed TOML of one file."""
    found = list(entries(data, name))
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for entry in found:
        key = (entry.kind, entry.id)
        if key in seen:
            problems.append(Problem(name, entry.id, "id used twice"))
        seen.add(key)
        problems.extend(check_rule(entry, data, name))
    return len(found), problems


def check_file(path: Path) -> tuple[int, list[Problem]]:
    """(number of rules, their problems) for one rule file; DataFileError when the file is unusable."""
    return check_data(read(path), path.name)


def shipped_rule_files() -> list[Path]:
    """The data files shipped with scamscope that declare ``[[check]]`` tables."""
    from importlib import resources

    folder = Path(str(resources.files("scamscope.data")))
    out = []
    for path in sorted(folder.glob("*.toml")):
        try:
            if "check" in read(path):
                out.append(path)
        except DataFileError:
            out.append(path)  # let the caller report it
    return out
