"""Validate rule files the way Sigma rules are validated: every rule loads and its examples behave.

A data file (``scamscope/data/*.toml``) takes part by declaring what its rules are in one or
more ``[[check]]`` tables::

    [[check]]
    rules = "rule"          # where the rules are: an array of tables ([[rule]]) or a table of
                            # tables ([flags.x], the key is the id); a dotted path, where "*"
                            # stands for every table of a level ("families.*.entries")
    kind = "pattern"        # how an example is run against a rule (see TESTERS)
    provenance = "sources"  # the table whose keys the rules cite
    one = true              # optional: the table named by ``rules`` is itself one rule

Each rule then has an ``id`` (or its key), provenance and ``examples.match`` /
``examples.no_match``: inputs on which the rule must fire / must stay silent. Provenance is
either ``provenance``, a non-empty list of keys of that table, or a free-text ``source`` one of
whose "; "-separated parts starts with such a key ("DDF article ('...'); domain knowledge").
An example is a string or a table (``{text = "...", language = "ja"}``, ``{html = "..."}``), as
its tester reads. Some kinds also check coverage (see COVERAGE): every part of a rule (each kind
of phrase of a phrase entry, each host of a contact list ...) is exercised by a match example.

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

from scamscope.types import Page

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


def _text_page(example: Example) -> Page:
    """A page whose visible text is the example (a string), or ``{text, title, strings}`` (script-drawn
    text is ``strings``)."""
    if isinstance(example, str):
        return Page(source="<example>", kind="html", html="", text=example)
    parts = {k: example.get(k, "") for k in ("text", "title", "strings")}
    if not all(isinstance(v, str) for v in parts.values()) or not any(parts.values()):
        raise ValueError("example needs a string 'text', 'title' or 'strings'")
    return Page(source="<example>", kind="html", html="", **parts)


def _phrase_family(rule: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """The phrases.toml family an entry belongs to: its id is "<family>.<name>" and the entry is listed there."""
    family = str(rule.get("id", "")).partition(".")[0]
    families = data.get("families")
    spec = families.get(family) if isinstance(families, Mapping) else None
    listed = spec.get("entries") if isinstance(spec, Mapping) else None
    if not isinstance(listed, list) or not any(e is rule or e == rule for e in listed):
        raise ValueError(f"id must start with the family the entry is listed under ({family!r} does not list it)")
    return family


def _entry_hits(family: str, rule: Mapping[str, Any], label: str, example: Example) -> tuple[bool, set[str]]:
    """(the family fires on the example, how this entry takes part: {"phrase", "pattern"}).

    The real signal runs (shipped phrase files: normalisation, word edges, quotes, visible_only);
    the entry's own phrases/patterns, compiled the way the signal compiles them, say which of the
    family's hits are this entry's. ``label`` is the product name of a fake_software.toml item."""
    from scamscope.signals import scare_text as st

    page = _text_page(example)
    signal = st.MATCHER.families[family].signal
    fires = any(e.signal == signal for e in st.scan(page))
    literals = {st._literal(str(p))[0] for p in rule.get("phrases", [])} - {""}
    counted = {str(rule["group"])} if rule.get("group") else literals
    raw = rule.get("patterns", [rule["pattern"]] if "pattern" in rule else [])
    regexes = [re.compile(st._edge_first(st._pattern(str(p)))) for p in raw]
    how: set[str] = set()
    for part in st.page_parts(page):
        hits = st._find(part.norm, part.source == "script").get(family, [])
        spans = {(m.start(), m.end()) for rx in regexes for m in rx.finditer(part.norm)
                 if m.group(0).strip() and st.edge_ok(part.norm, m.start())}
        for start, end, found, phrase, hit_label in hits:
            if label and hit_label != label:
                continue
            if (start, end) in spans:
                how.add("pattern")
            if phrase in counted and found:
                how.add("phrase")
    return fires, how


def _phrase_fires(family: str, rule: Mapping[str, Any], label: str = "") -> Callable[[Example], bool]:
    def fires(example: Example) -> bool:
        fired, how = _entry_hits(family, rule, label, example)
        if fired and not how:
            raise ValueError("the family fires, but not through this entry")
        return fired

    return fires


def _phrase_entry_tester(rule: Mapping[str, Any], data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``phrases.toml`` entry: its family fires on the example, through this entry's phrases or
    patterns (an example that fires the family only through other entries is reported)."""
    if not rule.get("phrases") and not rule.get("patterns"):
        raise ValueError("an entry needs 'phrases' or 'patterns'")
    for key in ("phrases", "patterns"):
        value = rule.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"'{key}' must be a list of strings")
    for p in rule.get("patterns", []):
        re.compile(p)
    family = _phrase_family(rule, data)
    from scamscope.signals.scare_text import MATCHER

    if family not in MATCHER.families:
        raise ValueError(f"the scare-text signal has no family {family!r}")
    return _phrase_fires(family, rule)


