"""Trends: consultations per month by category (like figures 1 and 2 of IPA's desk article), scans
per month by verdict, and this month's most-seen phone numbers and domains."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from scamscope.web import labels
from scamscope.web.deps import DB, Staff
from scamscope.web.errors import UserError
from scamscope.web.i18n import gettext as _
from scamscope.web.models import CATEGORIES, VERDICTS
from scamscope.web.render import render
from scamscope.web.routes.cases import today
from scamscope.web.trends import bar_chart, case_counts, local_month_start_utc, scan_counts, top_indicators

router = APIRouter()
VERDICT_COLOURS = {"scam": "#c0392b", "suspicious": "#f2b134", "benign": "#7f8c8d"}


@router.get("/trends")
def trends(request: Request, login: Staff, db: DB, months: int = 12) -> Response:
    if not 1 <= months <= 60:
        raise UserError(_("Months: from 1 to 60."))
    tz = request.app.state.settings.timezone
    now = today(request)
    cases = case_counts(db, now, months)
    scans = scan_counts(db, now, tz, months)
    case_series = [(c, labels.CATEGORY_SHORT[c], labels.CATEGORY_COLOURS[c]) for c in CATEGORIES]
    scan_series = [(v, labels.VERDICT_LABELS[v], VERDICT_COLOURS[v]) for v in VERDICTS]
    since = local_month_start_utc(now, tz)
    return render(
        request,
        "trends.html",
        {
            "months": months,
            "month_now": f"{now.year:04d}-{now.month:02d}",
            "cases": cases,
            "case_chart": bar_chart(cases, case_series, _("Consultations per month by category")),
            "scan_chart": bar_chart(scans, scan_series, _("Scans per month by verdict")),
            "categories": CATEGORIES,
            "top_phones": top_indicators(db, "phone", since),
            "top_domains": top_indicators(db, "domain", since),
        },
    )
