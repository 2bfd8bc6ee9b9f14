"""Read a labelled corpus laid out like ``../shared/corpus``.

A ``MANIFEST.tsv`` with at least the columns ``file``, ``label`` and ``language``; ``file`` names
a file inside the sub-folder named by its label (``scam/`` or ``benign/``). An optional
``family`` column keeps near-duplicates together when cross-validation splits the corpus.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

LABELS = ("scam", "benign")
REQUIRED = ("file", "label", "language")


class CorpusError(Exception):
    """The corpus cannot be read; the message is one line for the user."""


@dataclass(frozen=True)
class Sample:
    path: Path
    file: str
    label: str
    language: str
    family: str


def read_corpus(root: str | Path) -> list[Sample]:
    root = Path(root)
    manifest = root / "MANIFEST.tsv"
    if not root.is_dir():
        raise CorpusError(f"{root}: not a directory")
    if not manifest.is_file():
        raise CorpusError(f"{root}: no MANIFEST.tsv")
    with manifest.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{manifest}: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    samples: list[Sample] = []
    for n, row in enumerate(rows, start=2):
        label = (row.get("label") or "").strip()
        if label not in LABELS:
            raise CorpusError(f"{manifest}:{n}: label must be scam or benign, not {label!r}")
        name = (row.get("file") or "").strip()
        if not name or "/" in name or name.startswith("."):
            raise CorpusError(f"{manifest}:{n}: bad file name {name!r}")
        family = (row.get("family") or "").strip() or f"{label}/{name}"
        samples.append(Sample(root / label / name, name, label, (row.get("language") or "").strip(), family))
    return samples


PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".php", ".js", ".txt")


def read_folder(root: str | Path, label: str, *, limit: int = 0) -> list[Sample]:
    """Every page file under ``root`` (no manifest), all with one label: e.g. a folder of ordinary
    pages nobody here wrote, to measure the false-positive rate. Language is left empty (detected)."""
    root = Path(root)
    if label not in LABELS:
        raise CorpusError(f"label must be scam or benign, not {label!r}")
    if not root.is_dir():
        raise CorpusError(f"{root}: not a directory")
    files = sorted(
        Path(d) / f
        for d, _, names in os.walk(root, followlinks=True)
        for f in names
        if Path(f).suffix.lower() in PAGE_SUFFIXES and (Path(d) / f).is_file()
    )
    if limit:
        files = files[:limit]
    if not files:
        raise CorpusError(f"{root}: no page files ({', '.join(PAGE_SUFFIXES)})")
    return [Sample(p, str(p.relative_to(root)), label, "", f"{label}/{p.parent}") for p in files]
