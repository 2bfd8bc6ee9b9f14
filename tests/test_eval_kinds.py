"""Accuracy figures per kind of sample (whole page / kit file / screenshot / text)."""

from __future__ import annotations

from pathlib import Path

from scamscope.evaluate import Outcome, manifest_kinds, metrics, sample_kind


def test_manifest_kinds_are_named_and_images_are_screenshots() -> None:
    assert sample_kind("a.html", "full-html") == "whole page"
    assert sample_kind("a.js", "partial-html") == "kit file"
    assert sample_kind("a.txt", "text") == "text"
    assert sample_kind("shot.PNG", "full-html") == "screenshot"
    assert sample_kind("shot.jpg") == "screenshot"


def test_metrics_per_kind(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.tsv").write_text(
        "file\tlabel\tlanguage\tkind\n"
        "a.html\tscam\ten\tfull-html\nb.js\tscam\ten\tpartial-html\nc.png\tbenign\tja\tfull-html\nd.txt\tbenign\tja\ttext\n",
        encoding="utf-8",
    )
    kinds = manifest_kinds(tmp_path)
    outcomes = [
        Outcome("a.html", "scam", "en", "scam", 0.9, kind=kinds["a.html"]),
        Outcome("b.js", "scam", "en", "suspicious", 0.3, kind=kinds["b.js"]),
        Outcome("c.png", "benign", "ja", "scam", 0.8, kind=kinds["c.png"]),
        Outcome("d.txt", "benign", "ja", "benign", 0.1, kind=kinds["d.txt"]),
    ]
    per_kind = metrics(outcomes)["per_kind"]
    assert per_kind["whole page"]["recall"] == 1.0
    assert per_kind["kit file"]["recall"] == 0.0
    assert per_kind["screenshot"]["fp"] == 1 and per_kind["screenshot"]["benign"] == 1
    assert per_kind["text"]["fpr"] == 0.0


def test_no_manifest_means_no_kinds(tmp_path: Path) -> None:
    assert manifest_kinds(tmp_path) == {}
