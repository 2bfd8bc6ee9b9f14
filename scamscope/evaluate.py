"""Accuracy figures: precision, recall, F1 and false-positive rate, overall and per language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scamscope.language import language_group


@dataclass(frozen=True)
class Outcome:
    file: str
    label: str  # "scam" / "benign"
    language: str  # as in the manifest (ja / en / other)
    verdict: str | None  # scam / suspicious / benign / None (error)
    score: float | None
    error: str | None = None


def _rates(items: Sequence[Outcome], positive: tuple[str, ...]) -> dict[str, Any]:
    tp = sum(1 for o in items if o.label == "scam" and o.verdict in positive)
    fn = sum(1 for o in items if o.label == "scam" and o.verdict not in positive)
    fp = sum(1 for o in items if o.label == "benign" and o.verdict in positive)
    tn = sum(1 for o in items if o.label == "benign" and o.verdict not in positive)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {
        "n": len(items), "scam": tp + fn, "benign": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "fpr": round(fpr, 4),
    }


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Figures where only ``scam`` counts as positive, and where ``suspicious`` counts too."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(language_group(o.language), []).append(o)
    scored = [(o.score, 1.0 if o.label == "scam" else 0.0) for o in outcomes if o.score is not None]
    brier = sum((p - truth) ** 2 for p, truth in scored) / len(scored) if scored else None
    return {
        "overall": _rates(outcomes, ("scam",)),
        "per_language": {g: _rates(items, ("scam",)) for g, items in sorted(groups.items())},
        "flagged_overall": _rates(outcomes, ("scam", "suspicious")),
        "brier": None if brier is None else round(brier, 4),
        "errors": [{"file": o.file, "error": o.error} for o in outcomes if o.error],
        "misclassified": [
            {"file": o.file, "label": o.label, "language": o.language, "verdict": o.verdict,
             "score": None if o.score is None else round(o.score, 4)}
            for o in outcomes
            if (o.label == "scam") != (o.verdict == "scam")
        ],
    }
