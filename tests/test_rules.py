"""Rule files validated like Sigma rules (scamscope/rulecheck.py, ``scamscope check-data``).

One parametrised test runs every rule of every shipped rule file: it must have an id and
provenance, load, fire on each ``examples.match`` and stay silent on each ``examples.no_match``.
The checker itself is tested on broken copies (it must report, not pass them), and the command
on its three exit statuses. The lock-in family registry is checked against its data file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scamscope import rulecheck
from scamscope.data import load
from scamscope.live import behaviour
from scamscope.signals import lockin
from scamscope.signals.families import live_registry, registry

FILES = rulecheck.shipped_rule_files()
ENTRIES = [(path, entry) for path in FILES for entry in rulecheck.entries(rulecheck.read(path), path.name)]


TAKING_PART = ("lockin.toml", "phones.toml", "phrases.toml", "contact.toml", "fake_software.toml", "brands.toml")


def test_the_rule_files_take_part() -> None:
    names = {p.name for p in FILES}
    assert set(TAKING_PART) <= names
    kinds = {e.kind for _p, e in ENTRIES}
    assert {"lockin.rule", "lockin.family", "phones.flag", "phrases.entry", "fake_software.item", "brands.brand",
            "brands.hosting", "contact.evidence"} <= kinds
    assert len([e for p, e in ENTRIES if p.name in ("lockin.toml", "phones.toml")]) >= 90  # every lock-in rule and family, phone flag
    by_kind = {k: [e.id for _p, e in ENTRIES if e.kind == k] for k in kinds}
    # every phrase entry, fake product, brand, hosting platform and contact table is a checked rule
    phrases = load("phrases")["families"]
    assert len(by_kind["phrases.entry"]) == sum(len(f.get("entries", [])) for f in phrases.values())
    assert len(by_kind["fake_software.item"]) == len(load("fake_software")["software"])
    assert len(by_kind["brands.brand"]) == len(load("brands")["brand"])
    assert len(by_kind["brands.hosting"]) == len(load("brands")["hosting"])
    assert sorted(by_kind["contact.evidence"]) == ["contact.chat_widget", "contact.download", "contact.number_slot"]
    assert all(i.partition(".")[0] in phrases for i in by_kind["phrases.entry"])


@pytest.mark.parametrize(("path", "entry"), ENTRIES, ids=[f"{p.stem}:{e.id}" for p, e in ENTRIES])
def test_rule_loads_and_its_examples_behave(path: Path, entry: rulecheck.RuleEntry) -> None:
    data = rulecheck.read(path)
    assert rulecheck.check_rule(entry, data, path.name) == []


# --- the checker catches what is wrong --------------------------------------------------------------


def _copy(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    text = next(p for p in FILES if p.name == name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _lockin_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return _copy(tmp_path, "lockin.toml", *edits)


def test_a_wrong_example_a_bad_regex_and_unknown_provenance_are_reported(tmp_path: Path) -> None:
    path = _lockin_copy(
        tmp_path,
        ('examples.no_match = ["history.back()"]', 'examples.no_match = ["history.pushState(a)"]'),
        (
            'examples.match = ["setInterval(function(){ debugger; }, 100);"]',
            'examples.match = ["function f(){ debugger; }"]',
        ),
        ("patterns = ['''\\bsetInterval\\s*\\(\\s*''']", "patterns = ['''\\bsetInterval\\s*\\(\\s*(''']"),
        ('provenance = ["css-ui", "ddf", "kits"]\nexamples', 'provenance = ["css-ui", "nowhere"]\nexamples'),
    )
    count, problems = rulecheck.check_file(path)
    assert count == len([e for e in ENTRIES if e[0].name == "lockin.toml"])
    by_rule = {(p.rule, p.message.split(" ")[0]) for p in problems}
    assert ("history.call", "fires") in by_rule
    assert ("lockin.anti_analysis", "misses") in by_rule
    assert ("ctx.interval", "does") in by_rule  # does not load
    assert any(p.rule == "cursor.none" and "nowhere" in p.message for p in problems)
    assert all(p.rule for p in problems)


def test_phrase_entries_are_run_through_the_real_matcher(tmp_path: Path) -> None:
    path = _copy(
        tmp_path,
        "phrases.toml",
        # a phrase of another entry of the same family: the family fires, but not through this entry
        (
            'examples.match = ["Malware infection detected: your computer remains infected."]',
            'examples.match = ["Your computer is infected."]',
        ),
        ('examples.no_match = ["We take your privacy seriously."]', 'examples.no_match = ["Your privacy is at risk."]'),
        # benign_context is visible_only: text drawn by script does not count
        (
            'examples.match = ["About us | Opening hours | Get directions"]',
            'examples.match = [{ strings = "About us | Opening hours | Get directions" }]',
        ),
        # phrases and patterns: one match example through each
        (
            'examples.match = ["Watch free xxx videos", "Content for 18+ viewers only"]',
            'examples.match = ["Watch free xxx videos"]',
        ),
        ('id = "dont_ignore.en_title"', 'id = "call_now.en_title"'),  # listed under dont_ignore
        ("source = \"DDF article ('この重要な警告を無視しないでください')\"", 'source = "a blog post"'),
    )
    count, problems = rulecheck.check_file(path)
    assert count == len([e for p, e in ENTRIES if p.name == "phrases.toml"])
    by_rule = {p.rule: p.message for p in problems}
    assert set(by_rule) == {
        "infection_claim.en_alert",
        "system_damage.en_risk",
        "benign_context.en",
        "lure_adult.intl",
        "call_now.en_title",
        "dont_ignore.ja_ddf",
    }, problems
    assert "not through this entry" in by_rule["infection_claim.en_alert"]
    assert by_rule["system_damage.en_risk"].startswith("fires on example")
    assert by_rule["benign_context.en"].startswith("misses example")
    assert by_rule["lure_adult.intl"] == "no examples.match goes through its patterns"
    assert "does not load" in by_rule["call_now.en_title"]
    assert "starts with no key of [sources]" in by_rule["dont_ignore.ja_ddf"]


def test_brand_hosting_software_and_contact_rules_are_checked(tmp_path: Path) -> None:
    cases = [
        ("brands.toml", 'examples.no_match = ["Clean the windows and doors."]', 'examples.no_match = ["Windows is restarting."]',
         "brand.windows", "fires on example"),
        ("brands.toml", 'examples.no_match = ["https://mypages.dev/"]', 'examples.no_match = ["https://kit-1.pages.dev/x"]',
         "hosting.pages_dev", "fires on example"),
        ("fake_software.toml", 'examples.match = ["Auto Mechanic 2018 has detected registry errors."]',
         'examples.match = ["Ask an auto mechanic about the noise."]', "fake_software.auto_mechanic", "misses example"),
        # the last example exercising one instruction pattern is gone: coverage says which
        ("contact.toml", '    "<p>Please fill out the form for a free 1 year license.</p>",\n', "", "contact.download",
         "no examples.match exercises instructions: 'fill"),
    ]
    for name, old, new, rule, message in cases:
        folder = tmp_path / rule
        folder.mkdir()
        _count, problems = rulecheck.check_file(_copy(folder, name, (old, new)))
        assert [p.rule for p in problems] == [rule], (rule, problems)
        assert problems[0].message.startswith(message), problems[0]


def test_missing_examples_and_provenance_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(
        """
