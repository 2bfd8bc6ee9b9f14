"""Train the scorer on a labelled corpus and cross-validate it.

Features come from the signals (see :mod:`scamscope.score`), so the model learns how much each
kind of evidence counts, not which words a kit used. Cross-validation folds keep a kit family
together (``family`` column), so near-duplicate pages never sit on both sides of a split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scamscope.corpus import Sample
from scamscope.score import GATE_PREFIX, Model, expert_priors, feature_values, sign_bounds
from scamscope.types import ScanResult

C_DEFAULT = 10.0
KEEP_EMPTY_ROWS = False
SCAM_THRESHOLD = 0.4  # chosen by grouped cross-validation on the development corpus (docs/benchmarks.md)
SUSPICIOUS_THRESHOLD = 0.2


@dataclass
class Extracted:
    sample: Sample
    result: ScanResult
    values: dict[str, float]


def extract(samples: Sequence[Sample], *, progress: bool = False) -> list[Extracted]:
    """Scan every sample once (with the shipped model: only the evidence is used here).

    ``progress`` shows a progress bar on stderr (for long runs from the command line).
    """
    from scamscope.scan import scan_path

    items: Iterable[Sample] = samples
    if progress:
        from rich.console import Console
        from rich.progress import track

        items = track(samples, description="scanning", console=Console(stderr=True), transient=True)
    out = []
    for s in items:
        r = scan_path(s.path)
        out.append(Extracted(s, r, feature_values(r.evidence)))
    return out


def feature_names(rows: Sequence[dict[str, float]]) -> list[str]:
    """Model features of the rows (verdict conditions such as ``gate.call_to_action`` are not fitted)."""
    return sorted({k for r in rows for k in r if not k.startswith(GATE_PREFIX)})


def fit(rows: Sequence[dict[str, float]], labels: Sequence[int], *, C: float = C_DEFAULT, features: list[str] | None = None) -> Model:
    """L2-regularised logistic regression with sign constraints (:func:`scamscope.score.sign_bounds`).

    Minimises ``sum(log-loss) + ||w||² / (2C)`` (scikit-learn's objective) with L-BFGS-B, so that
    bounds can be placed on each coefficient; the intercept is free and not penalised.
    """
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import expit

    # Rows without any evidence teach nothing about the weights, only the corpus's mix of classes
    # among inputs that show nothing (head-only excerpts of kit pages, code fragments): left in,
    # they raise the intercept, i.e. every ordinary page's baseline. They are left out of the fit.
    keep = [i for i, r in enumerate(rows) if any(v > 0 for k, v in r.items() if not k.startswith(GATE_PREFIX))]
    if KEEP_EMPTY_ROWS is False and keep and len({labels[i] for i in keep}) == 2:
        rows, labels = [rows[i] for i in keep], [labels[i] for i in keep]
    feats = features or feature_names(rows)
    X = np.array([[r.get(f, 0.0) for f in feats] for r in rows], dtype=float).reshape(len(rows), len(feats))
    y = np.array(labels, dtype=float)
    d = len(feats)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ w[:d] + w[d]
        loss = float(np.logaddexp(0.0, z).sum() - y @ z + (w[:d] @ w[:d]) / (2 * C))
        err = expit(z) - y
        grad = np.empty(d + 1)
        grad[:d] = X.T @ err + w[:d] / C
        grad[d] = err.sum()
        return loss, grad

    bounds = [sign_bounds(f) for f in feats] + [(None, None)]
    res = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000})
    w = res.x
    priors = {f: c for f, c in expert_priors().items() if f not in feats}
    return Model(
        features=feats, coef=[float(c) for c in w[:d]], intercept=float(w[d]), priors=priors,
        scam_threshold=SCAM_THRESHOLD, suspicious_threshold=SUSPICIOUS_THRESHOLD,
    )


def cross_validate(
    data: Sequence[Extracted], *, k: int = 5, seed: int = 0, C: float = C_DEFAULT, repeats: int = 1
) -> list[float]:
    """Out-of-fold probabilities, one per sample, from k folds grouped by kit family.

    With ``repeats`` > 1 the split is redone with other seeds and each sample's out-of-fold
    probabilities are averaged (repeated cross-validation: less dependent on one lucky split;
    a sample is still never judged by a model trained on it or its kit family).
    """
    if repeats > 1:
        runs = [cross_validate(data, k=k, seed=seed + r, C=C) for r in range(repeats)]
        return [sum(col) / repeats for col in zip(*runs, strict=True)]
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.array([1 if d.sample.label == "scam" else 0 for d in data])
    groups = [d.sample.family for d in data]
    k = max(2, min(k, len(set(groups)), int(min(y.sum(), len(y) - y.sum())) or 2))
    probs = [0.0] * len(data)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y, groups):
        model = fit([data[i].values for i in train_idx], [int(y[i]) for i in train_idx], C=C)
        for i in test_idx:
            probs[i] = model.probability(data[i].values)
    return probs


def corpus_fingerprint(root: Path) -> str:
    manifest = root / "MANIFEST.tsv"
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16] if manifest.exists() else ""


def train(data: Sequence[Extracted], root: Path, *, C: float = C_DEFAULT) -> Model:
    labels = [1 if d.sample.label == "scam" else 0 for d in data]
    model = fit([d.values for d in data], labels, C=C)
    from scamscope.score import schema_meta

    model.meta = {
        **schema_meta(),
        "trained": True,
        "samples": len(data),
        "scam": sum(labels),
        "benign": len(labels) - sum(labels),
        "C": C,
        "corpus_manifest_sha256_16": corpus_fingerprint(root),
        "reproduce": "scamscope train CORPUS_DIR",
    }
    return model
