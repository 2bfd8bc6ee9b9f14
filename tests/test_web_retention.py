"""Data lifecycle of the desk (issue 9): the retention purge (``scamscope purge``, ``serve
--retain-days``) on SQLite and PostgreSQL, and admins' deletion of scans and cases."""

from __future__ import annotations

import re
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from scamscope.web import audit
from scamscope.web.db import transaction, utcnow
from scamscope.web.models import AuditEntry, Case, CaseAdvice, CaseScan, Indicator, Scan, Sighting
from tests.test_web_api import postgres  # noqa: F401  (the throwaway PostgreSQL cluster fixture)
from tests.test_web_limits import (
    SCAM_PAGE,
    blocked_workers,
    login,
    make_desk,
    scan_id_of,
    sqlite_url,
    submit_page,
    wait_finished,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

EN = {"Accept-Language": "en"}  # the assertions read English messages (the desk defaults to Japanese)


def seed(factory: Any) -> dict[str, int]:
    """Old and recent scans, cases and indicators; returns their ids by name."""
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    ids: dict[str, int] = {}
    with transaction(factory) as db:

        def scan(name: str, when: Any, status: str = "done") -> Scan:
            row = Scan(
                kind="html",
                status=status,
                created_at=when,
                sha256="x",
                size=1,
                screenshot=b"\x89PNG" if status == "done" else None,
            )
            db.add(row)
            db.flush()
            ids[name] = row.id
            return row

        def case(name: str, status: str, updated: Any, scans: list[Scan]) -> Case:
            row = Case(
                opened_on=old.date(),
                channel="phone",
                category="called",
                status=status,
                caller_name=f"caller {name}",
                created_at=old,
                updated_at=updated,
            )
            row.scans = scans
            db.add(row)
            db.flush()
            ids[name] = row.id
            return row

        lone_old = scan("lone_old", old)  # deleted
        open_case_scan = scan("open_case_scan", old)  # kept: its case is open
        fresh = scan("fresh", recent)  # kept: recent
        scan("stuck_old", old, "queued")  # kept: not finished
        closed_case_scan = scan(
            "closed_case_scan", old, "error"
        )  # deleted with... unlinked from its purged case, then deleted
        recent_case_scan = scan("recent_case_scan", old)  # kept: its closed case is recent
        case("open_case", "open", old, [open_case_scan])
        old_closed = case("old_closed", "closed", old, [closed_case_scan])
        case("recent_closed", "closed", recent, [recent_case_scan])
        db.add(CaseAdvice(case_id=old_closed.id, lang="en", answers={}, advice={}))
        only_old = Indicator(kind="phone", value="+18445550142", first_seen=old, last_seen=old, count=1, flags=[])
        shared = Indicator(kind="domain", value="example.net", first_seen=old, last_seen=recent, count=2, flags=[])
        kept = Indicator(kind="domain", value="example.org", first_seen=old, last_seen=old, count=1, flags=[])
        db.add_all([only_old, shared, kept])
        db.flush()
        db.add_all(
            [
                Sighting(indicator_id=only_old.id, scan_id=lone_old.id, seen_at=old),
                Sighting(indicator_id=shared.id, scan_id=lone_old.id, seen_at=old),
                Sighting(indicator_id=shared.id, scan_id=fresh.id, seen_at=recent),
                Sighting(indicator_id=kept.id, scan_id=open_case_scan.id, seen_at=old),
            ]
        )
        ids.update(only_old=only_old.id, shared=shared.id, kept=kept.id)
        audit.record(db, None, "view", "case", old_closed.id, "an entry before the purge")
    ids["recent_ts"] = 0
    return ids


def audit_rows(factory: Any) -> list[tuple[Any, ...]]:
    with factory() as db:
        return [
            tuple(r)
            for r in db.execute(
                select(
                    AuditEntry.id,
                    AuditEntry.at,
                    AuditEntry.user_name,
                    AuditEntry.action,
                    AuditEntry.object_id,
                    AuditEntry.detail,
                ).order_by(AuditEntry.id)
            )
        ]


def state(factory: Any) -> dict[str, Any]:
    with factory() as db:
        return {
            "scans": set(db.scalars(select(Scan.id))),
            "cases": set(db.scalars(select(Case.id))),
            "advice": db.scalar(select(func.count()).select_from(CaseAdvice)),
            "links": set(db.execute(select(CaseScan.case_id, CaseScan.scan_id)).all()),
            "indicators": {i.value: (i.count, i.first_seen, i.last_seen) for i in db.scalars(select(Indicator))},
            "sightings": db.scalar(select(func.count()).select_from(Sighting)),
        }


EXPECTED = "retention 30 days: 2 scan(s) and 1 closed case(s) deleted; 1 indicator(s) removed, 1 recounted"


def purge_cli(db_url: str, *args: str) -> Any:
    from typer.testing import CliRunner

    from scamscope.cli import app as cli

    return CliRunner().invoke(cli, ["purge", "--db", db_url, *args])


def check_purge(db_url: str) -> None:
    app = make_desk(db_url)
    factory = app.state.db
    ids = seed(factory)
    before, audit_before = state(factory), audit_rows(factory)
    # a dry run counts exactly what the purge will delete, and changes nothing
    r = purge_cli(db_url, "--retain-days", "30", "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"dry run, nothing deleted: would be {EXPECTED}"
    assert state(factory) == before and audit_rows(factory) == audit_before
    r = purge_cli(db_url, "--retain-days", "30")
    assert r.exit_code == 0 and r.output.strip() == EXPECTED, r.output
    after = state(factory)
    assert after["scans"] == before["scans"] - {ids["lone_old"], ids["closed_case_scan"]}
    assert after["cases"] == {ids["open_case"], ids["recent_closed"]}
    assert after["advice"] == 0  # the purged case's advice went with it
    assert after["links"] == {
        (ids["open_case"], ids["open_case_scan"]),
        (ids["recent_closed"], ids["recent_case_scan"]),
    }
    recent_seen = before["indicators"]["example.net"][2]
    assert after["indicators"] == {
        "example.net": (1, recent_seen, recent_seen),
        "example.org": before["indicators"]["example.org"],
    }
    assert after["sightings"] == 2
    # the audit log lost nothing and gained one entry, by the system
    rows = audit_rows(factory)
    assert rows[: len(audit_before)] == audit_before and len(rows) == len(audit_before) + 1
    assert rows[-1][2:] == ("system", "purge", None, EXPECTED)
    # nothing left to delete: the command still records that it ran
    r = purge_cli(db_url, "--retain-days", "30")
    assert (
        r.output.strip()
        == "retention 30 days: 0 scan(s) and 0 closed case(s) deleted; 0 indicator(s) removed, 0 recounted"
    )
    assert len(audit_rows(factory)) == len(audit_before) + 2 and state(factory) == after
    app.state.engine.dispose()


def test_purge_command_sqlite(tmp_path: Path) -> None:
    check_purge(sqlite_url(tmp_path))


def test_purge_command_postgresql(postgres: str) -> None:  # noqa: F811
    check_purge(postgres)


def test_purge_command_refuses_bad_input_without_a_traceback(tmp_path: Path) -> None:
    for args in (["--retain-days", "0"], ["--retain-days", "-3"], ["--retain-days", "99999999999"], []):
        r = purge_cli(sqlite_url(tmp_path), *args)
        assert r.exit_code == 2 and "Traceback" not in r.output, (args, r.output)
    r = purge_cli(str(tmp_path / "missing" / "x.sqlite3"), "--retain-days", "30")
    assert r.exit_code == 2 and "does not exist" in r.output


def test_serve_retain_days_purges_while_the_server_runs(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path), retain_days=30, purge_interval_s=0.3)
    factory = app.state.db
    old = utcnow() - timedelta(days=31)

    def add_old_scan() -> int:
        with transaction(factory) as db:
            scan = Scan(kind="html", status="done", created_at=old, sha256="x", size=1)
            db.add(scan)
            db.flush()
            return scan.id

    def wait_gone(scan_id: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with factory() as db:
                if db.get(Scan, scan_id) is None:
                    return
            time.sleep(0.05)
        raise AssertionError(f"scan {scan_id} was not purged")

    first = add_old_scan()
    with transaction(factory) as db:
        kept = Scan(kind="html", status="done", sha256="x", size=1)
        db.add(kept)
    with TestClient(app, headers=EN):
        wait_gone(first)  # at start
        wait_gone(add_old_scan())  # and periodically
        runs = app.state.purger.runs
        deadline = time.monotonic() + 10
        while app.state.purger.runs < runs + 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.state.purger.runs >= runs + 3
    with factory() as db:
        assert db.get(Scan, kept.id) is not None
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).all()
    # one entry per purge that deleted something; the empty periodic ones leave none
    assert [(e.user_name, e.detail) for e in entries] == [
        ("system", "retention 30 days: 1 scan(s) and 0 closed case(s) deleted; 0 indicator(s) removed, 0 recounted")
    ] * 2
    assert app.state.purger._thread is None  # stopped with the app


# --- admin deletion ------------------------------------------------------------------------------


def indicator_count(factory: Any, value: str) -> int | None:
    with factory() as db:
        ind = db.scalar(select(Indicator).where(Indicator.value == value))
        return None if ind is None else ind.count


def test_admin_deletes_scans_and_cases_staff_get_403(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path))
    factory = app.state.db
    with TestClient(app, headers=EN, follow_redirects=False) as staff, TestClient(app, headers=EN, follow_redirects=False) as admin:
        staff_token, admin_token = login(staff, "alice"), login(admin, "root")
        case_id = scan_id_of(
            staff.post(
                "/cases",
                data={
                    "csrf_token": staff_token,
                    "opened_on": "2026-11-02",
                    "channel": "phone",
                    "category": "paid",
                    "status": "open",
                },
            )
        )
        first = scan_id_of(
            submit_page(
                staff,
                staff_token,
                SCAM_PAGE.read_bytes(),
                page_url="https://support-alert.example.net/",
                case_id=str(case_id),
            )
        )
        second = scan_id_of(submit_page(staff, staff_token, SCAM_PAGE.read_bytes()))
        third = scan_id_of(submit_page(staff, staff_token, SCAM_PAGE.read_bytes(), case_id=str(case_id)))
        wait_finished(app, [first, second, third])
        r = staff.post(
            "/advice/attach", data={"csrf_token": staff_token, "lang": "en", "case_id": str(case_id), "paid": "card"}
        )
        assert r.status_code == 303
        assert indicator_count(factory, "+18445550142") == 3 and indicator_count(factory, "example.net") == 1
        # staff: no delete link, and 403 for the pages and the posts
        assert (
            "/delete" not in staff.get(f"/scans/{first}").text and "/delete" not in staff.get(f"/cases/{case_id}").text
        )
        for path in (f"/scans/{first}/delete", f"/cases/{case_id}/delete"):
            assert staff.get(path).status_code == 403
            r = staff.post(path, data={"csrf_token": staff_token})
            assert r.status_code == 403 and "Only an administrator" in r.text
            assert (
                admin.post(path, data={"csrf_token": "forged"}).status_code == 403
            )  # an admin's post needs its CSRF token
            assert admin.post(path, data={"csrf_token": staff_token}).status_code == 403
        with factory() as db:
            assert db.scalar(select(func.count()).select_from(Scan)) == 3 and db.get(Case, case_id) is not None
        # admin: confirm page, then delete the first scan
        assert f'href="/scans/{first}/delete"' in admin.get(f"/scans/{first}").text
        confirm = admin.get(f"/scans/{first}/delete")
        assert (
            confirm.status_code == 200
            and f"Delete scan #{first}" in confirm.text
            and f"case #{case_id}" in confirm.text
        )
        r = admin.post(f"/scans/{first}/delete", data={"csrf_token": admin_token})
        assert r.status_code == 303 and r.headers["location"] == "/scans"
        assert admin.get(f"/scans/{first}").status_code == 404
        assert f'href="/scans/{first}"' not in admin.get(f"/cases/{case_id}").text
        assert (
            indicator_count(factory, "+18445550142") == 2 and indicator_count(factory, "example.net") is None
        )  # recounted; seen only there: gone
        assert (
            admin.post(f"/scans/{first}/delete", data={"csrf_token": admin_token}).status_code == 404
        )  # twice: nothing left
        # the case: its advice goes, its scans stay, unlinked
        assert f'href="/cases/{case_id}/delete"' in admin.get(f"/cases/{case_id}").text
        confirm = admin.get(f"/cases/{case_id}/delete")
        assert "1 advice record(s)" in confirm.text and "1 linked scan(s) stay" in confirm.text
        r = admin.post(f"/cases/{case_id}/delete", data={"csrf_token": admin_token})
        assert r.status_code == 303 and r.headers["location"] == "/cases"
        assert admin.get(f"/cases/{case_id}").status_code == 404
        with factory() as db:
            assert db.get(Case, case_id) is None and db.scalar(select(func.count()).select_from(CaseAdvice)) == 0
            third_scan = db.get(Scan, third)
            assert third_scan is not None and third_scan.cases == []
            entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "delete").order_by(AuditEntry.id)).all()
        assert [(e.user_name, e.object_kind, e.object_id) for e in entries] == [
            ("root", "scan", first),
            ("root", "case", case_id),
        ]
        assert (
            "removed from cases: #" in entries[0].detail and "1 indicator(s) removed, 1 recounted" in entries[0].detail
        )
        assert f"scans unlinked: #{third}" in entries[1].detail
        # JSON clients get JSON errors
        r = staff.post(
            f"/scans/{second}/delete", data={"csrf_token": staff_token}, headers={"Accept": "application/json"}
        )
        assert r.status_code == 403 and r.json() == {"error": "Only an administrator may do this."}