[[check]]
rules = "rule"
kind = "pattern"
provenance = "sources"

[sources]
a = "somewhere"

[[rule]]
id = "good"
patterns = ["virus"]
flags = "i"
provenance = ["a"]
examples.match = ["VIRUS found"]
examples.no_match = ["all clear"]

[[rule]]
id = "bare"
patterns = ["x"]
""",
        encoding="utf-8",
    )
    count, problems = rulecheck.check_file(path)
    assert count == 2
    assert {p.rule for p in problems} == {"bare"}
    messages = " | ".join(p.message for p in problems)
    assert "no provenance" in messages and "no examples.match" in messages and "no examples.no_match" in messages


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("x = [", "not valid TOML"),
        ("[sources]\na = 'b'\n", "no [[check]]"),
        (
            "[[check]]\nrules = 'rule'\nkind = 'nonsense'\nprovenance = 's'\n[s]\n[[rule]]\nid='a'\n",
            "unknown check kind",
        ),
        ("[[check]]\nrules = 'rule'\nkind = 'pattern'\nprovenance = 's'\n[s]\n", "not a table"),
    ],
)
def test_unusable_files_raise(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(rulecheck.DataFileError, match=re.escape(why)):
        rulecheck.check_file(path)


# --- the command ---------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scamscope", "check-data", *args], capture_output=True, text=True, timeout=300
    )


def test_check_data_exit_statuses(tmp_path: Path) -> None:
    ok = _cli()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert all(f"{name}: " in ok.stdout for name in TAKING_PART) and "FAIL" not in ok.stdout
    assert all(line.endswith(", ok") for line in ok.stdout.splitlines() if line.split(":")[0] in TAKING_PART)

    broken = _lockin_copy(
        tmp_path, ('examples.no_match = ["history.back()"]', 'examples.no_match = ["history.go(history.pushState(a))"]')
    )
    failing = _cli(str(broken))
    assert failing.returncode == 1
    assert "FAIL lockin.toml: history.call: fires on example" in failing.stdout

    unreadable = _cli(str(tmp_path / "missing.toml"))
    assert unreadable.returncode == 2
    assert "cannot read" in unreadable.stderr and "Traceback" not in unreadable.stderr


# --- one family registry ----------------------------------------------------------------------------------


def test_registry_follows_the_data_file_and_both_sides_share_names() -> None:
    families = registry()
    listed = [f["id"] for f in load("lockin")["family"]]
    assert [f.signal for f in families] == listed
    assert lockin.SIGNALS == tuple(f.signal for f in families if f.static is not None)
    assert set(behaviour.SIGNALS) == {f.signal for f in families if f.live is not None}
    assert tuple(behaviour.SIGNALS) == tuple(f.signal for f in live_registry())
    # every family is seen somewhere; most both in code and live
    assert all(f.static or f.live for f in families)
    assert sum(1 for f in families if f.static and f.live) >= 15
    # every [[rule]] that feeds evidence feeds a registered family
    assert {r.signal for r in lockin.RULES.values() if r.signal} <= set(listed)


def test_every_named_strength_is_in_the_data_file_and_used() -> None:
    """The family modules read their strengths by name (``_S["page_timer"]``); a name missing from
    lockin.toml would fail at scan time, an unused one would be dead data."""
    folder = Path(lockin.__file__).parent / "families"
    tables = {"_S": "static", "_L": "live", "_CHURN_S": "static", "_CHURN_L": "live"}
    declared = re.compile(r'^(_[A-Z_]+) = strengths\("([^"]+)", "(static|live)"\)$', re.M)
    used_names: dict[tuple[str, str], set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for var, signal, side in declared.findall(source):
            assert tables[var] == side, path.name
            names = set(re.findall(r"(?<![\w])" + re.escape(var) + r'\["([a-z0-9_]+)"\]', source))
            assert names, f"{path.name}: {var} declared but never read"
            used_names.setdefault((signal, side), set()).update(names)
    families = {f["id"]: f for f in load("lockin")["family"]}
    for (signal, side), names in used_names.items():
        in_data = set(families[signal].get(side, {}))
        assert names == in_data, f"{signal} {side}: missing in data {names - in_data}, unused {in_data - names}"
    for signal, entry in families.items():
        for side in ("static", "live"):
            for name, value in entry.get(side, {}).items():
                assert (signal, side) in used_names, f"{signal} has {side} strengths but no module reads them"
                assert 0.0 <= value <= 1.0, (signal, side, name)


def test_both_hooks_of_every_family_have_examples_both_ways() -> None:
    entries = {f["id"]: f for f in load("lockin")["family"]}
    for family in registry():
        examples = entries[family.signal]["examples"]
        for key in ("match", "no_match"):
            live = [e for e in examples[key] if isinstance(e, dict) and "events" in e]
            static = [e for e in examples[key] if not (isinstance(e, dict) and "events" in e)]
            assert static or family.static is None, (family.signal, key, "static")
            assert live or family.live is None, (family.signal, key, "live")


def test_a_live_example_that_misbehaves_is_reported(tmp_path: Path) -> None:
    path = _lockin_copy(
        tmp_path,
        (
            '{ events = [{ type = "keyboard_lock", detail = { keys = ["KeyA"] } }] }',
            '{ events = [{ type = "keyboard_lock", detail = { keys = [] } }] }',
        ),
    )
    _count, problems = rulecheck.check_file(path)
    assert [p.rule for p in problems] == ["lockin.keyboard_lock"]
    assert "fires on example" in problems[0].message and "keyboard_lock" in problems[0].message
