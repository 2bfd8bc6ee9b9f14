"""The scorer follows estimator conventions and refuses a model fitted to other feature values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scamscope.cli import app
from scamscope.scan import scan_html
from scamscope.score import Model, ModelSchemaError, check_schema, feature_values, load_model, schema_hash
from scamscope.types import Evidence

PAGES = Path(__file__).parent / "pages"


def _rows() -> tuple[list[dict[str, float]], list[int]]:
    rows, labels = [], []
    for label in ("scam", "benign"):
        for page in sorted((PAGES / label).glob("*.*")):
            if page.suffix in (".html", ".txt"):
                r = scan_html(page.read_text(encoding="utf-8"))
                rows.append(feature_values(r.evidence))
                labels.append(1 if label == "scam" else 0)
    return rows, labels


def test_fit_returns_self_and_predicts() -> None:
    rows, labels = _rows()
    model = Model(features=[], coef=[], intercept=0.0)
    assert model.fit(rows, labels) is model
    assert model.features and len(model.coef) == len(model.features)
    proba = model.predict_proba(rows)
    assert all(len(p) == 2 and abs(sum(p) - 1.0) < 1e-9 for p in proba)
    scam_p = [p[1] for p, y in zip(proba, labels, strict=True) if y]
    benign_p = [p[1] for p, y in zip(proba, labels, strict=True) if not y]
    assert min(scam_p) > max(benign_p)  # separable training set, fitted
    assert model.predict(rows)[labels.index(1)] == "scam"
    assert model.meta["feature_schema"] == schema_hash() and model.meta["versions"]["scamscope"]


def test_explain_weights_add_up_to_the_decision() -> None:
    model = load_model()
    evidence = [Evidence("text.infection_claim", "x"), Evidence("phone.us_toll_free", "y"), Evidence("text.call_now", "z")]
    explained = model.explain(evidence)
    values = feature_values(evidence)
    assert abs(sum(e.weight for e in explained) - (model.decision(values) - model.intercept)) < 1e-9
    assert [abs(e.weight) for e in explained] == sorted((abs(e.weight) for e in explained), reverse=True)


def test_the_shipped_model_matches_the_code() -> None:
    model = load_model()
    assert model.meta["feature_schema"] == schema_hash()
    assert check_schema(model, strict=True) is None


def test_a_model_from_other_feature_code_is_refused(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(load_model().to_json()))
    doc["meta"]["feature_schema"] = "0123456789abcdef"
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelSchemaError, match="retrain"):
        load_model(str(stale))
    page = tmp_path / "p.html"
    page.write_text("<p>hello</p>", encoding="utf-8")
    res = CliRunner().invoke(app, ["scan", "--model", str(stale), str(page)])
    assert res.exit_code == 2 and "feature schema" in res.output
    doc["meta"].pop("feature_schema")
    stale.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelSchemaError, match="unrecorded"):
        load_model(str(stale))