def _fake_software_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``fake_software.toml`` [[software]]: ``text.fake_software`` fires on the example, naming this product."""
    if not rule.get("name") or not (rule.get("phrases") or rule.get("pattern")):
        raise ValueError("a product needs a 'name' and 'phrases' or a 'pattern'")
    phrases = rule.get("phrases", [])
    if not isinstance(phrases, list) or not all(isinstance(v, str) for v in phrases):
        raise ValueError("'phrases' must be a list of strings")
    if "pattern" in rule:
        re.compile(str(rule["pattern"]))
    return _phrase_fires("fake_software", rule, str(rule["name"]))


def _brand_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``brands.toml`` [[brand]]: the brand signal finds this brand named on the example page
    (a string is visible text; ``{title, text, strings}``; ``{logo = "file name of an image it loads"}``)."""
    from scamscope.signals import brands

    index = next((i for i, b in enumerate(brands.BRANDS) if b.name == rule.get("name")), None)
    if index is None:
        raise ValueError(f"no shipped brand is named {rule.get('name')!r}")

    def fires(example: Example) -> bool:
        if isinstance(example, Mapping) and "logo" in example:
            page = Page(source="<example>", kind="html", html="", text="", links=[_text(example, "logo")])
        else:
            page = _text_page(example)
        return index in brands.find_brands(page)

    return fires


