"""``scamscope advise`` in a subprocess, as a person runs it: typed answers, flags, JSON, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scamscope.advice import QUESTIONS, Answers, advise

ROOT = Path(__file__).resolve().parent.parent
STEP_LINE = re.compile(r"^\s*\d+\. \[ \] (.+)$", re.M)


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scamscope", "advise", *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=ROOT,
    )


def titles(out: str) -> list[str]:
    return STEP_LINE.findall(out)


def test_interactive_japanese_answers_typed_in() -> None:
    # on screen: yes; called: yes; installed: remote tool + fake software; remote control: yes;
    # paid: card; personal data: no; passwords: no
    proc = run(stdin="y\ny\n1 2\ny\n1\nn\nn\n")
    assert proc.returncode == 0, proc.stderr
    for q in QUESTIONS:
        assert q.text["ja"] in proc.stderr, q.id
    assert "AnyDesk" in proc.stderr and "Auto Fixer Pro" in proc.stderr and "7/7." in proc.stderr
    expected = advise(Answers(True, True, ["remote_tool", "fake_security"], True, ["card"], False, False), "ja")
    assert titles(proc.stdout) == [s.title for s in expected.steps]
    out = proc.stdout
    assert out.startswith("やること（上から順に）")
    assert out.count("理由: ") == len(expected.steps)
    assert out.index("偽の警告画面を閉じる") < out.index("すぐにカード会社に電話する") < out.index("ソフトを削除する前に、証拠を保全する")
    assert out.index("ソフトを削除する前に、証拠を保全する") < out.index("アンインストールする")
    assert "消費者ホットライン  188" in out and "#9110" in out and "03-5978-7509" in out
    assert "Traceback" not in proc.stderr


def test_interactive_english_asks_again_after_bad_answers_and_prints_json() -> None:
    typed = [
        "maybe", "n",        # on screen: a bad answer, asked again
        "ｙ",                # called: full-width y
        "9", "card", "3",    # installed: out of range, not an installed choice, then "unknown"
        "?",                 # remote control: don't know
        "2, 4",              # paid: e-money and convenience store
        "yes", "no",
    ]
    proc = run("--lang", "en", "--json", stdin="\n".join(typed) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("Please answer y (yes), n (no) or ? (don't know).") == 1
    assert proc.stderr.count("Please answer with numbers from 1 to 3.") == 2
    assert QUESTIONS[0].text["en"] in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["answers"] == {"on_screen": False, "called": True, "installed": ["unknown"], "remote_control": None,
                              "paid": ["emoney", "convenience"], "personal_data": True, "passwords": False}
    got = [s["id"] for s in doc["steps"]]
    expected = advise(Answers(False, True, ["unknown"], None, ["emoney", "convenience"], True, False), "en")
    assert got == [s.id for s in expected.steps]
    assert "close_screen" not in got and got.index("emoney") < got.index("uninstall")


def test_input_ending_early_is_a_one_line_error() -> None:
    proc = run(stdin="y\n")
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "question 2 (called)" in errors[0], proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_flags_answer_without_prompting() -> None:
    # stdin is empty: a prompt would meet end of input and exit 2
    args = ("--lang", "en", "--not-on-screen", "--called", "--installed-remote", "--paid", "card", "--paid", "emoney,bank", "--gave-passwords")
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    expected = advise(Answers(False, True, ["remote_tool"], None, ["card", "emoney", "bank"], None, True), "en")
    assert titles(proc.stdout) == [s.title for s in expected.steps]
    out = proc.stdout
    assert out.startswith("What to do, in this order")
    assert out.index("Call your card company now") < out.index("Preserve evidence") < out.index("Uninstall the remote-control tool")
    assert "Close the fake warning" not in out and "Do not call the number" not in out
    assert "Sources:" not in out
    assert "Sources: IPA 安心相談窓口だより 2018-07-18 (seed 000)" in run(*args, "--sources").stdout


def test_json_schema() -> None:
    proc = run("--json", "--on-screen", "--paid", "convenience", "--gave-personal-data")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"lang", "answers", "steps", "contacts"} and doc["lang"] == "ja"
    assert doc["answers"] == {"on_screen": True, "called": None, "installed": [], "remote_control": None,
                              "paid": ["convenience"], "personal_data": True, "passwords": None}
    for s in doc["steps"]:
        assert set(s) == {"id", "priority", "title", "reason", "details", "sources"}
        assert s["sources"] and all(isinstance(x, str) and x for x in s["sources"])
        assert isinstance(s["details"], list) and "\n" not in s["reason"]
    ids = [s["id"] for s in doc["steps"]]
    assert ids[0] == "close_screen" and {"convenience", "personal_data", "consult_188", "report_police"} <= set(ids)
    assert [s["priority"] for s in doc["steps"]] == sorted(s["priority"] for s in doc["steps"])
    for c in doc["contacts"]:
        assert set(c) == {"id", "name", "number", "url", "for", "source"}
    assert {c["id"] for c in doc["contacts"]} == {"hotline_188", "police_9110", "ipa"}


@pytest.mark.parametrize(("args", "message"), [
    (("--paid", "cash"), "unknown --paid value 'cash' (choose from card, emoney, bank, convenience)"),
    (("--called", "--paid", "card,bitcoin"), "unknown --paid value 'bitcoin'"),
    (("--lang", "fr"), "unknown --lang 'fr' (choose ja or en)"),
    (("--lang", "de", "--called"), "unknown --lang 'de'"),
])
def test_bad_input_is_a_one_line_error_with_exit_2(args: tuple[str, ...], message: str) -> None:
    proc = run(*args, stdin="y\n" * 7)
    assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
