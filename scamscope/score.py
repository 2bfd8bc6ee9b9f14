"""Turn evidence into a calibrated probability and a verdict.

The model is a logistic regression over *signal features*, not over words: each feature is
the strength (0..1) of one evidence signal name, plus a few counts of distinct signal
families. Its coefficients ship as JSON in ``scamscope/model/model.json`` (readable, diffable,
no pickle) and are reproduced with ``scamscope train CORPUS_DIR``.

Each evidence item's ``weight`` is its contribution to the log-odds: the coefficient of its
feature times its strength, shared among the items of that feature.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from scamscope.data import load as _load
from scamscope.types import Evidence, Verdict

_SCORING: dict[str, Any] = _load("scoring")  # feature lists and verdict conditions, with their reasons
# Derived features (scoring.toml [family_counts]): how many distinct families of a kind fired with
# at least a minimum strength, scaled to 0..1 by a cap.
FAMILY_COUNTS: dict[str, tuple[str, float, int]] = {
    name: (str(v["prefix"]), float(v["floor"]), int(v["cap"])) for name, v in _SCORING["family_counts"].items()
}
NOT_COUNTED = frozenset(_SCORING["features"]["not_counted"])

# Evidence shown to the user but not scored, and whole families of it (scoring.toml [features]).
REPORT_ONLY = frozenset(_SCORING["features"]["report_only"])
REPORT_ONLY_PREFIXES = tuple(_SCORING["features"]["report_only_prefixes"])


def scored(signal: str) -> bool:
    return signal not in REPORT_ONLY and not signal.startswith(REPORT_ONLY_PREFIXES)


# Call to action (scoring.toml [call_to_action]): a scam needs a way for the victim to make contact
# or pay, given or produced at runtime. Without any, a page is at most "suspicious".
_CTA: dict[str, Any] = _SCORING["call_to_action"]
CALL_TO_ACTION_PREFIXES = tuple(_CTA["prefixes"])
NOT_CALL_TO_ACTION = frozenset(_CTA["not_signals"])
CALL_TO_ACTION = frozenset(_CTA["signals"])
TRAPS = frozenset(_CTA["traps"])
TRAP_FLOOR = float(_CTA["trap_floor"])
HIDDEN_PAGE = (str(_CTA["hidden_page"]["signal"]), float(_CTA["hidden_page"]["floor"]))
CAP_MARGIN = 0.001  # a capped score sits this far below the scam threshold
NO_CALL_TO_ACTION_NOTE = (
    "no way to make contact or pay was found (no phone number, chat, download, payment or personal-data form, "
    "or number filled in at runtime): without a call to action the verdict is at most 'suspicious'"
)


def call_to_action(evidence: Iterable[Evidence]) -> bool:
    """True when the evidence holds a way to make contact or pay, or shows one is produced at runtime."""
    for e in evidence:
        if e.strength <= 0 or e.signal in NOT_CALL_TO_ACTION:
            continue
        if e.signal.startswith(CALL_TO_ACTION_PREFIXES) or e.signal in CALL_TO_ACTION:
            return True
        if e.signal in TRAPS and e.strength >= TRAP_FLOOR:
            return True
        if e.signal == HIDDEN_PAGE[0] and e.strength >= HIDDEN_PAGE[1]:
            return True
    return False


# Keys of feature rows that are conditions on the verdict, not model features (never fitted).
GATE_PREFIX = "gate."
GATE_CALL_TO_ACTION = "gate.call_to_action"
GATE_CLAIM = "gate.claim"

# A claim (scoring.toml [claim]): what the page says or does to a victim. A number, a brand name
# or a way to make contact is no claim; without one a page is at most "suspicious".
NOT_A_CLAIM_PREFIXES = tuple(_SCORING["claim"]["not_a_claim_prefixes"])
CLAIMS = frozenset(_SCORING["claim"]["claims"])  # claims despite their prefix
NO_CLAIM_NOTE = (
    "nothing on the page claims anything (no scare text, lock-in, impersonation or data form): a phone number "
    "or a brand name alone makes it at most 'suspicious'"
)


def makes_claim(evidence: Iterable[Evidence]) -> bool:
    """True when some scored indicator (not a number, brand mention, contact or ambiguous sign) is present."""
    for e in evidence:
        if e.strength <= 0 or not scored(e.signal) or e.signal in COUNTER_EVIDENCE or e.signal in EITHER_WAY:
            continue  # an ambiguous indicator (remote access named, a personal-data form) is no claim either
        if e.signal in CLAIMS or not e.signal.startswith(NOT_A_CLAIM_PREFIXES):
            return True
    return False


def feature_values(evidence: Iterable[Evidence]) -> dict[str, float]:
    """Map evidence onto feature values: per signal the highest strength, plus derived features,
    plus ``gate.call_to_action`` (1.0) when the page offers a way to make contact or pay and
    ``gate.claim`` (1.0) when it claims something (:func:`makes_claim`)."""
    evidence = list(evidence)
    values: dict[str, float] = {}
    for e in evidence:
        if not scored(e.signal):
            continue
        s = max(0.0, min(1.0, float(e.strength)))
        if s > values.get(e.signal, 0.0):
            values[e.signal] = s
    for name, (prefix, floor, cap) in FAMILY_COUNTS.items():
        n = sum(1 for sig, v in values.items() if sig.startswith(prefix) and v >= floor and sig not in NOT_COUNTED)
        if n:
            values[name] = min(1.0, n / cap)
    if call_to_action(evidence):
        values[GATE_CALL_TO_ACTION] = 1.0
    if makes_claim(evidence):
        values[GATE_CLAIM] = 1.0
    # Scare text on a page that talks about scams is most likely quoted, not shown to a victim.
    quoted = values.get("text.scam_awareness", 0.0) * values.get("count.scare_families", 0.0)
    if quoted:
        values["interaction.quoted_scare"] = quoted
    return values


# Sign constraints used in training (domain knowledge, and what makes weights readable):
# counter-evidence can only lower the score, ambiguous evidence may go either way, and every
# other signal is an indicator that can only raise it. Without this, correlated indicators
# (a 0101 number always comes with other phone flags) can get small negative weights.
COUNTER_EVIDENCE = frozenset(_SCORING["features"]["counter_evidence"])
EITHER_WAY = frozenset(_SCORING["features"]["either_way"])


def sign_bounds(feature: str) -> tuple[float | None, float | None]:
    """(lower, upper) bound of a feature's coefficient in training."""
    from scamscope.data import load

    upper = load("priors").get("bounds", {}).get(feature, {}).get("max")
    if feature in COUNTER_EVIDENCE:
        return (None, min(0.0, upper) if upper is not None else 0.0)
    if feature in EITHER_WAY:
        return (None, upper)
    return (0.0, upper)