def _hosting_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``brands.toml`` [[hosting]]: a page served from the example URL is on this platform."""
    from scamscope.signals import brands

    suffix, pattern = str(rule.get("suffix", "")).lower(), rule.get("pattern")
    entry = next((h for h in brands.HOSTING if h.suffix == suffix and (h.pattern.pattern if h.pattern else None) == pattern), None)
    if entry is None:
        raise ValueError("no shipped [[hosting]] entry has this suffix/pattern")
    return lambda example: brands.hosting_platform(brands.host_of(_text(example, "url"))) is entry


def _contact_tester(rule: Mapping[str, Any], _data: Mapping[str, Any]) -> Callable[[Example], bool]:
    """A ``contact.toml`` table: the contact signal reports the evidence named by the rule's id on the
    example (page source: a string or ``{html = ...}``)."""
    from scamscope.acquire import build_page
    from scamscope.signals import contact

    signal = str(rule.get("id", ""))
    if signal not in ("contact.chat_widget", "contact.download", "contact.number_slot"):
        raise ValueError(f"the contact signal reports no {signal!r}")
    lists = [*rule.get("instructions", []), *rule.get("templates", [])]
    for p in lists + [rule[key] for key in ("empty_element", "write_var") if key in rule]:
        _re2(p)
    return lambda example: any(e.signal == signal for e in contact.run(build_page(_text(example, "html"))).evidence)


TESTERS: dict[str, Tester] = {
    "pattern": _pattern_tester,
    "lockin.rule": _lockin_rule_tester,
    "lockin.family": _lockin_family_tester,
    "phones.flag": _phone_flag_tester,
    "phrases.entry": _phrase_entry_tester,
    "fake_software.item": _fake_software_tester,
    "brands.brand": _brand_tester,
    "brands.hosting": _hosting_tester,
    "contact.evidence": _contact_tester,
}

# --- coverage: every part of a rule is exercised by one of its match examples ------------------------


def _phrase_coverage(rule: Mapping[str, Any], data: Mapping[str, Any], match: list[Example]) -> list[str]:
    """An entry with both phrases and patterns needs a match example through each."""
    if not (rule.get("phrases") and rule.get("patterns")):
        return []
    family = _phrase_family(rule, data)
    seen: set[str] = set()
    for example in match:
        seen |= _entry_hits(family, rule, "", example)[1]
    return [f"no examples.match goes through its {kind}s" for kind in ("phrase", "pattern") if kind not in seen]


def _re2(pattern: object, ignore_case: bool = True) -> Any:
    """A contact.toml pattern compiled as the signal compiles it (RE2); ValueError when it does not compile."""
    from scamscope import rx

    if not isinstance(pattern, str):
        raise ValueError(f"pattern {pattern!r} is not a string")
    try:
        return rx.compile(pattern, ignore_case=ignore_case)
    except Exception as exc:  # re2.error is not a ValueError
        raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None


def _contact_coverage(rule: Mapping[str, Any], _data: Mapping[str, Any], match: list[Example]) -> list[str]:
    """Every host, path, segment, file type, instruction and template of a contact table appears in a
    match example (literals in the lower-case source, patterns as the signal compiles them)."""
    from scamscope.signals.scare_text import normalise

    sources = [_text(e, "html") for e in match]
    low = "\n".join(sources).lower()
    missing = []
    for key in ("hosts", "paths", "extensions"):
        missing += [f"{key}: {v!r}" for v in rule.get(key, []) if str(v).lower() not in low]
    missing += [f"segments: {v!r}" for v in rule.get("segments", []) if f"/{str(v).lower()}/" not in low]
    text = "\n".join(normalise(s) for s in sources)
    for key in ("instructions", "templates"):
        missing += [f"{key}: {v!r}" for v in rule.get(key, []) if not _re2(v).search(text if key == "instructions" else low)]
    for key in ("empty_element", "write_var"):
        if key in rule and not _re2(rule[key], ignore_case=key != "write_var").search("\n".join(sources)):
            missing.append(f"{key}")
    return [f"no examples.match exercises {m}" for m in missing]


Coverage = Callable[[Mapping[str, Any], Mapping[str, Any], list[Example]], list[str]]
COVERAGE: dict[str, Coverage] = {"phrases.entry": _phrase_coverage, "contact.evidence": _contact_coverage}


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
        if not _collections(data, c):
            raise DataFileError(f"{name}: [[check]] names '{c['rules']}', which is not a table or array of tables")
        if not isinstance(data.get(str(c.get("provenance", ""))), Mapping):
            raise DataFileError(f"{name}: [[check]] for '{c['rules']}' needs 'provenance', the table of sources")
    return checks


def _collections(data: Mapping[str, Any], check: Mapping[str, Any]) -> list[list[Any] | Mapping[str, Any]]:
    """What the ``rules`` path of a check names: arrays or tables of rules (a one-rule table with ``one``)."""
    nodes: list[Any] = [data]
    for segment in str(check["rules"]).split("."):
        step: list[Any] = []
        for node in nodes:
            if isinstance(node, Mapping):
                step += [v for v in node.values() if isinstance(v, Mapping)] if segment == "*" else [node.get(segment)]
        nodes = step
    if check.get("one"):
        return [[n] for n in nodes if isinstance(n, Mapping)]
    return [n for n in nodes if isinstance(n, list | Mapping)]


def entries(data: Mapping[str, Any], name: str) -> Iterator[RuleEntry]:
    """Every rule of every checked collection of a file."""
    for c in checks_of(data, name):
        for rules in _collections(data, c):
            yield from _entries_of(rules, c)


def _entries_of(rules: list[Any] | Mapping[str, Any], c: Mapping[str, Any]) -> Iterator[RuleEntry]:
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
    sources = data.get(entry.provenance_table, {})
    if isinstance(cited, str) and "provenance" not in body:
        if not any(_cites(part.strip(), sources) for part in cited.split(";")):
            problem(f"source {_short(cited)} starts with no key of [{entry.provenance_table}]")
    elif not isinstance(cited, list) or not cited or not all(isinstance(c, str) for c in cited):
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
    if entry.kind in COVERAGE and match and not out:
        try:
            for message in COVERAGE[entry.kind](body, data, match):
                problem(message)
        except (ValueError, TypeError, KeyError, re.error) as exc:
            problem(f"coverage cannot be checked: {exc}")
    return out


def _cites(part: str, sources: Mapping[str, Any]) -> bool:
    """A free-text source part names a key of the sources table at its start ("DDF article ('...')")."""
    return any(part == k or (part.startswith(k) and not part[len(k)].isalnum()) for k in sources)


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
