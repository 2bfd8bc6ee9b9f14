"""Victim advice (scamscope.advice): the data file, the answers parser, which steps are given and in what order."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import asdict
from typing import Any

import pytest

from scamscope.advice import QUESTIONS, Advice, Answers, Question, Step, advise
from scamscope.advice.model import INSTALLED_VALUES, PAID_VALUES
from scamscope.data import load
from scamscope.phones import explain_text
from tests.conftest import SEEDS, require_shared

LANGS = ("ja", "en")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
OFFICIAL_NUMBERS = {"188", "#9110", "03-5978-7509"}
NOTHING_DONE = {"called": False, "installed": [], "remote_control": False, "paid": [], "personal_data": False, "passwords": False}


def ids(answers: Answers, lang: str = "ja") -> list[str]:
    return [s.id for s in advise(answers, lang).steps]


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


# --- the data file ------------------------------------------------------------------------------


def test_questions_are_the_shared_interface() -> None:
    assert [q.id for q in QUESTIONS] == ["on_screen", "called", "installed", "remote_control", "paid", "personal_data", "passwords"]
    kinds = {q.id: q.kind for q in QUESTIONS}
    assert kinds == {"on_screen": "yes_no", "called": "yes_no", "installed": "multi", "remote_control": "yes_no",
                     "paid": "multi", "personal_data": "yes_no", "passwords": "yes_no"}
    choices = {q.id: [v for v, _ in q.choices] for q in QUESTIONS}
    assert choices["installed"] == list(INSTALLED_VALUES) and choices["paid"] == list(PAID_VALUES)
    for q in QUESTIONS:
        assert isinstance(q, Question)
        assert JAPANESE.search(q.text["ja"]) and not JAPANESE.search(q.text["en"]), q.id
        assert (q.kind == "yes_no") == (q.choices == [])
        for _, label in q.choices:
            assert JAPANESE.search(label["ja"]) and label["en"], q.id


def test_install_examples_name_known_remote_tools_and_the_fake_software_of_seed_000() -> None:
    installed = next(q for q in QUESTIONS if q.id == "installed")
    labels = dict(installed.choices)

    def examples(text: str) -> list[str]:
        return [e.strip() for e in re.search(r"\(e\.g\. (.*)\)", text).group(1).split(",")]  # type: ignore[union-attr]

    tools = [t["name"].lower() for t in load("remote_tools")["tool"]]
    remote = examples(labels["remote_tool"]["en"])
    assert {"AnyDesk", "TeamViewer"} <= set(remote)
    for name in remote:
        assert any(name.lower() in t for t in tools), name
        assert name in labels["remote_tool"]["ja"] or name == "Quick Assist", name
    ipa = {s["name"].lower().replace(" ", "") for s in load("fake_software")["software"] if s["source"].startswith("IPA 2018-07-18")}
    fake = examples(labels["fake_security"]["en"])
    assert len(fake) >= 5
    for name in fake:
        assert name.lower().replace(" ", "") in ipa, name
        assert name in labels["fake_security"]["ja"], name


def test_every_step_and_contact_has_a_source_and_both_languages() -> None:
    data = load("advice")
    assert len(data["step"]) >= 15 and len({s["id"] for s in data["step"]}) == len(data["step"])
    for s in data["step"]:
        assert s["sources"] and all(len(src) > 20 for src in s["sources"]), s["id"]
        for lang in LANGS:
            assert s["title"][lang] and s["reason"][lang], s["id"]
            assert "\n" not in s["reason"][lang], f"{s['id']}: the reason must be one line"
        assert len(s["details"]["ja"]) == len(s["details"]["en"]), s["id"]
        assert JAPANESE.search(s["title"]["ja"]) and not JAPANESE.search(s["title"]["en"]), s["id"]
    for c in data["contact"]:
        assert c["source"] and c["name"]["ja"] and c["name"]["en"] and c["for"]["ja"] and c["for"]["en"], c["id"]
    everything = Answers(True, True, list(INSTALLED_VALUES), True, list(PAID_VALUES), True, True)
    for lang in LANGS:
        advice = advise(everything, lang)
        assert len(advice.steps) >= 15
        assert all(isinstance(s, Step) and s.sources for s in advice.steps)


def test_no_phone_number_but_the_official_ones() -> None:
    data = load("advice")
    assert {c["number"] for c in data["contact"]} <= OFFICIAL_NUMBERS | {""}
    assert OFFICIAL_NUMBERS <= {c["number"] for c in data["contact"]}
    text = "\n".join(strings(data))
    for lang in ("ja", "en"):
        found = {re.sub(r"\D", "", p.raw) for p in explain_text(text, language=lang)}
        assert found == {"0359787509"}, found


def test_three_conditions_for_remote_control_as_in_seed_000_q2() -> None:
    seed = next(require_shared(SEEDS).glob("000_*.txt")).read_text(encoding="utf-8")
    assert "3つの条件" in seed and "操作される側が操作を許可した場合" in seed
    for lang, words in (("ja", ["インストール", "ネットワーク", "IP アドレス", "ID・パスワード", "許可"]),
                        ("en", ["installed", "network", "IP address", "ID and password", "allows"])):
        step = next(s for s in advise(Answers(installed=["remote_tool"]), lang).steps if s.id == "remote_conditions")
        numbered = [d for d in step.details if re.match(r"[123]\. ", d)]
        assert [d[0] for d in numbered] == ["1", "2", "3"]
        joined = " ".join(numbered)
        for w in words:
            assert w in joined, (lang, w)
        assert any("question 2" in s for s in step.sources)


# --- which steps, in which order -----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_still_on_screen_nothing_done_yet(lang: str) -> None:
    advice = advise(Answers(on_screen=True, **NOTHING_DONE), lang)  # type: ignore[arg-type]
    assert [s.id for s in advice.steps] == ["close_screen", "dont_call", "dont_install", "dont_pay"]
    assert [c["id"] for c in advice.contacts] == ["ipa"]
    close = advice.steps[0]
    text = " ".join(close.details)
    if lang == "ja":
        assert "Esc キーを数秒間長押し" in text and "Ctrl + Alt + Delete" in text and "タスク マネージャー" in text
        assert "再起動" in text and "復元" in text
    else:
        assert "Hold the Esc key" in text and "Task Manager" in text and "restart the PC" in text
        assert "do not accept: restoring the previous session" in text


@pytest.mark.parametrize("lang", LANGS)
def test_not_on_screen_leaves_out_closing_it(lang: str) -> None:
    assert ids(Answers(on_screen=False, **NOTHING_DONE), lang) == ["dont_call", "dont_install", "dont_pay"]  # type: ignore[arg-type]
    assert ids(Answers(), lang)[0] == "close_screen"  # not answered: how to close it is still given


@pytest.mark.parametrize("lang", LANGS)
def test_called_only(lang: str) -> None:
    got = ids(Answers(on_screen=False, called=True, remote_control=False, personal_data=False, passwords=False), lang)
    assert "dont_call" not in got and "ignore_callbacks" in got and "keep_records" in got
    assert {"dont_install", "dont_pay", "consult_ipa"} <= set(got)
    assert not {"uninstall", "preserve_evidence", "card", "consult_188", "report_police"} & set(got)


@pytest.mark.parametrize("lang", LANGS)
def test_fake_software_installed(lang: str) -> None:
    got = ids(Answers(on_screen=False, installed=["fake_security"]), lang)
    assert got.index("preserve_evidence") < got.index("uninstall") < got.index("system_restore")
    assert not {"dont_install", "disconnect_network", "remote_conditions"} & set(got)


@pytest.mark.parametrize("lang", LANGS)
def test_remote_tool_card_and_still_on_screen(lang: str) -> None:
    got = ids(Answers(on_screen=True, called=True, installed=["remote_tool"], remote_control=True, paid=["card"]), lang)
    assert got[0] == "close_screen"
    assert got.index("card") < got.index("uninstall")
    assert got.index("preserve_evidence") < got.index("uninstall") < got.index("system_restore")
    assert got.index("disconnect_network") < got.index("card")
    assert {"remote_conditions", "passwords", "ignore_callbacks", "consult_188", "report_police"} <= set(got)
    assert not {"dont_call", "dont_install", "dont_pay", "emoney", "bank", "convenience"} & set(got)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("method", PAID_VALUES)
def test_each_payment_method_has_its_own_step_and_contact(lang: str, method: str) -> None:
    advice = advise(Answers(on_screen=False, called=True, paid=[method]), lang)
    got = [s.id for s in advice.steps]
    assert method in got and not set(PAID_VALUES) - {method} & set(got)
    assert "dont_pay" not in got and {"consult_188", "report_police", "keep_records"} <= set(got)
    contacts = {c["id"] for c in advice.contacts}
    own = {"card": "card_company", "emoney": "emoney_issuer", "bank": "bank"}
    assert {"hotline_188", "police_9110", "ipa"} <= contacts
    assert contacts & set(own.values()) == ({own[method]} if method in own else set())


@pytest.mark.parametrize("lang", LANGS)
def test_remote_control_without_a_named_install_and_passwords(lang: str) -> None:
    got = ids(Answers(remote_control=True), lang)
    assert got.index("passwords") < got.index("preserve_evidence") < got.index("uninstall")
    assert "dont_install" not in got and "remote_conditions" in got
    got = ids(Answers(on_screen=False, called=True, passwords=True), lang)
    assert "passwords" in got and "report_police" in got and "uninstall" not in got
    assert "passwords" not in ids(Answers(on_screen=False, called=True, passwords=False), lang)


def test_every_combination_of_answers_keeps_the_rules() -> None:
    installed_sets = [list(c) for n in range(4) for c in itertools.combinations(INSTALLED_VALUES, n)]
    paid_sets = [list(c) for n in range(5) for c in itertools.combinations(PAID_VALUES, n)]
    count = 0
    for on_screen, called, installed, remote, paid, personal, passwords in itertools.product(
        (True, False, None), (True, False), installed_sets, (True, False), paid_sets, (True, False), (True, False)
    ):
        a = Answers(on_screen, called, installed, remote, paid, personal, passwords)
        steps = advise(a, "ja").steps
        got = [s.id for s in steps]
        count += 1
        assert len(set(got)) == len(got)
        assert [s.priority for s in steps] == sorted(s.priority for s in steps)
        assert (got[0] == "close_screen") == (on_screen is not False)
        assert ("uninstall" in got) == bool(installed or remote)
        assert ("dont_pay" in got) == (not paid) and ("dont_call" in got) == (not called)
        assert all(m in got for m in paid)
        if "uninstall" in got:
            assert got.index("preserve_evidence") < got.index("uninstall") < got.index("system_restore")
            assert all(got.index(m) < got.index("uninstall") for m in paid)
        assert ("remote_conditions" in got) == ("remote_tool" in installed or remote)
        assert ("passwords" in got) == (passwords or remote)
    assert count == 3 * 2 * 8 * 2 * 16 * 2 * 2


def test_both_languages_give_the_same_steps() -> None:
    a = Answers(on_screen=True, called=True, installed=["remote_tool", "unknown"], remote_control=True, paid=["emoney"], personal_data=True)
    ja, en = advise(a, "ja"), advise(a, "en")
    assert [s.id for s in ja.steps] == [s.id for s in en.steps]
    assert [c["id"] for c in ja.contacts] == [c["id"] for c in en.contacts]
    for s_ja, s_en in zip(ja.steps, en.steps, strict=True):
        assert JAPANESE.search(s_ja.title) and not JAPANESE.search(s_en.title)
        assert s_ja.sources == s_en.sources and s_ja.priority == s_en.priority


def test_to_dict_schema() -> None:
    advice = advise(Answers(on_screen=True, paid=["card"]), "en")
    assert isinstance(advice, Advice)
    doc = json.loads(json.dumps(advice.to_dict(), ensure_ascii=False))
    assert set(doc) == {"lang", "steps", "contacts"} and doc["lang"] == "en"
    for s in doc["steps"]:
        assert set(s) == {"id", "priority", "title", "reason", "details", "sources"}
        assert isinstance(s["priority"], int) and isinstance(s["details"], list) and s["sources"]
    for c in doc["contacts"]:
        assert set(c) == {"id", "name", "number", "url", "for", "source"}
    assert doc["steps"][0]["id"] == "close_screen"


# --- answers ----------------------------------------------------------------------------------


class FormData(dict):  # type: ignore[type-arg]
    """A form's multi-dict: every value of a repeated key through getlist()."""

    def getlist(self, key: str) -> list[str]:
        value = dict.__getitem__(self, key)
        return value if isinstance(value, list) else [value]

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return value[-1] if isinstance(value, list) else value


