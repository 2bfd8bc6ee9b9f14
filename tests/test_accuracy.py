"""Accuracy on the real development corpus and the seed articles (read from ../shared).

Figures are cross-validated with folds grouped by kit family: the model judging a page was
never trained on that page or its near-duplicates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscope.corpus import read_corpus
from scamscope.evaluate import Outcome, metrics
from scamscope.scan import scan_path
from scamscope.score import load_model
from scamscope.train import Extracted, cross_validate, extract
from tests.conftest import CORPUS, from_earlier_holdout, require_shared


@pytest.fixture(scope="module")
def extracted() -> list[Extracted]:
    return extract(read_corpus(require_shared(CORPUS / "MANIFEST.tsv").parent))


def out_of_fold(data: list[Extracted]) -> list[Outcome]:
    """Out-of-fold verdicts: every file is judged by models trained without its kit family."""
    model = load_model()
    probs = cross_validate(data, k=5, repeats=5)
    return [Outcome(d.sample.file, d.sample.label, d.sample.language, model.verdict(p), p) for d, p in zip(data, probs, strict=True)]


@pytest.fixture(scope="module")
def cv_outcomes(extracted: list[Extracted]) -> list[Outcome]:
    """The whole corpus, cross-validated."""
    return out_of_fold(extracted)


@pytest.fixture(scope="module")
def cv_figures(extracted: list[Extracted]) -> dict:  # type: ignore[type-arg]
    """Cross-validated on the files the bars below were set on (all but the earlier hold-out's)."""
    return metrics(out_of_fold([d for d in extracted if not from_earlier_holdout(d.sample.file)]))


def test_every_corpus_file_is_analysed(extracted: list[Extracted]) -> None:
    errors = [(d.sample.file, d.result.error) for d in extracted if d.result.error]
    assert not errors


def test_cross_validated_recall_and_false_positive_rate(cv_figures: dict) -> None:  # type: ignore[type-arg]
    """Bars set on these 336 files; since a scam verdict needs a call to action (issue 10) one fake-AV
    text without a visible way in sits on the threshold: measured 2026-12-07 recall 0.944, FP rate 0.000;
    2026-12-08 (titles, 2000s fake-AV wording, kit fragments): recall 0.958, FP rate 0.000."""
    overall = cv_figures["overall"]
    assert overall["recall"] >= 0.95, cv_figures["misclassified"]
    assert overall["fpr"] <= 0.01, cv_figures["misclassified"]


def test_cross_validated_whole_corpus_does_not_drop(cv_outcomes: list[Outcome]) -> None:
    """The whole corpus, the earlier hold-out's hard cases included. Measured 2026-12-07: recall 0.923,
    FP rate 0.022 (6 of 269); 2026-12-07 with the call-to-action condition: recall 0.908, FP rate 0.015
    (4 of 269): scam fragments with no way in shown (a page head, a JS fragment) became suspicious,
    scare texts and lock-in demos without one stopped being scams (docs/benchmarks.md); 2026-12-08
    (a claim required besides a call to action, vendors' real numbers, Node programs and games'
    key tables, titles, kit fragments): recall 0.961, FP rate 0.000 (0 of 269); the bar
    allows one false alarm in 269."""
    overall = metrics(cv_outcomes)["overall"]
    assert overall["recall"] >= 0.95 and overall["fpr"] <= 0.004, metrics(cv_outcomes)["misclassified"]


@pytest.mark.parametrize("group", ["ja", "en"])
def test_cross_validated_per_language(cv_figures: dict, group: str) -> None:  # type: ignore[type-arg]
    r = cv_figures["per_language"][group]
    assert r["recall"] >= 0.9 and r["fpr"] <= 0.02, cv_figures["misclassified"]


def test_shipped_model_on_its_training_corpus(extracted: list[Extracted]) -> None:
    """Sanity, not a generalisation figure: the shipped model fits the data it was trained on (the
    whole development corpus, 476 files, since issue 10: its meta says so)."""
    trained_on = list(extracted)
    assert len(trained_on) == load_model().meta["samples"]
    wrong = [d.sample.file for d in trained_on if (d.sample.label == "scam") != (d.result.verdict == "scam")]
    # 2026-12-07: 18 of 476 (3.8%); 2026-12-08: 8 of 476 (1.7%), mostly kit fragments that show no
    # evidence at all (a page head, a loader, a bot cloak) and pages that are a shell statically
    assert len(wrong) <= 0.025 * len(trained_on), wrong


def test_seed_articles_are_benign(seeds: Path) -> None:
    for seed in sorted(seeds.iterdir()):
        r = scan_path(seed)
        assert r.error is None
        assert r.verdict == "benign", (seed.name, r.score, [e.signal for e in r.evidence])
        assert "text.scam_awareness" in {e.signal for e in r.evidence}
