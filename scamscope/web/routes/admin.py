"""Admin pages: the staff accounts (disable, enable, role) and the audit log. Admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from scamscope.web import audit
from scamscope.web.auth import Login, set_active, set_role
from scamscope.web.auth import UserError as AccountError
from scamscope.web.db import utcnow
from scamscope.web.deps import DB, MAX_ID, Admin, CsrfForm, get_row
from scamscope.web.errors import UserError
from scamscope.web.i18n import gettext as _
from scamscope.web.models import ROLES, AuditEntry, AuthSession, User
from scamscope.web.render import render

router = APIRouter()
AUDIT_PAGE = 100
MAX_PAGE = 100_000


def _user_or_404(db: Session, user_id: int) -> User:
    user = get_row(db, User, user_id)
    if user is None:
        raise UserError(_("There is no user #%(id)s.") % {"id": user_id}, 404)
    return user


def _users_page(request: Request, db: Session, error: str = "", status_code: int = 200) -> Response:
    users = db.scalars(select(User).order_by(User.name)).all()
    live = select(AuthSession.user_id, func.count()).where(AuthSession.expires_at > utcnow()).group_by(AuthSession.user_id)
    sessions = {user_id: n for user_id, n in db.execute(live).all()}
    return render(request, "admin_users.html", {"users": users, "sessions": sessions, "roles": ROLES, "error": error}, status_code)


@router.get("/admin/users")
def user_list(request: Request, login: Admin, db: DB) -> Response:
    return _users_page(request, db)


def _change(db: Session, login: Login, user: User, what: str, changed: bool) -> Response:
    if changed:
        audit.record(db, login, "user", "user", user.id, f"{what} {user.name}")
    db.commit()
    if user.id == login.user_id and not user.active:
        return RedirectResponse("/login", status_code=303)  # disabled themselves: logged out
    return RedirectResponse("/admin/users", status_code=303)


def _refused(request: Request, db: Session, message: str) -> Response:
    db.rollback()
    return _users_page(request, db, message, 409)


@router.post("/admin/users/{user_id}/disable")
def disable_user(request: Request, user_id: int, form: CsrfForm, login: Admin, db: DB) -> Response:
    user = _user_or_404(db, user_id)
    try:
        changed = set_active(db, user, False)
    except AccountError:
        return _refused(request, db, _("Not disabled: %(name)s is the last active admin. Make another account admin first, so that the desk keeps one.") % {"name": user.name})
    return _change(db, login, user, "disabled", changed)


@router.post("/admin/users/{user_id}/enable")
def enable_user(request: Request, user_id: int, form: CsrfForm, login: Admin, db: DB) -> Response:
    user = _user_or_404(db, user_id)
    return _change(db, login, user, "enabled", set_active(db, user, True))


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: int, form: CsrfForm, login: Admin, db: DB) -> Response:
    user = _user_or_404(db, user_id)
    role = str(form.get("role") or "")
    if role not in ROLES:
        raise UserError(_("Role: choose admin or staff."))
    try:
        changed = set_role(db, user, role)
    except AccountError:
        return _refused(request, db, _("Role not changed: %(name)s is the last active admin. Make another account admin first, so that the desk keeps one.") % {"name": user.name})
    return _change(db, login, user, f"role {role} for", changed)


def _audit_query(user: str, kind: str, object_id: str, action: str) -> Select[Any]:
    """Entries matching the filters, newest first; raises UserError naming a bad filter."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if user:
        if len(user) > 80:
            raise UserError(_("User: at most 80 characters."))
        query = query.where(AuditEntry.user_name == user)
    if kind:
        if len(kind) > 32:
            raise UserError(_("Object kind: at most 32 characters."))
        query = query.where(AuditEntry.object_kind == kind)
    if object_id:
        if not (object_id.isascii() and object_id.isdigit() and len(object_id) <= 10 and int(object_id) <= MAX_ID):
            raise UserError(_("Object number: give a number such as 12."))
        query = query.where(AuditEntry.object_id == int(object_id))
    if action:
        if action not in audit.ACTIONS:
            raise UserError(_("Action: choose one of %(actions)s.") % {"actions": ", ".join(audit.ACTIONS)})
        query = query.where(AuditEntry.action == action)
    return query


@router.get("/admin/audit")
def audit_log(
    request: Request,
    login: Admin,
    db: DB,
    user: str = "",
    kind: str = "",
    object_id: Annotated[str, Query(alias="id")] = "",
    action: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    user, kind, object_id = user.strip(), kind.strip(), object_id.strip()
    query = _audit_query(user, kind, object_id, action)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    entries = db.scalars(query.offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE)).all()
    filters = {"user": user, "kind": kind, "id": object_id, "action": action}
    return render(
        request,
        "admin_audit.html",
        {"entries": entries, "total": total, "page": page, "pages": max(1, -(-total // AUDIT_PAGE)), "filters": filters, "actions": audit.ACTIONS},
    )