def _as_shown(e: Evidence, weight: float) -> Evidence:
    """The evidence item with its weight as shown to an operator (see :meth:`Model.score`)."""
    if weight < 0 and e.signal not in COUNTER_EVIDENCE:
        return replace(e, weight=0.0, detail=f"{e.detail} [context, not counter-evidence: the model's baseline "
                                                f"for pages showing this is {weight:+.2f}]")
    return replace(e, weight=weight)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


@dataclass
class Model:
    features: list[str]
    coef: list[float]
    intercept: float
    scam_threshold: float = 0.5
    suspicious_threshold: float = 0.2
    meta: dict[str, Any] = field(default_factory=dict)
    priors: dict[str, float] = field(default_factory=dict)  # expert coefficients, see data/priors.toml

    def coefficients(self) -> dict[str, float]:
        """Learned coefficients, plus expert priors for features the training data never showed."""
        coef = dict(self.priors)
        coef.update(zip(self.features, self.coef, strict=True))
        return coef

    @cached_property
    def _coef(self) -> dict[str, float]:
        return self.coefficients()

    def decision(self, values: dict[str, float]) -> float:
        return self.intercept + sum(c * values.get(f, 0.0) for f, c in self._coef.items())

    def raw_probability(self, values: dict[str, float]) -> float:
        """The logistic model's probability, before the call-to-action condition."""
        return _sigmoid(self.decision(values))

    def probability(self, values: dict[str, float]) -> float:
        """Probability of scam; capped just below the scam threshold when the row has no call to action
        (``gate.call_to_action`` absent) or no claim (``gate.claim`` absent), so that such a page is
        at most ``suspicious``."""
        p = self.raw_probability(values)
        if GATE_CALL_TO_ACTION not in values or GATE_CLAIM not in values:
            p = min(p, self.scam_threshold - CAP_MARGIN)
        return p

    def notes(self, evidence: Sequence[Evidence]) -> list[str]:
        """Notes on the verdict for a report: why a page that scores as a scam is only ``suspicious``."""
        values = feature_values(evidence)
        if self.raw_probability(values) < self.scam_threshold:
            return []
        notes = []
        if GATE_CLAIM not in values:
            notes.append(NO_CLAIM_NOTE)
        if GATE_CALL_TO_ACTION not in values:
            notes.append(NO_CALL_TO_ACTION_NOTE)
        return notes

    # --- estimator conventions (scikit-learn style): fit returns self, predict_proba, explain ---

    def fit(self, rows: Sequence[dict[str, float]], labels: Sequence[int], *, C: float | None = None) -> Model:
        """Learn the coefficients from feature rows (:func:`feature_values`) and 0/1 labels; returns self."""
        from scamscope.train import C_DEFAULT
        from scamscope.train import fit as fit_rows

        learned = fit_rows(rows, labels, C=C_DEFAULT if C is None else C)
        self.features, self.coef, self.intercept = learned.features, learned.coef, learned.intercept
        self.priors = learned.priors
        self.scam_threshold, self.suspicious_threshold = learned.scam_threshold, learned.suspicious_threshold
        self.meta = {**self.meta, **schema_meta()}
        self.__dict__.pop("_coef", None)  # the cached coefficient table is stale now
        return self

    def predict_proba(self, rows: Sequence[dict[str, float]]) -> list[list[float]]:
        """``[[P(benign), P(scam)], ...]`` for feature rows, as scikit-learn classifiers return."""
        out = []
        for r in rows:
            p = self.probability(r)
            out.append([1.0 - p, p])
        return out

    def predict(self, rows: Sequence[dict[str, float]]) -> list[Verdict]:
        return [self.verdict(self.probability(r)) for r in rows]

    def explain(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        """The evidence with each item's share of the log-odds in ``weight``, strongest first."""
        return self.score(evidence)[1]

    def score(self, evidence: Sequence[Evidence]) -> tuple[float, list[Evidence]]:
        """Return (probability of scam, evidence with weights), strongest contributions first.

        An item's weight is its share of the log-odds (:meth:`contributions`), except that a
        negative share of evidence that is not counter-evidence (a ``tel:`` link, a number: see
        EITHER_WAY) is shown as 0 and named context in its detail. An operator reads a negative
        weight as "less likely a scam"; only genuinely benign indicators (COUNTER_EVIDENCE) may say
        that. The probability is capped when there is no call to action (:meth:`probability`).
        """
        weighted = [_as_shown(e, w) for e, w in self.contributions(evidence)]
        weighted.sort(key=lambda e: -abs(e.weight))
        return self.probability(feature_values(evidence)), weighted

    def contributions(self, evidence: Sequence[Evidence]) -> list[tuple[Evidence, float]]:
        """Each evidence item with its share of the log-odds: its own feature's contribution split
        among the items of that signal, plus its share of each derived feature it counts towards
        (family counts, the quoted-scare interaction). The shares add up to the decision value
        minus the intercept."""
        values = feature_values(evidence)
        coef = self._coef
        clipped = {id(e): max(0.0, min(1.0, float(e.strength))) for e in evidence}
        # contributors per feature: the items whose signal gives the feature its value
        members: dict[str, list[Evidence]] = {}
        for e in evidence:
            if not scored(e.signal):
                continue
            if clipped[id(e)] == values.get(e.signal):
                members.setdefault(e.signal, []).append(e)
            for name, (prefix, floor, _cap) in FAMILY_COUNTS.items():
                if e.signal.startswith(prefix) and e.signal not in NOT_COUNTED and clipped[id(e)] >= floor:
                    members.setdefault(name, []).append(e)
            if e.signal in ("text.scam_awareness",) and "interaction.quoted_scare" in values:
                members.setdefault("interaction.quoted_scare", []).append(e)
        share: dict[int, float] = {}
        for feature, items in members.items():
            total = coef.get(feature, 0.0) * values.get(feature, 0.0)
            # within a family count, one item per signal counts
            distinct = {i.signal: i for i in items}.values() if feature.startswith("count.") else items
            for i in distinct:
                share[id(i)] = share.get(id(i), 0.0) + total / len(distinct)
        return [(e, share.get(id(e), 0.0)) for e in evidence]

    def verdict(self, score: float) -> Verdict:
        if score >= self.scam_threshold:
            return "scam"
        if score >= self.suspicious_threshold:
            return "suspicious"
        return "benign"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "logistic-regression over signal features",
            "features": self.features,
            "coef": [round(c, 6) for c in self.coef],
            "intercept": round(self.intercept, 6),
            "scam_threshold": self.scam_threshold,
            "suspicious_threshold": self.suspicious_threshold,
            "priors": self.priors,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Model:
        return cls(
            features=list(d["features"]),
            coef=[float(c) for c in d["coef"]],
            intercept=float(d["intercept"]),
            scam_threshold=float(d.get("scam_threshold", 0.5)),
            suspicious_threshold=float(d.get("suspicious_threshold", 0.2)),
            meta=dict(d.get("meta", {})),
            priors={k: float(v) for k, v in d.get("priors", {}).items()},
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


MODEL_PATH = "model.json"
FEATURE_SCHEMA_VERSION = 2  # raise when feature_values() changes how a feature is computed
SCHEMA_LIBRARIES = ("scamscope", "numpy", "scipy", "scikit-learn")


class ModelSchemaError(ValueError):
    """A model trained on features computed differently from this code's."""


def schema_hash() -> str:
    """Hash of how features are computed from evidence (derived features, exclusions, sign rules).

    A model stores it at training; a model whose hash differs was fitted to other feature values
    and its coefficients would mean something else here.
    """
    import hashlib

    schema = {
        "version": FEATURE_SCHEMA_VERSION,
        "family_counts": {k: list(v) for k, v in sorted(FAMILY_COUNTS.items())},
        "not_counted": sorted(NOT_COUNTED),
        "report_only": sorted(REPORT_ONLY),
        "report_only_prefixes": list(REPORT_ONLY_PREFIXES),
        "counter_evidence": sorted(COUNTER_EVIDENCE),
        "either_way": sorted(EITHER_WAY),
        "derived": ["interaction.quoted_scare = text.scam_awareness * count.scare_families"],
    }
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16]


def schema_meta() -> dict[str, Any]:
    """What a trained model records about the code that trained it."""
    import importlib.metadata

    versions = {}
    for name in SCHEMA_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"feature_schema": schema_hash(), "versions": versions}