def test_deleting_a_queued_scan_leaves_nothing_behind(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path), scan_workers=1)
    with TestClient(app, headers=EN, follow_redirects=False) as admin:
        token = login(admin, "root")
        with blocked_workers(app) as gate:
            scan_id = scan_id_of(submit_page(admin, token, SCAM_PAGE.read_bytes()))
            assert admin.post(f"/scans/{scan_id}/delete", data={"csrf_token": token}).status_code == 303
            gate.set()
            later = scan_id_of(submit_page(admin, token, b"<p>after</p>"))
            wait_finished(app, [later])  # the worker went past the deleted scan
    with app.state.db() as db:  # (SQLite may give the newest deleted id to the next scan: compare contents)
        assert [(s.id, s.status, s.size) for s in db.scalars(select(Scan))] == [(later, "done", len(b"<p>after</p>"))]
        assert db.scalar(select(func.count()).select_from(Sighting)) == 0 and db.scalar(select(func.count()).select_from(Indicator)) == 0


@pytest.mark.parametrize("days", [0, -1, 36501])
def test_retention_refuses_out_of_range_days(days: int) -> None:
    from scamscope.web.retention import cutoff_for

    with pytest.raises(ValueError, match="retention must be from 1 to 36500 days"):
        cutoff_for(days)


def test_purge_detail_names_no_personal_data(tmp_path: Path) -> None:
    app = make_desk(sqlite_url(tmp_path))
    seed(app.state.db)
    assert purge_cli(sqlite_url(tmp_path), "--retain-days", "30").exit_code == 0
    with app.state.db() as db:
        detail = db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "purge"))
    assert detail is not None and not re.search(r"caller", detail)
