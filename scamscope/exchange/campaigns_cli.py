"""``scamscope campaigns`` and ``scamscope draft``: group scans into campaigns, draft reports.

Both read scans with :mod:`scamscope.exchange.sources` (``scan --json`` output or the desk's
database URL). Exit status: 0 done, 1 (draft) the value is not on a scam/suspicious record,
2 bad input or a source that cannot be read. Errors are one line, never a traceback
(``SCAMSCOPE_DEBUG=1`` shows it).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

EXIT_NOT_FOUND = 1
EXIT_ERROR = 2


def _fail(command: str, message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"scamscope {command}: {' '.join(message.split())[:400]}", err=True)
    raise typer.Exit(code)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {value!r} is not a date (YYYY-MM-DD or an ISO 8601 time)") from None
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _load(command: str, source: str):  # type: ignore[no-untyped-def]
    from scamscope.exchange.sources import SourceError, load

    try:
        return load(source)
    except SourceError as exc:
        _fail(command, str(exc))
    except Exception as exc:  # never a traceback for a bad source
        if os.environ.get("SCAMSCOPE_DEBUG"):
            raise
        _fail(command, f"cannot read {source}: {type(exc).__name__}: {str(exc)[:200]}")


def campaigns_command(
    source: Annotated[str, typer.Argument(help="Scans: JSON Lines from 'scamscope scan --json', or the desk's database URL.")],
    since: Annotated[str | None, typer.Option("--since", help="Only scans at or after this date/time (UTC), e.g. 2026-01-31.")] = None,
    min_verdict: Annotated[str, typer.Option("--min-verdict", help="scam (default) or suspicious: the least verdict a scan needs to be grouped.")] = "scam",
    all_: Annotated[bool, typer.Option("--all", help="Also list campaigns of a single scan.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON document: campaigns with members, phones, domains and the keys that link them.")] = False,
) -> None:
    """Group scam pages into campaigns by shared phone numbers, domains, hosting tenants and kit fingerprints.

    Each campaign lists its scans, first and last seen, the phone numbers and domains with their
    own first/last seen, and the keys that linked the scans (why they are one campaign).
    """
    from scamscope.exchange.campaigns import build_campaigns, campaigns_document

    if min_verdict not in ("scam", "suspicious"):
        _fail("campaigns", f"--min-verdict must be scam or suspicious, not {min_verdict!r}")
    try:
        since_t = _since(since)
    except ValueError as exc:
        _fail("campaigns", str(exc))
    loaded = _load("campaigns", source)
    try:
        campaigns = build_campaigns(loaded.records, since=since_t, min_verdict=min_verdict, include_singletons=all_)
    except Exception as exc:  # never a traceback for the user
        if os.environ.get("SCAMSCOPE_DEBUG"):
            raise
        _fail("campaigns", f"grouping failed: {type(exc).__name__}: {str(exc)[:200]}")
    selected = sum(1 for r in loaded.records if r.at_least(min_verdict) and (since_t is None or r.scanned_at >= since_t))
    doc = campaigns_document(campaigns, source=source, records=len(loaded.records), selected=selected, problems=loaded.problems, min_verdict=min_verdict, since=since_t)
    if json_out:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    _render(doc)


def _render(doc: dict) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    console.print(
        f"{doc['campaign_count']} campaign(s) among {doc['selected']} {escape(doc['min_verdict'])}"
        f"{' or worse' if doc['min_verdict'] == 'suspicious' else ''} scan(s) of {doc['records']} in {escape(doc['source'])}"
        + (f" since {doc['since']}" if doc["since"] else "")
    )
    if doc["problem_count"]:
        console.print(f"[yellow]{doc['problem_count']} line(s) skipped[/] (first: {escape(doc['problems'][0])})")
    for c in doc["campaigns"]:
        console.print()
        console.print(f"[bold]{c['id']}[/]  {c['size']} scan(s)  {c['first_seen']} .. {c['last_seen']}")
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("scanned at", "verdict", "score", "URL / input"):
            table.add_column(col, overflow="fold")
        for m in c["members"]:
            table.add_row(m["scanned_at"], escape(str(m["verdict"])), "" if m["score"] is None else f"{m['score']:.2f}", escape(m["url"] or m["input"]))
        console.print(table)
        for p in c["phones"]:
            console.print(f"  phone  {escape(p['e164'])}  ({p['scans']} scan(s), {p['first_seen']} .. {p['last_seen']})  {escape(p['explanation'][:100])}")
        for d in c["domains"]:
            where = f" on {escape(d['hosting'])}" if d["hosting"] else ""
            console.print(f"  domain {escape(d['domain'])}{where}  ({d['scans']} scan(s), {d['first_seen']} .. {d['last_seen']})")
        for link in c["links"]:
            console.print(f"  linked by {escape(link['kind'])}: {escape(link['value'][:120])}  ({len(link['scans'])} scans)")


def draft_command(
    what: Annotated[str, typer.Argument(help="domain (a domain, host or URL) or phone (a number as shown, or E.164).")],
    value: Annotated[str, typer.Argument(help="The domain/URL or phone number to report.")],
    source: Annotated[str, typer.Argument(help="Scans: JSON Lines from 'scamscope scan --json', or the desk's database URL.")],
    lang: Annotated[str, typer.Option("--lang", help="ja, en or both (Japanese first).")] = "both",
    out: Annotated[Path | None, typer.Option("--out", help="Write the draft (Markdown) to this file instead of standard output.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Draft even though pages judged benign show the value too (after checking it is not a real company's).")] = False,
) -> None:
    """Draft an abuse report (domain: to the registrar or hosting provider) or a number report
    (phone: to the carrier or the police), from what the scans recorded. scamscope only drafts:
    review the text and send it yourself.

    Exit status: 0 draft written, 1 the value is not on any scam/suspicious scan, 2 bad input.
    """
    from scamscope.exchange.drafts import NotFound, make_draft

    if what not in ("domain", "phone"):
        _fail("draft", f"first argument must be domain or phone, not {what!r}")
    if lang not in ("ja", "en", "both"):
        _fail("draft", f"--lang must be ja, en or both, not {lang!r}")
    loaded = _load("draft", source)
    try:
        text = make_draft(loaded.records, what, value, lang=lang, source=Path(source).name if "://" not in source else source.split("://", 1)[0] + " database", force=force)
    except NotFound as exc:
        _fail("draft", str(exc), EXIT_NOT_FOUND)
    except Exception as exc:  # never a traceback for the user
        if os.environ.get("SCAMSCOPE_DEBUG"):
            raise
        _fail("draft", f"drafting failed: {type(exc).__name__}: {str(exc)[:200]}")
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail("draft", f"cannot write {out}: {exc.strerror or exc}")
    typer.echo(f"scamscope draft: written to {out}", err=True)
