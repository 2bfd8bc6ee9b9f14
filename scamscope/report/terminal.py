"""Readable terminal output (rich) for scan results and phone explanations."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scamscope.types import Phone, ScanResult

VERDICT_STYLE = {"scam": "bold white on red", "suspicious": "bold black on yellow", "benign": "bold white on green"}
MAX_EVIDENCE_ROWS = 25


def _clip(s: str, n: int = 100) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def phone_table(phones: Sequence[Phone], title: str = "Phone numbers") -> Table:
    t = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for col in ("number", "E.164", "region", "type", "flags", "why"):
        t.add_column(col, overflow="fold")
    for p in phones:
        t.add_row(p.raw, p.e164 or "-", p.region or "-", p.type, ", ".join(p.flags) or "-", _clip(p.explanation, 140))
    return t


def render_result(console: Console, r: ScanResult) -> None:
    if r.error:
        console.print(Text(f"{r.input}: ", style="bold") + Text(f"error: {r.error}", style="red"))
        return
    head = Text(f"{r.input}  ", style="bold")
    head.append(f" {str(r.verdict).upper()} ", style=VERDICT_STYLE.get(str(r.verdict), "bold"))
    head.append(f"  score {r.score:.2f}  language {r.language}  kind {r.kind}")
    if r.url:
        head.append(f"  url {r.url}")
    console.print(head)
    for note in r.notes:
        console.print(Text(f"  note: {note}", style="yellow"))
    live = r.extra.get("live")
    if live:
        hops = " -> ".join(h["url"] for h in live.get("redirects", [])) or "-"
        console.print(f"  live: {live.get('seconds', 0):.1f} s, final URL {live.get('final_url') or '-'}; redirects: {_clip(hops, 200)}")
        facts = [f"{len(live[k])} {k.replace('_', ' ')}" for k in ("dialogs", "popups", "downloads", "blocked_requests") if live.get(k)]
        if live.get("timed_out"):
            facts.append("page overran its budget (browser killed)")
        if facts:
            console.print("  live: " + ", ".join(facts))
    if r.evidence:
        t = Table(title="Evidence", title_justify="left")
        t.add_column("signal")
        t.add_column("weight", justify="right")
        t.add_column("detail", overflow="fold")
        t.add_column("excerpt", overflow="fold")
        for e in r.evidence[:MAX_EVIDENCE_ROWS]:
            style = "red" if e.weight > 0.05 else ("green" if e.weight < -0.05 else "")
            t.add_row(e.signal, Text(f"{e.weight:+.2f}", style=style), _clip(e.detail, 90), _clip(e.excerpt, 90))
        if len(r.evidence) > MAX_EVIDENCE_ROWS:
            t.add_row("…", "", f"{len(r.evidence) - MAX_EVIDENCE_ROWS} more (see --json)", "")
        console.print(t)
    if r.phones:
        console.print(phone_table(r.phones))
    if r.brands:
        t = Table(title="Brands named", title_justify="left")
        for col in ("brand", "where", "domain", "brand's own domain?"):
            t.add_column(col)
        for b in r.brands:
            own = "unknown (no URL)" if b.official is None else ("yes" if b.official else "NO")
            t.add_row(b.brand, b.where, b.domain or "-", own)
        console.print(t)
    console.print()
