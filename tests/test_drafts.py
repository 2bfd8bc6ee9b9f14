"""Takedown / report drafts (scamscope.exchange.drafts, `scamscope draft`) from real scans of
corpus pages (the same scans as tests/test_campaigns.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scamscope.exchange.drafts import NotFound, make_draft
from scamscope.exchange.sources import load
from tests.test_campaigns import BUCKET, scan_lines, write_source

ROOT = Path(__file__).resolve().parent.parent
SHOT = "5f" * 32


@pytest.fixture
def source(tmp_path: Path) -> Path:
    lines = []
    for line in scan_lines():
        obj = json.loads(line)
        if obj["url"] == f"{BUCKET}/b7/index.html":  # as a live scan of the desk records it
            obj["live"] = {"final_url": obj["url"], "screenshot_sha256": {"before": SHOT}}
        lines.append(json.dumps(obj, ensure_ascii=False))
    return write_source(tmp_path / "scans.jsonl", lines)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scamscope", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def halves(text: str) -> tuple[str, str]:
    ja, _, en = text.partition("\n---\n")
    assert en, "both languages, Japanese first"
    return ja, en


def test_domain_draft_has_the_required_fields(source: Path) -> None:
    text = make_draft(load(str(source)).records, "domain", f"{BUCKET}/a1/index.html", source="scans.jsonl")
    ja, en = halves(text)
    for part in (ja, en):
        for p in ("a1", "b7", "c2"):
            assert f"`{BUCKET}/{p}/index.html`" in part
        assert "| 2026-03-01T10:00:00Z | 2026-03-01T10:00:00Z |" in part  # first and last seen
        assert "2026-03-05T18:00:00Z" in part
        assert SHOT in part
        assert "Azure Storage static website" in part  # the hosting platform
        assert "`+18553436624`" in part  # numbers shown
        assert part.count("\n1. `") == 1 and "\n2. `" in part and "\n3. `" in part and "\n4. `" not in part  # top 3 reasons
        assert any(f"\n{n}. `text." in part for n in (1, 2, 3))  # a scare claim among the top reasons (which one follows the model's weights)
    assert "下書き" in ja and "scamscope は何も送信しません" in ja and "詐欺（3 件のスキャン" in ja and "公開停止" in ja
    assert "draft" in en and "sends nothing" in en and "scam (3 scan(s)" in en and "suspend" in en
    assert not ja.lstrip().startswith("> This")


def test_domain_draft_by_registrable_domain_and_generic_recipient(source: Path) -> None:
    ja, en = halves(make_draft(load(str(source)).records, "domain", "pphost-helpdesk.com"))
    assert "`https://support.pphost-helpdesk.com/help`" in en and "`https://de.pphost-helpdesk.com/hilfe`" in en
    assert "registrar" in en and "レジストラ" in ja
    assert "The records hold no screenshot." in en


def test_phone_draft_explains_the_number_in_both_languages(source: Path) -> None:
    text = make_draft(load(str(source)).records, "phone", "0101-860-294-8628")
    ja, en = halves(text)
    for part in (ja, en):
        assert "`+18602948628`" in part and "`0101 860 294 8628`" in part
        assert "`https://naresh-help.example/?phone=042-484-2626`" in part
        assert "2026-01-05T00:00:00Z" in part
        assert "`jp_international_disguised`" in part
    assert "「010」は国際電話の識別番号" in ja and "電話会社" in ja and "警察" in ja
    assert "Japan's international call prefix 010" in en and "carrier" in en and "police" in en
    assert "0101 = Japan" in en  # the record's own explanation


def test_phone_draft_by_e164_with_two_pages(source: Path) -> None:
    _, en = halves(make_draft(load(str(source)).records, "phone", "+81 50-5479-7668"))
    assert "`https://free-videos-jp.example/watch`" in en and "`https://working-audio.example/p/1`" in en
    assert "050" in en and "IP phone" in en


def test_number_also_on_a_benign_page_needs_force_and_carries_a_warning(source: Path) -> None:
    records = load(str(source)).records
    with pytest.raises(NotFound, match="also on 1 page"):
        make_draft(records, "phone", "042-484-2626")
    _, en = halves(make_draft(records, "phone", "042-484-2626", force=True))
    assert "also shown on 1 page(s) judged benign" in en


@pytest.mark.parametrize(
    "what,value",
    [
        ("phone", "011-522-8753"),  # only on a benign page (a real company's number)
        ("domain", "grouphome.example"),  # only benign pages
        ("phone", "+1 212 555 0000"),  # nowhere
        ("domain", "nowhere.example"),
        ("domain", "web.core.windows.net"),  # a platform as a whole
        ("domain", "microsoft.com"),
    ],
)
def test_values_not_drafted(source: Path, what: str, value: str) -> None:
    with pytest.raises(NotFound):
        make_draft(load(str(source)).records, what, value)


def test_cli(source: Path, tmp_path: Path) -> None:
    proc = run("draft", "phone", "050-5479-7668", str(source), "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.lstrip().startswith("> This is a **draft**") and "下書き" not in proc.stdout
    out = tmp_path / "draft.md"
    proc = run("draft", "domain", "kitbucket01.z13.web.core.windows.net", str(source), "--out", str(out))
    assert proc.returncode == 0 and proc.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.index("下書き") < text.index("This is a **draft**")
    for args, code in (
        (["draft", "phone", "011-522-8753", str(source)], 1),
        (["draft", "domain", "nowhere.example", str(source)], 1),
        (["draft", "phone", "050-5479-7668", str(tmp_path / "missing.jsonl")], 2),
        (["draft", "phone", "050-5479-7668", "sqlite:///" + str(tmp_path / "nope" / "x.db")], 2),
        (["draft", "fax", "1", str(source)], 2),
        (["draft", "phone", "050-5479-7668", str(source), "--lang", "fr"], 2),
    ):
        proc = run(*args)
        assert proc.returncode == code, (args, proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        assert proc.stdout == ""
