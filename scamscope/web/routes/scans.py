"""Scans: submit a URL, a saved page or a screenshot; follow the background job; see the result."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer
from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse, RedirectResponse, Response

from scamscope.acquire import sniff_binary
from scamscope.containers import container_kind
from scamscope.netguard import PRIVATE_HINT, RefusedURL, check_url
from scamscope.web import audit
from scamscope.web.db import utcnow
from scamscope.web.deps import DB, Admin, CsrfForm, Staff, get_row, parse_id
from scamscope.web.errors import UserError, wants_json
from scamscope.web.i18n import gettext as _
from scamscope.web.i18n import ngettext
from scamscope.web.jobs import image_type
from scamscope.web.labels import SCAN_KIND_LABELS, SCAN_STATUS_LABELS, VERDICT_LABELS, scan_error_label, stage_label
from scamscope.web.models import SCAN_STATES, VERDICTS, Case, Scan
from scamscope.web.render import render
from scamscope.web.retention import delete_scans
from scamscope.web.scan_limits import SubmissionRefused
from scamscope.web.summary import summarise

router = APIRouter()
MAX_URL = 2048


class ScanInputError(Exception):
    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def _case_or_none(db: Session, raw: object) -> Case | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.lstrip("-").isdigit():
        raise UserError(_("The case number must be a number."))
    case = get_row(db, Case, parse_id(text))
    if case is None:
        raise UserError(_("There is no case #%(id)s.") % {"id": text[:20]}, 404)
    return case


def _form_page(request: Request, db: Session, case: Case | None, error: str = "", values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(
        request,
        "scan_new.html",
        {"case": case, "error": error, "values": values or {}, "max_mb": request.app.state.settings.max_upload_bytes / (1024 * 1024)},
        status_code,
    )


@router.get("/scans/new")
def new_scan(request: Request, login: Staff, db: DB, case: str = "") -> Response:
    return _form_page(request, db, _case_or_none(db, case))


def _upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or (value.size or 0) > 0):
        return value
    return None


def _read(upload: UploadFile, limit: int) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise ScanInputError(_("The file is too large: files up to %(mb)s MB can be scanned.") % {"mb": f"{limit / (1024 * 1024):g}"}, 413)
    if not data:
        raise ScanInputError(_("The file is empty."))
    return data


def _check_page_url(raw: str) -> str:
    """Where an uploaded page came from (for brand-vs-domain checks): never fetched, only parsed."""
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and len(raw) <= MAX_URL
    except ValueError:
        ok = False
    if not ok:
        raise ScanInputError(_("The page address must be an http:// or https:// URL with a host name (or left empty)."))
    return raw


def _build_scan(request: Request, form: FormData) -> Scan:
    settings = request.app.state.settings
    url = str(form.get("url") or "").strip()
    page, shot = _upload(form, "page_file"), _upload(form, "screenshot")
    given = [x for x in (url, page, shot) if x]
    if not given:
        raise ScanInputError(_("Give a URL, a saved page (HTML file) or a screenshot to scan."))
    if len(given) > 1:
        raise ScanInputError(_("Give only one thing to scan at a time: a URL, a page file or a screenshot."))
    if url:
        if len(url) > MAX_URL:
            raise ScanInputError(_("The URL is longer than %(n)s characters.") % {"n": MAX_URL})
        try:
            checked = check_url(url, allow_private=settings.allow_private_urls)
        except RefusedURL as exc:
            raise ScanInputError(_("This URL cannot be scanned: %(why)s.") % {"why": str(exc).replace(PRIVATE_HINT, "")}) from None
        return Scan(kind="url", target=checked.url)
    page_url = _check_page_url(str(form.get("page_url") or "").strip())
    if shot is not None:
        data = _read(shot, settings.max_upload_bytes)
        if image_type(data) is None:
            what = sniff_binary(data[:64])
            if what:
                message = _("The screenshot must be a PNG, JPEG or WebP image; this file is %(what)s. Saved pages go in the page file field.") % {"what": what}
            else:
                message = _("The screenshot must be a PNG, JPEG or WebP image; this file is text, not an image. Saved pages go in the page file field.")
            raise ScanInputError(message)
        kind = "screenshot"
    else:
        assert page is not None
        data = _read(page, settings.max_upload_bytes)
        binary = sniff_binary(data[:64])
        if image_type(data):
            kind = "screenshot"  # a screenshot given as a page: scan it as one
        elif binary and not container_kind(data, getattr(page, "filename", "") or ""):  # a .gz/.zip/.msg of a page is opened
            raise ScanInputError(_("This file is %(what)s, not a web page: upload a saved page (HTML), a script or a text file.") % {"what": binary})
        else:
            kind = "html"
    return Scan(kind=kind, target=page_url, sha256=hashlib.sha256(data).hexdigest(), size=len(data), input_data=data)


def _refused(request: Request, db: Session, case: Case | None, exc: SubmissionRefused) -> Response:
    """429 or 503 with Retry-After: a JSON error for JSON clients, else the form with the message."""
    headers = {"Retry-After": str(exc.retry_after_s)}
    if wants_json(request):
        return JSONResponse({"error": exc.message, "retry_after_s": exc.retry_after_s}, status_code=exc.status_code, headers=headers)
    response = _form_page(request, db, case, exc.message, None, exc.status_code)
    response.headers.update(headers)
    return response


@router.post("/scans")
def submit_scan(request: Request, form: CsrfForm, login: Staff, db: DB) -> Response:
    case = _case_or_none(db, form.get("case_id"))
    try:
        scan = _build_scan(request, form)
    except ScanInputError as exc:
        values = {"url": str(form.get("url") or "")[:MAX_URL], "page_url": str(form.get("page_url") or "")[:MAX_URL]}
        return _form_page(request, db, case, exc.message, values, exc.status_code)
    try:
        with request.app.state.scan_gate.admit(db, login.user_id):  # queue cap and this user's rate
            scan.created_by = login.user_id
            scan.created_at = utcnow()
            scan.status, scan.stage = "queued", "waiting for a free scan worker"
            db.add(scan)
            if case is not None:
                case.scans.append(scan)
                case.updated_at, case.updated_by = utcnow(), login.user_id
            db.flush()
            audit.record(db, login, "create", "scan", scan.id, scan.kind)
            if case is not None:
                audit.record(db, login, "link", "case", case.id, f"scan #{scan.id} linked")
            db.commit()
    except SubmissionRefused as exc:
        return _refused(request, db, case, exc)
    request.app.state.runner.submit(scan.id)
    return RedirectResponse(f"/scans/{scan.id}", status_code=303)


def _scan_or_404(db: Session, scan_id: int, *options: Any) -> Scan:
    row_id = parse_id(scan_id)
    scan = None if row_id is None else db.get(Scan, row_id, options=list(options))
    if scan is None:
        raise UserError(_("There is no scan #%(id)s.") % {"id": scan_id}, 404)
    return scan


def _status(db: Session, scan: Scan) -> dict[str, Any]:
    ahead = 0
    if scan.status == "queued":
        ahead = db.scalar(select(func.count()).select_from(Scan).where(Scan.status == "queued", Scan.id < scan.id)) or 0
    since = scan.started_at or scan.created_at
    end = scan.finished_at or utcnow()
    return {
        "id": scan.id,
        "status": scan.status,
        "stage": scan.stage,
        "status_label": SCAN_STATUS_LABELS.get_or_key(scan.status),
        "stage_label": stage_label(scan.stage),
        "ahead": ahead,
        "ahead_label": ngettext("· %(num)d scan ahead", "· %(num)d scans ahead", ahead) % {"num": ahead} if ahead else "",
        "elapsed_s": round((end - since).total_seconds(), 1),
        "done": scan.status in ("done", "error"),
        "verdict": scan.verdict,
        "score": None if scan.score is None else round(scan.score, 4),
        "error": scan.error,
        "result_url": f"/scans/{scan.id}",
    }


@router.get("/scans/{scan_id}/status.json")
def scan_status(scan_id: int, login: Staff, db: DB) -> Response:
    return JSONResponse(_status(db, _scan_or_404(db, scan_id)))


@router.get("/scans/{scan_id}")
def scan_page(request: Request, scan_id: int, login: Staff, db: DB) -> Response:
    scan = _scan_or_404(db, scan_id, undefer(Scan.result), undefer(Scan.ocr_text))
    if scan.status in ("queued", "running"):
        return render(request, "scan_status.html", {"scan": scan, "status": _status(db, scan)})
    open_cases = db.scalars(select(Case).where(Case.status == "open").order_by(Case.id.desc()).limit(200)).all()
    linked = {c.id for c in scan.cases}
    linkable = [c for c in open_cases if c.id not in linked]
    audit.record(db, login, "view", "scan", scan.id)
    db.commit()
    result = scan.result or {}
    return render(
        request,
        "scan_result.html",
        {"scan": scan, "r": result, "open_cases": linkable, "summary": summarise(scan.verdict, result), "error_label": scan_error_label(scan.error)},
    )


@router.post("/scans/{scan_id}/link")
def link_to_case(scan_id: int, form: CsrfForm, login: Staff, db: DB) -> Response:
    scan = _scan_or_404(db, scan_id)
    case = _case_or_none(db, form.get("case_id"))
    if case is None:
        raise UserError(_("Choose the case to link the scan to."))
    if scan not in case.scans:
        case.scans.append(scan)
        case.updated_at, case.updated_by = utcnow(), login.user_id
        audit.record(db, login, "link", "case", case.id, f"scan #{scan.id} linked")
    db.commit()
    return RedirectResponse(f"/scans/{scan.id}", status_code=303)


@router.get("/scans/{scan_id}/screenshot")
def scan_screenshot(scan_id: int, login: Staff, db: DB) -> Response:
    scan = _scan_or_404(db, scan_id, undefer(Scan.screenshot))
    if not scan.screenshot or not scan.screenshot_type:
        raise UserError(_("Scan #%(id)s has no screenshot.") % {"id": scan_id}, 404)
    audit.record(db, login, "view", "scan", scan.id, "screenshot")
    db.commit()
    return Response(scan.screenshot, media_type=scan.screenshot_type, headers={"Cache-Control": "no-store"})


@router.get("/scans")
def scan_list(request: Request, login: Staff, db: DB, verdict: str = "", status: str = "") -> Response:
    query = select(Scan).order_by(Scan.id.desc()).limit(200)
    if verdict:
        if verdict not in VERDICTS:
            raise UserError(_("Unknown verdict %(value)r: choose scam, suspicious or benign.") % {"value": verdict[:40]})
        query = query.where(Scan.verdict == verdict)
    if status:
        if status not in SCAN_STATES:
            raise UserError(_("Unknown status %(value)r.") % {"value": status[:40]})
        query = query.where(Scan.status == status)
    return render(request, "scans.html", {"scans": db.scalars(query).all(), "verdict": verdict, "status": status})


# --- deletion (administrators) -------------------------------------------------------------------


@router.get("/scans/{scan_id}/delete")
def confirm_delete_scan(request: Request, scan_id: int, login: Admin, db: DB) -> Response:
    scan = _scan_or_404(db, scan_id)
    facts = [SCAN_KIND_LABELS.get_or_key(scan.kind), SCAN_STATUS_LABELS.get_or_key(scan.status)] + ([VERDICT_LABELS.get_or_key(scan.verdict)] if scan.verdict else [])
    what = _("scan #%(id)s (%(facts)s)") % {"id": scan.id, "facts": ", ".join(facts)}
    consequences = [_("Its result, screenshot and sightings are deleted; indicators seen only in it disappear, the others are recounted.")]
    if scan.cases:
        cases = ", ".join(_("case #%(id)s") % {"id": c.id} for c in scan.cases)
        consequences.append(_("It is removed from %(cases)s.") % {"cases": cases})
    return render(request, "confirm_delete.html", {"what": what, "consequences": consequences, "action": f"/scans/{scan.id}/delete", "back": f"/scans/{scan.id}"})


@router.post("/scans/{scan_id}/delete")
def delete_scan(scan_id: int, form: CsrfForm, login: Admin, db: DB) -> Response:
    scan = _scan_or_404(db, scan_id)
    detail = f"{scan.kind} scan, {scan.status}; removed from cases: {', '.join(f'#{c.id}' for c in scan.cases) or 'none'}"
    result = delete_scans(db, [scan.id])
    audit.record(db, login, "delete", "scan", scan_id, f"{detail}; {result.indicators_removed} indicator(s) removed, {result.indicators_recounted} recounted"[:500])
    db.commit()
    return RedirectResponse("/scans", status_code=303)