def check_schema(model: Model, *, strict: bool) -> str | None:
    """None when ``model`` was trained with this code's feature schema; else why not.

    ``strict`` (a model file given by the user) raises :class:`ModelSchemaError`; otherwise the
    reason is returned for a warning (the shipped model keeps working).
    """
    stored = model.meta.get("feature_schema")
    if stored == schema_hash() or not model.meta.get("trained", True):
        return None
    why = (f"the model was trained with feature schema {stored or 'unrecorded'}, this code computes {schema_hash()}: "
           "retrain it (scamscope train CORPUS_DIR)")
    if strict:
        raise ModelSchemaError(why)
    return why


@cache
def load_model(path: str | None = None) -> Model:
    """Load the shipped model (or one written by ``scamscope train --out``)."""
    if path:
        custom = Model.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        check_schema(custom, strict=True)
        return custom
    ref = resources.files("scamscope.model").joinpath(MODEL_PATH)
    if not ref.is_file():
        return fallback_model()
    model = Model.from_json(json.loads(ref.read_text(encoding="utf-8")))
    why = check_schema(model, strict=False)
    if why:
        import warnings

        warnings.warn(f"scamscope's shipped model: {why}", stacklevel=2)
    for feature, coef in expert_priors().items():  # priors added to data/priors.toml since the model was trained
        if feature not in model.features:
            model.priors.setdefault(feature, coef)
    return model


def fallback_model() -> Model:
    """An untrained prior (used only before the first ``scamscope train``): every scare signal counts."""
    feats = ["count.scare_families", "count.lockin_families", "count.phone_flags", "text.scam_awareness"]
    return Model(features=feats, coef=[4.0, 2.0, 2.0, -4.0], intercept=-3.0, meta={"trained": False}, priors=expert_priors())


def expert_priors() -> dict[str, float]:
    """Coefficients for features the corpus cannot teach (``scamscope/data/priors.toml``)."""
    from scamscope.data import load

    return {name: float(entry["coef"]) for name, entry in load("priors")["features"].items()}
