"""Accuracy figures: precision, recall, F1 and false-positive rate, overall, per language and per kind."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
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
    kind: str = ""  # whole page / kit file / screenshot / text (see sample_kind); "" when unknown


# The manifest's ``kind`` column, in the words of the figures.
KIND_NAMES = {"full-html": "whole page", "partial-html": "kit file", "text": "text", "screenshot": "screenshot", "image": "screenshot"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")


def sample_kind(file: str, manifest_kind: str = "") -> str:
    """The kind a sample is reported under: an image file is a screenshot whatever the manifest says."""
    if file.lower().endswith(IMAGE_SUFFIXES):
        return "screenshot"
    return KIND_NAMES.get(manifest_kind.strip().lower(), manifest_kind.strip().lower())


def manifest_kinds(root: Path) -> dict[str, str]:
    """file -> kind (:func:`sample_kind`) from a corpus's MANIFEST.tsv; empty without one or its kind column."""
    manifest = root / "MANIFEST.tsv"
    if not manifest.is_file():
        return {}
    with manifest.open(encoding="utf-8", newline="") as fh:
        return {row.get("file", ""): sample_kind(row.get("file", ""), row.get("kind") or "") for row in csv.DictReader(fh, delimiter="\t")}


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
    kinds: dict[str, list[Outcome]] = {}
    for o in outcomes:
        kinds.setdefault(o.kind or sample_kind(o.file), []).append(o)
    return {
        "overall": _rates(outcomes, ("scam",)),
        "per_language": {g: _rates(items, ("scam",)) for g, items in sorted(groups.items())},
        "per_kind": {k: _rates(items, ("scam",)) for k, items in sorted(kinds.items()) if k},
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
