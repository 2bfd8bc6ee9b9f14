"""Deleting scans and cases: one by one (admins), and the retention purge (``--retain-days``).

What a purge deletes, with ``N`` retention days:

- closed cases last changed more than N days ago, with their advice records (their scans are
  unlinked, not deleted with them);
- finished scans (done or error) made more than N days ago that no remaining case links to, with
  their sightings and screenshots. A scan linked to a case that is kept (open, or closed within
  N days) is kept with it: a case's evidence lives as long as the case.

Indicators are derived data: an indicator whose sightings are all gone is deleted; the others get
their count, first-seen and last-seen recomputed from the sightings that remain (their phone flags
stay as they were). The audit log is never purged (the database refuses it anyway): each purge
that deletes something, and each run of ``scamscope purge``, adds one entry to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, delete, exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from scamscope.web import audit
from scamscope.web.db import error_summary, utcnow
from scamscope.web.models import Case, CaseAdvice, CaseScan, Indicator, Scan, Sighting

log = logging.getLogger("scamscope.web.retention")
CHUNK = 500  # ids per statement
MAX_RETAIN_DAYS = 36500


@dataclass(frozen=True)
class Deleted:
    """What a deletion removed."""

    scans: int = 0
    cases: int = 0
    indicators_removed: int = 0
    indicators_recounted: int = 0

    def __add__(self, other: Deleted) -> Deleted:
        return Deleted(
            self.scans + other.scans,
            self.cases + other.cases,
            self.indicators_removed + other.indicators_removed,
            self.indicators_recounted + other.indicators_recounted,
        )

    def describe(self) -> str:
        return (
            f"{self.scans} scan(s) and {self.cases} closed case(s) deleted; "
            f"{self.indicators_removed} indicator(s) removed, {self.indicators_recounted} recounted"
        )


def _rowcount(result: Result[Any]) -> int:
    """Rows a DELETE removed (its result is a CursorResult)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    items = sorted(set(ids))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def recount_indicators(db: Session, indicator_ids: Iterable[int]) -> Deleted:
    """After sightings were deleted: drop the indicators left without any, recount the others."""
    removed = recounted = 0
    for chunk in _chunks(indicator_ids):
        stats = db.execute(
            select(Sighting.indicator_id, func.count(), func.min(Sighting.seen_at), func.max(Sighting.seen_at))
            .where(Sighting.indicator_id.in_(chunk))
            .group_by(Sighting.indicator_id)
        ).all()
        alive = {row[0] for row in stats}
        gone = [i for i in chunk if i not in alive]
        if gone:
            db.execute(
                delete(Indicator).where(Indicator.id.in_(gone)), execution_options={"synchronize_session": False}
            )
            removed += len(gone)
        for ind_id, count, first, last in stats:
            db.execute(
                update(Indicator).where(Indicator.id == ind_id).values(count=count, first_seen=first, last_seen=last),
                execution_options={"synchronize_session": False},
            )
            recounted += 1
    return Deleted(indicators_removed=removed, indicators_recounted=recounted)


def delete_scans(db: Session, scan_ids: Sequence[int]) -> Deleted:
    """Delete scans with their sightings, screenshots and case links; fix the indicators they fed."""
    affected: set[int] = set()
    deleted = 0
    for chunk in _chunks(scan_ids):
        affected.update(db.scalars(select(Sighting.indicator_id).where(Sighting.scan_id.in_(chunk))))
        # sightings and case links go with the scans (ON DELETE CASCADE); deleted explicitly too, so
        # that the result does not depend on the connection's foreign-key setting
        db.execute(
            delete(Sighting).where(Sighting.scan_id.in_(chunk)), execution_options={"synchronize_session": False}
        )
        db.execute(
            delete(CaseScan).where(CaseScan.scan_id.in_(chunk)), execution_options={"synchronize_session": False}
        )
        deleted += _rowcount(
            db.execute(delete(Scan).where(Scan.id.in_(chunk)), execution_options={"synchronize_session": False})
        )
    db.expire_all()
    return Deleted(scans=deleted) + recount_indicators(db, affected)


def delete_cases(db: Session, case_ids: Sequence[int]) -> Deleted:
    """Delete cases with their advice records; their scans stay, unlinked."""
    deleted = 0
    for chunk in _chunks(case_ids):
        db.execute(
            delete(CaseAdvice).where(CaseAdvice.case_id.in_(chunk)), execution_options={"synchronize_session": False}
        )
        db.execute(
            delete(CaseScan).where(CaseScan.case_id.in_(chunk)), execution_options={"synchronize_session": False}
        )
        deleted += _rowcount(
            db.execute(delete(Case).where(Case.id.in_(chunk)), execution_options={"synchronize_session": False})
        )
    db.expire_all()
    return Deleted(cases=deleted)


def cutoff_for(retain_days: int, now: datetime | None = None) -> datetime:
    if not 1 <= retain_days <= MAX_RETAIN_DAYS:
        raise ValueError(f"retention must be from 1 to {MAX_RETAIN_DAYS} days")
    return (now or utcnow()) - timedelta(days=retain_days)


def purge(db: Session, retain_days: int, now: datetime | None = None) -> Deleted:
    """Delete what is older than ``retain_days`` (see the module's docstring), in the caller's
    transaction; the caller records the audit entry (or rolls back, for a dry run)."""
    cutoff = cutoff_for(retain_days, now)
    case_ids = db.scalars(select(Case.id).where(Case.status == "closed", Case.updated_at < cutoff)).all()
    result = delete_cases(db, case_ids)
    linked = exists(select(CaseScan.scan_id).where(CaseScan.scan_id == Scan.id))
    scan_ids = db.scalars(
        select(Scan.id).where(Scan.created_at < cutoff, Scan.status.in_(("done", "error")), ~linked)
    ).all()
    return result + delete_scans(db, scan_ids)


def purge_detail(retain_days: int, result: Deleted) -> str:
    return f"retention {retain_days} days: {result.describe()}"


def run_purge(
    factory: sessionmaker[Session], retain_days: int, dry_run: bool = False, always_record: bool = True
) -> Deleted:
    """One purge in its own transaction, with its audit entry; a dry run counts and rolls back."""
    with factory() as db:  # an error rolls back when the session closes
        result = purge(db, retain_days)
        if dry_run:
            db.rollback()
            return result
        if always_record or result != Deleted():
            audit.record(db, None, "purge", "", None, purge_detail(retain_days, result))
        db.commit()
    return result


class PeriodicPurge:
    """A daemon thread purging every ``interval_s`` seconds (first at start) while the server runs."""

    def __init__(self, factory: sessionmaker[Session], retain_days: int, interval_s: float) -> None:
        cutoff_for(retain_days)  # refuse a bad value now, not in the thread
        self._factory = factory
        self.retain_days = retain_days
        self.interval_s = max(1.0, interval_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # purges completed (for the status and the tests)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scamscope-purge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = run_purge(self._factory, self.retain_days, always_record=False)
                if result != Deleted():
                    log.info("purge (retention %d days): %s", self.retain_days, result.describe())
            except Exception as exc:  # keep purging later; never the values of a database error in the log
                log.error("purge failed: %s", error_summary(exc) or f"{type(exc).__name__}: {exc}")
            self.runs += 1
            self._stop.wait(self.interval_s)
