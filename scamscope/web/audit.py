"""The append-only audit trail: who viewed, changed, exported or deleted which case or scan.

Routes call :func:`record` in the same transaction as the change they log, so that a change is
never stored without its entry. The table refuses UPDATE and DELETE (triggers, migration 0002).
Details never carry a caller's personal data: name the object by kind and number.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from scamscope.web.auth import Login
from scamscope.web.models import AuditEntry

ACTIONS = ("view", "create", "update", "link", "export", "delete", "purge", "login", "login_failed", "logout", "user")


def record(db: Session, login: Login | None, action: str, object_kind: str = "", object_id: int | None = None, detail: str = "") -> AuditEntry:
    """Add one entry (flushed with the caller's transaction). ``login`` None: the system itself (purge)."""
    return record_as(db, login.user_id if login else None, login.user_name if login else "system", action, object_kind, object_id, detail)


def record_as(db: Session, user_id: int | None, user_name: str, action: str, object_kind: str = "", object_id: int | None = None, detail: str = "") -> AuditEntry:
    """Add one entry for someone who is not (yet) logged in: a failed login names the account
    tried, a command-line action names the command."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        user_id=user_id,
        user_name=user_name.replace("\x00", "")[:80],
        action=action,
        object_kind=object_kind[:32],
        object_id=object_id,
        detail=detail.replace("\x00", "")[:500],
    )
    db.add(entry)
    return entry
