"""Sharing from the desk: campaigns (list, detail with a timeline), exports for admins (STIX 2.1,
MISP, CSV; audited) and report drafts (abuse report for a domain, number report for a phone).

The work is done by :mod:`scamscope.exchange` on the desk's own scans (:func:`records_from_session`),
exactly as ``scamscope campaigns`` / ``export`` / ``draft`` do on the desk's database URL.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from scamscope.exchange.campaigns import Campaign, build_campaigns
from scamscope.exchange.sources import ScanRecord, records_from_session
from scamscope.web import audit
from scamscope.web.deps import DB, Admin, Staff
from scamscope.web.errors import UserError
from scamscope.web.i18n import gettext as _
from scamscope.web.render import render

router = APIRouter()
FORMATS = {"stix2": ("application/json", "json"), "misp": ("application/json", "json"), "csv": ("text/csv; charset=utf-8", "csv")}
MAX_VALUE = 300
TIMELINE_DAYS = 120  # the chart shows at most this many days (the latest)


def _verdict(raw: str) -> str:
    if raw not in ("scam", "suspicious"):
        raise UserError(_("Unknown verdict level."), 400)
    return raw


def _campaigns(db: Any, min_verdict: str) -> tuple[list[ScanRecord], list[Campaign]]:
    records = records_from_session(db)
    return records, build_campaigns(records, min_verdict=min_verdict)


def timeline(campaign: Campaign) -> Markup:
    """Scans per day (UTC) from the first to the last (at most :data:`TIMELINE_DAYS`), by verdict, as
    the trends page's inline SVG bar chart."""
    from scamscope.web import labels
    from scamscope.web.routes.trends import VERDICT_COLOURS
    from scamscope.web.trends import bar_chart

    days: dict[date, Counter[str]] = {}
    for r in campaign.members:
        days.setdefault(r.scanned_at.date(), Counter())[r.verdict or ""] += 1
    first, last = min(days), max(days)
    first = max(first, last - timedelta(days=TIMELINE_DAYS - 1))
    data = [((first + timedelta(days=i)).isoformat(), dict(days.get(first + timedelta(days=i), Counter()))) for i in range((last - first).days + 1)]
    series = [(v, labels.VERDICT_LABELS[v], VERDICT_COLOURS[v]) for v in ("scam", "suspicious")]
    return bar_chart(data, series, _("Scans per day"))


@router.get("/campaigns")
def campaign_list(request: Request, login: Staff, db: DB, min_verdict: str = "scam") -> Response:
    records, campaigns = _campaigns(db, _verdict(min_verdict))
    chosen = sum(1 for r in records if r.at_least(min_verdict))
    return render(request, "campaigns.html", {"campaigns": [c.to_dict() for c in campaigns], "records": len(records), "chosen": chosen, "min_verdict": min_verdict})


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: str, login: Staff, db: DB, min_verdict: str = "scam") -> Response:
    _records, campaigns = _campaigns(db, _verdict(min_verdict))
    found = next((c for c in campaigns if c.id == campaign_id), None)
    if found is None:
        raise UserError(_("There is no such campaign (the campaigns are computed from the current scans)."), 404)
    return render(request, "campaign.html", {"c": found.to_dict(), "timeline": timeline(found), "min_verdict": min_verdict})


@router.get("/export")
def export(login: Admin, db: DB, format: str = "stix2", min_verdict: str = "scam", tlp: str = "amber", since: str = "", campaign: str = "") -> Response:  # noqa: A002 - the query parameter's name
    """An export of the desk's indicators (admins only, recorded in the audit log)."""
    from scamscope.exchange import csvout, misp, stix
    from scamscope.exchange.export_cli import TLPS, UsageError, in_campaign, parse_since
    from scamscope.exchange.indicators import extract

    if format not in FORMATS:
        raise UserError(_("Unknown export format."), 400)
    if tlp not in TLPS:
        raise UserError(_("Unknown TLP level."), 400)
    _verdict(min_verdict)
    try:
        since_at: datetime | None = parse_since(since) if since.strip() else None
    except UsageError:
        raise UserError(_("The date is not valid: use YYYY-MM-DD."), 400) from None
    records = records_from_session(db)
    if campaign.strip():
        try:
            records = in_campaign(records, campaign.strip(), since=since_at, min_verdict=min_verdict)
        except UsageError:
            raise UserError(_("There is no such campaign (the campaigns are computed from the current scans)."), 404) from None
    extraction = extract(records, since=since_at, min_verdict=min_verdict)
    if format == "stix2":
        try:
            text = stix.render(extraction, tlp=tlp)
        except stix.InvalidBundle as exc:
            raise UserError(_("The STIX bundle did not validate; nothing was exported.") + f" ({str(exc)[:200]})", 500) from None
    elif format == "misp":
        text = misp.render(extraction, tlp=tlp)
    else:
        text = csvout.render(extraction)
    scope = f"campaign {campaign.strip()}" if campaign.strip() else "all scans"
    audit.record(db, login, "export", "indicators", None, f"{format} of {len(extraction.indicators)} indicator(s), {scope}, {min_verdict}, TLP {tlp}" + (f", since {since_at:%Y-%m-%d}" if since_at else ""))
    db.commit()
    media, ext = FORMATS[format]
    name = f"scamscope-{campaign.strip() or 'indicators'}-{format}.{ext}"
    return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/drafts")
def draft(request: Request, login: Staff, db: DB, kind: str = "", value: str = "", lang: str = "both", force: str = "") -> Response:
    """A report draft to copy: the desk never sends anything."""
    from scamscope.exchange.drafts import NotFound, make_draft

    text = error = ""
    value = value.strip()[:MAX_VALUE]
    if kind not in ("", "domain", "phone") or lang not in ("ja", "en", "both"):
        raise UserError(_("Unknown draft kind or language."), 400)
    if kind and value:
        try:
            text = make_draft(records_from_session(db), kind, value, lang=lang, source="desk", force=force == "1")
        except NotFound as exc:
            error = str(exc)
    return render(request, "draft.html", {"kind": kind, "value": value, "lang": lang, "text": text, "error": error, "force": force == "1"})
