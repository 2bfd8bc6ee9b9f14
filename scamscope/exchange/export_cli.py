"""``scamscope export``: share the indicators of scam pages as STIX 2.1, MISP event JSON or CSV."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from scamscope.exchange.sources import ScanRecord

EXIT_ERROR = 2
FORMATS = ("stix2", "misp", "csv")
VERDICTS = ("scam", "suspicious")
TLPS = ("clear", "green", "amber")


class UsageError(Exception):
    pass


def parse_since(value: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 date and time (UTC when no offset), as naive UTC."""
    text = value.strip()
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {value!r}: expected YYYY-MM-DD or an ISO 8601 date and time, e.g. 2026-11-01T09:00:00+09:00") from None
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def in_campaign(records: list[ScanRecord], campaign: str, *, since: datetime | None, min_verdict: str) -> list[ScanRecord]:
    """The members of ``campaign`` (an id from ``scamscope campaigns``), plus every benign record
    (they keep real companies' numbers and domains out of the export); UsageError when no such campaign."""
    from scamscope.exchange.campaigns import build_campaigns

    found = next((c for c in build_campaigns(records, since=since, min_verdict=min_verdict, include_singletons=True) if c.id == campaign), None)
    if found is None:
        raise UsageError(f"--campaign {campaign}: no such campaign in the source (with these --since/--min-verdict); list them with scamscope campaigns --all")
    members = {id(r) for r in found.members}
    for r in found.members:  # the campaign is the kit family as far as the scans know it (MISP tag, STIX description)
        if not isinstance(r.fingerprints.get("family"), str):
            r.fingerprints = {**r.fingerprints, "family": f"scamscope campaign {found.id}"}
    return [r for r in records if id(r) in members or r.verdict == "benign"]


def export_text(source: str, *, fmt: str, since: datetime | None, min_verdict: str, tlp: str, campaign: str | None = None) -> tuple[bytes, list[str]]:
    """The export of ``source`` as bytes, and notes for standard error.

    Raises :class:`scamscope.exchange.sources.SourceError` when the source cannot be read,
    :class:`scamscope.exchange.stix.InvalidBundle` when a STIX bundle does not validate and
    :class:`UsageError` for a campaign that is not in the source."""
    from scamscope.exchange.indicators import extract
    from scamscope.exchange.sources import load

    loaded = load(source)
    notes: list[str] = []
    if loaded.problems:
        notes.append(f"{len(loaded.problems)} record{'s' if len(loaded.problems) != 1 else ''} of the source skipped (first: {loaded.problems[0]})")
    records = loaded.records if campaign is None else in_campaign(loaded.records, campaign, since=since, min_verdict=min_verdict)
    extraction = extract(records, since=since, min_verdict=min_verdict)
    if fmt == "stix2":
        from scamscope.exchange import stix

        text = stix.render(extraction, tlp=tlp)
    elif fmt == "misp":
        from scamscope.exchange import misp

        text = misp.render(extraction, tlp=tlp)
    else:
        from scamscope.exchange import csvout

        text = csvout.render(extraction)
    level = "scam" if min_verdict == "scam" else "scam or suspicious"
    if not extraction.indicators:
        notes.append(f"no indicators: {len(loaded.records)} scans read, {len(extraction.scans)} {level}" + (f" since {since:%Y-%m-%d %H:%M} UTC" if since else "") + "; the export is empty")
    else:
        withheld = sum(extraction.withheld.values())
        detail = ", ".join(f"{n} {why}" for why, n in sorted(extraction.withheld.items(), key=lambda kv: (-kv[1], kv[0])))
        notes.append(f"{len(extraction.indicators)} indicators from {len(extraction.scans)} {level} scans of {len(loaded.records)}" + (f"; {withheld} values withheld ({detail})" if withheld else ""))
    return text.encode("utf-8"), notes


def _write(data: bytes, out: str) -> None:
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".export-", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_command(
    source: Annotated[str, typer.Argument(help="Scan JSON Lines (from 'scamscope scan --json') or the desk's database URL (sqlite:///desk.sqlite3, postgresql+psycopg://…).", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="stix2 (STIX 2.1 bundle), misp (MISP event JSON) or csv (UTF-8 with BOM, for Excel).")] = "stix2",
    since: Annotated[str | None, typer.Option("--since", help="Only scans at or after this date (YYYY-MM-DD, UTC) or ISO 8601 date and time.")] = None,
    min_verdict: Annotated[str, typer.Option("--min-verdict", help="scam: only pages judged scam; suspicious: also suspicious ones.")] = "scam",
    tlp: Annotated[str, typer.Option("--tlp", help="Traffic Light Protocol 2.0 marking: clear, green or amber (STIX and MISP).")] = "amber",
    out: Annotated[str, typer.Option("--out", "-o", help="Write to this file ('-': standard output).")] = "-",
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only the scans of this campaign (an id from 'scamscope campaigns').")] = None,
) -> None:
    """Export what scam pages showed (URLs, domain names, phone numbers, IP addresses, downloads) as STIX 2.1, MISP or CSV.

    Only pages judged scam (or, with --min-verdict suspicious, suspicious) contribute. Numbers and domains seen on any benign page of the same source, brands' own domains, hosting platforms as a whole and private addresses are never exported.
    """
    from scamscope.exchange.sources import SourceError
    from scamscope.exchange.stix import InvalidBundle

    def fail(message: str) -> NoReturn:
        typer.echo(f"scamscope export: {message}", err=True)
        raise typer.Exit(EXIT_ERROR)

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if min_verdict not in VERDICTS:
        fail(f"--min-verdict must be scam or suspicious, not {min_verdict!r}")
    if tlp not in TLPS:
        fail(f"--tlp must be one of {', '.join(TLPS)}, not {tlp!r}")
    try:
        since_at = parse_since(since) if since is not None else None
    except UsageError as exc:
        fail(str(exc))
    if out != "-" and Path(out).is_dir():
        fail(f"--out {out}: is a directory")
    try:
        data, notes = export_text(source, fmt=fmt, since=since_at, min_verdict=min_verdict, tlp=tlp, campaign=campaign)
    except UsageError as exc:
        fail(str(exc))
    except SourceError as exc:
        fail(str(exc).splitlines()[0] if str(exc) else "cannot read the source")
    except InvalidBundle as exc:
        fail(f"the STIX bundle does not validate, nothing written: {str(exc).splitlines()[0]}")
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback, for whatever the source holds
        fail(f"cannot export: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    try:
        _write(data, out)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    for note in notes:
        typer.echo(f"scamscope export: {note}", err=True)