def test_from_mapping_is_lenient() -> None:
    a = Answers.from_mapping({
        "on_screen": "yes", "called": "いいえ", "installed": "remote, fake", "remote_control": "ｙ",
        "paid": ["card", "gift-card", "Bank Transfer"], "personal_data": "", "passwords": True, "csrf_token": "x", "lang": "en",
    })
    assert a == Answers(True, False, ["remote_tool", "fake_security"], True, ["card", "emoney", "bank"], None, True)
    form = FormData({"paid": ["convenience", "card"], "installed_unknown": "on", "paid_emoney": "1", "gave_passwords": "no", "called": "?"})
    assert Answers.from_mapping(form) == Answers(installed=["unknown"], paid=["card", "emoney", "convenience"], passwords=False)
    a = Answers(False, True, ["fake_security"], False, ["bank"], True, False)
    assert Answers.from_mapping(asdict(a)) == a
    assert Answers.from_mapping({"paid": "none", "installed": []}) == Answers()


@pytest.mark.parametrize(("data", "words"), [
    ({"paid": "cash"}, ["paid", "'cash'", "card, emoney, bank, convenience"]),
    ({"paid": "card, bitcoin"}, ["paid", "'bitcoin'"]),
    ({"installed": ["virus"]}, ["installed", "'virus'", "remote_tool"]),
    ({"called": "maybe"}, ["called", "yes or no"]),
    ({"installed": 5}, ["installed"]),
    (["on_screen"], ["mapping"]),
])
def test_from_mapping_rejects_bad_values(data: Any, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        Answers.from_mapping(data)
    for w in words:
        assert w in str(info.value)


def test_advise_rejects_unknown_language_and_values() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        advise(Answers(), "fr")
    with pytest.raises(ValueError, match="paid: unknown value 'cash'"):
        advise(Answers(paid=["cash"]))
    with pytest.raises(ValueError, match="called: expected True, False or None"):
        advise(Answers(called="yes"))  # type: ignore[arg-type]
