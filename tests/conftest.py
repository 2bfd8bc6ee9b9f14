"""Shared test helpers. Third-party samples are read from ../shared (never copied here);
where a fresh clone has no ../shared, the tests that need it skip and say so."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__import__("os").environ.get("SCAMSCOPE_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
NO_SHARED = "needs ../shared (the third-party corpus and seeds beside the clone); absent in this checkout"


def corpus_rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip(NO_SHARED)
    return CORPUS


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(NO_SHARED)
    return SEEDS


def corpus_file(name: str) -> Path:
    """Path of a corpus sample by file name (label folder looked up); skips without ../shared."""
    for label in ("scam", "benign"):
        p = CORPUS / label / name
        if p.exists():
            return p
    pytest.skip(NO_SHARED if not CORPUS.exists() else f"{name} not in corpus")
    raise AssertionError  # unreachable
