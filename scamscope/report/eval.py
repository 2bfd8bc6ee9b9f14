"""Terminal rendering of evaluation figures."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def render_metrics(console: Console, figures: dict[str, Any]) -> None:
    console.print(f"[bold]mode:[/] {figures.get('mode', '')}")
    for note in figures.get("notes", []):
        console.print(f"[yellow]note:[/] {note}")
    t = Table(title="Verdict 'scam' as positive", title_justify="left")
    for col in ("set", "pages", "scam", "benign", "precision", "recall", "F1", "FP rate", "FP", "FN"):
        t.add_column(col, justify="right" if col != "set" else "left")
    rows = [("overall", figures["overall"])] + [(k, v) for k, v in figures["per_language"].items()]
    rows += [(f"kind: {k}", v) for k, v in figures.get("per_kind", {}).items()]
    rows.append(("overall, suspicious counted", figures["flagged_overall"]))
    for name, r in rows:
        t.add_row(
            name, str(r["n"]), str(r["scam"]), str(r["benign"]), f"{r['precision']:.3f}", f"{r['recall']:.3f}",
            f"{r['f1']:.3f}", f"{r['fpr']:.3f}", str(r["fp"]), str(r["fn"]),
        )
    console.print(t)
    if figures.get("brier") is not None:
        console.print(f"Brier score (calibration, lower is better): {figures['brier']}")
    mis = figures.get("misclassified", [])
    if mis:
        m = Table(title=f"Misclassified ({len(mis)})", title_justify="left")
        for col in ("file", "label", "lang", "verdict", "score"):
            m.add_column(col)
        for r in mis:
            m.add_row(r["file"], r["label"], r["language"], str(r["verdict"]), str(r["score"]))
        console.print(m)
    for e in figures.get("errors", []):
        console.print(f"[red]error:[/] {e['file']}: {e['error']}")
