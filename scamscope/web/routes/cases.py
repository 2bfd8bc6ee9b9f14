"""Cases: one per consultation. The only pages that show callers' personal data.

Personal data travels in POST bodies only, never in a URL (so never in access logs or the
browser history); case pages are addressed by number.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from scamscope.web import audit
from scamscope.web.db import utcnow
from scamscope.web.deps import DB, Admin, CsrfForm, Staff, get_row, parse_id
from scamscope.web.errors import UserError
from scamscope.web.i18n import gettext as _
from scamscope.web.labels import STATUS_LABELS
from scamscope.web.models import CATEGORIES, CHANNELS, STATUSES, Case, CaseAdvice, Scan, User
from scamscope.web.render import render
from scamscope.web.retention import delete_cases

router = APIRouter()
MAX_NAME = 200
MAX_NOTES = 20000


def today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def case_or_404(db: Session, case_id: int) -> Case:
    case = get_row(db, Case, case_id)
    if case is None:
        raise UserError(_("There is no case #%(id)s.") % {"id": case_id}, 404)
    return case


def parse_case(form: FormData, latest: date) -> dict[str, Any]:
    """Validated case fields from a form; raises UserError with a message naming the field."""
    values = {k: str(form.get(k) or "").strip() for k in ("opened_on", "channel", "category", "caller_name", "caller_contact", "status")}
    values["notes"] = str(form.get("notes") or "").replace("\r\n", "\n").strip()
    try:
        opened = date.fromisoformat(values["opened_on"])
    except ValueError:
        raise UserError(_("Date: give the date of the consultation as YYYY-MM-DD.")) from None
    if not date(2000, 1, 1) <= opened <= latest + timedelta(days=1):
        raise UserError(_("Date: the consultation date must be between 2000-01-01 and today."))
    if values["channel"] not in CHANNELS:
        raise UserError(_("Channel: choose phone, visit, e-mail or web."))
    if values["category"] not in CATEGORIES:
        raise UserError(_("Category: choose how far the caller got (fake warning seen, called, remote access, paid)."))
    if (values["status"] or "open") not in STATUSES:
        raise UserError(_("Status: choose open or closed."))
    if len(values["caller_name"]) > MAX_NAME:
        raise UserError(_("Caller name: at most %(n)s characters.") % {"n": MAX_NAME})
    if len(values["caller_contact"]) > MAX_NAME:
        raise UserError(_("Contact: at most %(n)s characters.") % {"n": MAX_NAME})
    if len(values["notes"]) > MAX_NOTES:
        raise UserError(_("Notes: at most %(n)s characters.") % {"n": MAX_NOTES})
    return {**values, "opened_on": opened, "status": values["status"] or "open"}


def _form(request: Request, case: Case | None, values: dict[str, Any], error: str = "", status_code: int = 200) -> Response:
    return render(request, "case_form.html", {"case": case, "v": values, "error": error}, status_code)


@router.get("/cases")
def case_list(request: Request, login: Staff, db: DB, status: str = "", category: str = "") -> Response:
    query = select(Case).order_by(Case.opened_on.desc(), Case.id.desc()).limit(500)
    if status:
        if status not in STATUSES:
            raise UserError(_("Unknown status %(value)r: choose open or closed.") % {"value": status[:40]})
        query = query.where(Case.status == status)
    if category:
        if category not in CATEGORIES:
            raise UserError(_("Unknown category %(value)r.") % {"value": category[:40]})
        query = query.where(Case.category == category)
    cases = db.scalars(query).all()
    audit.record(db, login, "view", "case", None, f"case list ({len(cases)} shown)")  # the list shows callers' names
    db.commit()
    return render(request, "cases.html", {"cases": cases, "status": status, "category": category})


@router.get("/cases/new")
def new_case(request: Request, login: Staff, scan: str = "") -> Response:
    values = {"opened_on": today(request), "channel": "phone", "category": "fake_warning", "status": "open", "scan_id": scan if scan.isdigit() else ""}
    return _form(request, None, values)


@router.post("/cases")
def create_case(request: Request, form: CsrfForm, login: Staff, db: DB) -> Response:
    try:
        fields = parse_case(form, today(request))
    except UserError as exc:
        return _form(request, None, {k: form.get(k) or "" for k in form.keys()}, exc.message, 400)
    case = Case(**fields, created_by=login.user_id, created_at=utcnow(), updated_at=utcnow(), updated_by=login.user_id)
    if form.get("scan_id"):
        scan = get_row(db, Scan, _scan_id(form))
        if scan is None:
            return _form(request, None, {k: form.get(k) or "" for k in form.keys()}, _("The scan to link does not exist."), 404)
        case.scans.append(scan)
    db.add(case)
    db.flush()
    audit.record(db, login, "create", "case", case.id)
    for scan in case.scans:
        audit.record(db, login, "link", "case", case.id, f"scan #{scan.id} linked")
    db.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.get("/cases/{case_id}")
def show_case(request: Request, case_id: int, login: Staff, db: DB) -> Response:
    case = case_or_404(db, case_id)
    recent = db.scalars(select(Scan).where(Scan.status == "done").order_by(Scan.id.desc()).limit(30)).all()
    linked = {s.id for s in case.scans}
    updated_by = db.get(User, case.updated_by) if case.updated_by is not None else None
    audit.record(db, login, "view", "case", case.id)
    db.commit()
    return render(request, "case.html", {"case": case, "recent_scans": [s for s in recent if s.id not in linked], "updated_by": updated_by.name if updated_by else ""})


@router.get("/cases/{case_id}/edit")
def edit_case(request: Request, case_id: int, login: Staff, db: DB) -> Response:
    case = case_or_404(db, case_id)
    values = {k: getattr(case, k) for k in ("opened_on", "channel", "category", "caller_name", "caller_contact", "notes", "status")}
    audit.record(db, login, "view", "case", case.id, "edit form")
    db.commit()
    return _form(request, case, values)


@router.post("/cases/{case_id}")
def update_case(request: Request, case_id: int, form: CsrfForm, login: Staff, db: DB) -> Response:
    case = case_or_404(db, case_id)
    try:
        fields = parse_case(form, today(request))
    except UserError as exc:
        return _form(request, case, {k: form.get(k) or "" for k in form.keys()}, exc.message, 400)
    changed = sorted(key for key, value in fields.items() if getattr(case, key) != value)
    for key, value in fields.items():
        setattr(case, key, value)
    case.updated_at, case.updated_by = utcnow(), login.user_id
    audit.record(db, login, "update", "case", case.id, "changed: " + (", ".join(changed) or "nothing"))  # field names, never values
    db.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _scan_id(form: FormData) -> int:
    """The scan id of a form: 400 when it is not a number, 404 when no scan can have it."""
    raw = str(form.get("scan_id") or "").strip()
    if not raw.lstrip("-").isdigit():
        raise UserError(_("Choose a scan to link."))
    scan_id = parse_id(raw)
    if scan_id is None:
        raise UserError(_("There is no scan #%(id)s.") % {"id": raw[:20]}, 404)
    return scan_id


@router.post("/cases/{case_id}/scans")
def link_scan(case_id: int, form: CsrfForm, login: Staff, db: DB) -> Response:
    case = case_or_404(db, case_id)
    scan_id = _scan_id(form)
    scan = get_row(db, Scan, scan_id)
    if scan is None:
        raise UserError(_("There is no scan #%(id)s.") % {"id": scan_id}, 404)
    if scan not in case.scans:
        case.scans.append(scan)
        case.updated_at, case.updated_by = utcnow(), login.user_id
        audit.record(db, login, "link", "case", case.id, f"scan #{scan.id} linked")
    db.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{case_id}/scans/{scan_id}/remove")
def unlink_scan(case_id: int, scan_id: int, form: CsrfForm, login: Staff, db: DB) -> Response:
    case = case_or_404(db, case_id)
    if parse_id(scan_id) is None:
        raise UserError(_("There is no scan #%(id)s.") % {"id": scan_id}, 404)
    if any(s.id == scan_id for s in case.scans):
        case.scans = [s for s in case.scans if s.id != scan_id]
        case.updated_at, case.updated_by = utcnow(), login.user_id
        audit.record(db, login, "link", "case", case.id, f"scan #{scan_id} unlinked")
    db.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.get("/cases/{case_id}/advice/{advice_id}")
def case_advice(request: Request, case_id: int, advice_id: int, login: Staff, db: DB) -> Response:
    record = get_row(db, CaseAdvice, advice_id)
    if record is None or record.case_id != case_id:
        raise UserError(_("Case #%(case)s has no advice #%(advice)s.") % {"case": case_id, "advice": advice_id}, 404)
    audit.record(db, login, "view", "case", case_id, f"advice #{advice_id}")
    db.commit()
    from scamscope.web.routes.advice import answer_rows

    return render(
        request,
        "advice_result.html",
        {"lang": record.lang, "advice": record.advice, "rows": answer_rows(record.answers, record.lang), "record": record, "query": "", "open_cases": [], "case_id": case_id},
    )


# --- deletion (administrators) -------------------------------------------------------------------


@router.get("/cases/{case_id}/delete")
def confirm_delete_case(request: Request, case_id: int, login: Admin, db: DB) -> Response:
    case = case_or_404(db, case_id)
    what = _("case #%(id)s (%(date)s, %(status)s)") % {"id": case.id, "date": case.opened_on.isoformat(), "status": STATUS_LABELS.get_or_key(case.status)}
    consequences = [
        _("%(num)d advice record(s) are deleted with it.") % {"num": len(case.advice)},
        _("Its %(num)d linked scan(s) stay, unlinked.") % {"num": len(case.scans)},
    ]
    return render(request, "confirm_delete.html", {"what": what, "consequences": consequences, "action": f"/cases/{case.id}/delete", "back": f"/cases/{case.id}"})


@router.post("/cases/{case_id}/delete")
def delete_case(case_id: int, form: CsrfForm, login: Admin, db: DB) -> Response:
    case = case_or_404(db, case_id)
    detail = f"{len(case.advice)} advice record(s); scans unlinked: {', '.join(f'#{s.id}' for s in case.scans) or 'none'}"
    delete_cases(db, [case.id])
    audit.record(db, login, "delete", "case", case_id, detail[:500])
    db.commit()
    return RedirectResponse("/cases", status_code=303)
