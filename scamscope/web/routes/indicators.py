"""Indicators: phone numbers and domains from all scans; search, detail, CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from scamscope.web import audit
from scamscope.web.deps import DB, Admin, Staff, get_row
from scamscope.web.errors import UserError
from scamscope.web.i18n import gettext as _
from scamscope.web.models import INDICATOR_KINDS, CaseScan, Indicator, Scan, Sighting
from scamscope.web.render import render

router = APIRouter()
PAGE = 200
MAX_QUERY = 200
_PHONE_LIKE = re.compile(r"^[+\d][\d\s().-]*$")


def _search(kind: str, q: str) -> Select[Any]:
    if kind and kind not in INDICATOR_KINDS:
        raise UserError(_("Kind: choose phone or domain."))
    if len(q) > MAX_QUERY:
        raise UserError(_("The search text is longer than %(n)s characters.") % {"n": MAX_QUERY})
    query = select(Indicator).order_by(Indicator.last_seen.desc(), Indicator.id.desc())
    if kind:
        query = query.where(Indicator.kind == kind)
    q = q.strip().lower()
    if q:
        digits = re.sub(r"\D", "", q).lstrip("0") if _PHONE_LIKE.match(q) else ""
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds = [Indicator.value.like(like, escape="\\")]
        if len(digits) >= 3:  # "03-1234-5678" and "+81 3 1234" find +81312345678
            conds.append(Indicator.value.like("%" + digits + "%"))
        query = query.where(or_(*conds))
    return query


def _details(db: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per indicator: scans that judged it scam/suspicious, and linked case numbers."""
    out: dict[int, dict[str, Any]] = defaultdict(lambda: {"flagged": 0, "cases": []})
    if not ids:
        return out
    flagged = select(Sighting.indicator_id, func.count()).join(Scan, Scan.id == Sighting.scan_id)
    flagged = flagged.where(Sighting.indicator_id.in_(ids), Scan.verdict.in_(("scam", "suspicious"))).group_by(Sighting.indicator_id)
    for ind_id, n in db.execute(flagged):
        out[ind_id]["flagged"] = n
    cases = select(Sighting.indicator_id, CaseScan.case_id).join(CaseScan, CaseScan.scan_id == Sighting.scan_id)
    for ind_id, case_id in db.execute(cases.where(Sighting.indicator_id.in_(ids)).distinct().order_by(CaseScan.case_id)):
        out[ind_id]["cases"].append(case_id)
    return out


@router.get("/indicators")
def indicator_list(request: Request, login: Staff, db: DB, q: str = "", kind: str = "") -> Response:
    rows = db.scalars(_search(kind, q).limit(PAGE)).all()
    total = db.scalar(select(func.count()).select_from(_search(kind, q).subquery())) or 0
    return render(request, "indicators.html", {"rows": rows, "details": _details(db, [r.id for r in rows]), "q": q, "kind": kind, "total": total, "page": PAGE})


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula; E.164 numbers ('+81...') stay as they are."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not text[1:].isdigit()):
        return "'" + text
    return text


@router.get("/indicators.csv")
def indicator_csv(login: Admin, db: DB, q: str = "", kind: str = "") -> Response:
    """All matching indicators with their case numbers: admins only, and audited."""
    rows = db.scalars(_search(kind, q)).all()
    details = _details(db, [r.id for r in rows])
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["kind", "value", "region", "flags", "first_seen_utc", "last_seen_utc", "scans", "scam_or_suspicious_scans", "cases"])
    for r in rows:
        d = details[r.id]
        out.writerow([_cell(x) for x in (r.kind, r.value, r.region or "", " ".join(r.flags or []), r.first_seen.isoformat(timespec="seconds"), r.last_seen.isoformat(timespec="seconds"), r.count, d["flagged"], " ".join(map(str, d["cases"])))])
    audit.record(db, login, "export", "indicators", None, f"CSV of {len(rows)} indicator(s); kind {kind or 'any'}{', searched' if q.strip() else ''}")  # not the search text: it may be a caller's number
    db.commit()
    # UTF-8 with BOM: Excel in Japan opens it without mojibake
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="scamscope-indicators.csv"'})


@router.get("/indicators/{indicator_id}")
def indicator_page(request: Request, indicator_id: int, login: Staff, db: DB) -> Response:
    ind = get_row(db, Indicator, indicator_id)
    if ind is None:
        raise UserError(_("There is no indicator #%(id)s.") % {"id": indicator_id}, 404)
    scans = db.scalars(select(Scan).join(Sighting, Sighting.scan_id == Scan.id).where(Sighting.indicator_id == ind.id).order_by(Scan.id.desc()).limit(500)).all()
    return render(request, "indicator.html", {"ind": ind, "scans": scans, "details": _details(db, [ind.id])[ind.id]})
