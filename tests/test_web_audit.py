"""The audit log: who viewed, changed, exported or deleted which case or scan. Entries are written for
each action, never carry passwords or callers' personal data, are shown to admins newest first with
filters and pages, and cannot be changed or deleted (database triggers, SQLite and PostgreSQL).
Cases record who changed them last. Migration 0002 turns existing accounts into admins."""

from __future__ import annotations

import html
import io
import re
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from scamscope.web.app import create_app
from scamscope.web.auth import add_user
from scamscope.web.config import Settings
from scamscope.web.db import MIGRATIONS, make_engine, migrate, transaction
from scamscope.web.models import AuditEntry, Case
from tests.desk_server import login_form, session_csrf
from tests.test_web_api import postgres  # noqa: F401  (the throwaway PostgreSQL cluster fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SCAM_PAGE = ROOT / "examples" / "fake-warning-ja.html"
BOSS_PW = "boss passphrase 2026"
CAROL_PW = "carol's desk passphrase"
CALLER = "山田花子"
CONTACT = "090-1111-2222"
EN = {"Accept-Language": "en"}  # the assertions read English messages (the desk defaults to Japanese)


def entries(app: Any) -> list[AuditEntry]:
    with transaction(app.state.db) as db:
        return list(db.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def triples(app: Any, since: int = 0) -> list[tuple[str, str, str, int | None, str]]:
    return [(e.user_name, e.action, e.object_kind, e.object_id, e.detail) for e in entries(app) if e.id > since]


def last_id(app: Any) -> int:
    rows = entries(app)
    return rows[-1].id if rows else 0


def client_for(app: Any, name: str, password: str) -> tuple[TestClient, str]:
    client = TestClient(app, headers=EN, raise_server_exceptions=False, follow_redirects=False)
    r = client.post("/login", data={"username": name, "password": password, "csrf_token": login_form(client)})  # type: ignore[arg-type]
    assert r.status_code == 303, r.text
    return client, session_csrf(client)  # type: ignore[arg-type]


def wait_done(client: TestClient, scan_id: int) -> None:
    deadline = time.monotonic() + 120
    while not client.get(f"/scans/{scan_id}/status.json").json()["done"]:
        assert time.monotonic() < deadline, f"scan {scan_id} did not finish"
        time.sleep(0.2)


def submit(client: TestClient, token: str, field: str, name: str, data: bytes, mime: str, **extra: str) -> int:
    r = client.post("/scans", data={"csrf_token": token, **extra}, files={field: (name, data, mime)})
    assert r.status_code == 303, r.text
    scan_id = int(r.headers["location"].rsplit("/", 1)[1])
    wait_done(client, scan_id)
    return scan_id


@pytest.fixture
def app(tmp_path: Path) -> Any:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}"))
    with transaction(app.state.db) as db:
        add_user(db, "boss", BOSS_PW)  # admin: the first account
        add_user(db, "carol", CAROL_PW)  # staff
    return app


def test_every_action_on_cases_and_scans_is_audited(app: Any) -> None:
    with TestClient(app, headers=EN):
        bad = TestClient(app, headers=EN, raise_server_exceptions=False, follow_redirects=False)
        r = bad.post("/login", data={"username": "carol", "password": "hunter2 is wrong", "csrf_token": login_form(bad)})  # type: ignore[arg-type]
        assert r.status_code == 401
        carol, token = client_for(app, "carol", CAROL_PW)
        carol_id = next(e.user_id for e in entries(app) if e.action == "login")
        assert triples(app)[:2] == [("carol", "login_failed", "user", carol_id, "from testclient"), ("carol", "login", "user", carol_id, "from testclient")]

        start = last_id(app)
        scan_id = submit(carol, token, "page_file", "page.html", SCAM_PAGE.read_bytes(), "text/html")
        png = io.BytesIO()
        Image.new("RGB", (320, 120), "white").save(png, "PNG")
        shot_id = submit(carol, token, "screenshot", "shot.png", png.getvalue(), "image/png")
        r = carol.post("/cases", data={"csrf_token": token, "opened_on": "2026-11-20", "channel": "phone", "category": "called", "caller_name": CALLER, "caller_contact": CONTACT, "scan_id": str(scan_id)})
        assert r.status_code == 303
        case_id = int(r.headers["location"].rsplit("/", 1)[1])
        assert carol.get(f"/scans/{scan_id}").status_code == 200
        assert carol.get(f"/scans/{shot_id}/screenshot").status_code == 200
        assert carol.get(f"/scans/{scan_id}/status.json").status_code == 200  # polling: not an entry
        assert carol.get(f"/cases/{case_id}").status_code == 200
        assert carol.get("/cases").status_code == 200
        assert carol.get(f"/cases/{case_id}/edit").status_code == 200
        r = carol.post(f"/cases/{case_id}", data={"csrf_token": token, "opened_on": "2026-11-20", "channel": "visit", "category": "paid", "caller_name": CALLER + "様", "caller_contact": CONTACT, "notes": "paid 30000 yen"})
        assert r.status_code == 303
        assert carol.post(f"/cases/{case_id}/scans", data={"csrf_token": token, "scan_id": str(shot_id)}).status_code == 303
        assert carol.post(f"/scans/{shot_id}/link", data={"csrf_token": token, "case_id": str(case_id)}).status_code == 303  # linked already: no entry
        assert carol.post(f"/cases/{case_id}/scans/{shot_id}/remove", data={"csrf_token": token}).status_code == 303
        r = carol.post("/advice/attach", data={"csrf_token": token, "lang": "en", "case_id": str(case_id), "paid": "card"})
        assert r.status_code == 303
        advice_path = next(line.split('"')[1] for line in carol.get(f"/cases/{case_id}").text.splitlines() if f"/cases/{case_id}/advice/" in line and 'href="' in line)
        advice_id = int(advice_path.rsplit("/", 1)[1])
        assert carol.get(advice_path).status_code == 200
        assert carol.post("/logout", data={"csrf_token": token}).status_code == 303

        got = triples(app, start)
        expected = [
            ("carol", "create", "scan", scan_id, "html"),
            ("carol", "create", "scan", shot_id, "screenshot"),
            ("carol", "create", "case", case_id, ""),
            ("carol", "link", "case", case_id, f"scan #{scan_id} linked"),
            ("carol", "view", "scan", scan_id, ""),
            ("carol", "view", "scan", shot_id, "screenshot"),
            ("carol", "view", "case", case_id, ""),
            ("carol", "view", "case", None, "case list (1 shown)"),
            ("carol", "view", "case", case_id, "edit form"),
            ("carol", "update", "case", case_id, "changed: caller_name, category, channel, notes"),
            ("carol", "link", "case", case_id, f"scan #{shot_id} linked"),
            ("carol", "link", "case", case_id, f"scan #{shot_id} unlinked"),
            ("carol", "update", "case", case_id, f"advice #{advice_id} attached"),
            ("carol", "view", "case", case_id, ""),  # the case page read for the advice link
            ("carol", "view", "case", case_id, f"advice #{advice_id}"),
            ("carol", "logout", "user", carol_id, ""),
        ]
        assert got == expected

        boss, _ = client_for(app, "boss", BOSS_PW)
        start = last_id(app)
        r = boss.get("/indicators.csv", params={"q": "+1 844", "kind": "phone"})
        assert r.status_code == 200 and "+18445550142" in r.text
        assert triples(app, start) == [("boss", "export", "indicators", None, "CSV of 1 indicator(s); kind phone, searched")]

    # nothing secret or personal in the log: no password tried, no caller name, contact or notes
    for e in entries(app):
        row = " ".join(str(v) for v in (e.user_name, e.action, e.object_kind, e.object_id, e.detail))
        for secret in ("hunter2", CAROL_PW, BOSS_PW, CALLER, CONTACT, "30000", "+1 844"):
            assert secret not in row, (secret, row)


def test_cases_record_who_changed_them_last(app: Any) -> None:
    with TestClient(app, headers=EN):
        boss, boss_token = client_for(app, "boss", BOSS_PW)
        carol, token = client_for(app, "carol", CAROL_PW)
        r = boss.post("/cases", data={"csrf_token": boss_token, "opened_on": "2026-11-20", "channel": "phone", "category": "called"})
        case_id = int(r.headers["location"].rsplit("/", 1)[1])
        with transaction(app.state.db) as db:
            case = db.get(Case, case_id)
            assert case is not None and case.created_by == case.updated_by
            boss_id = case.created_by
        assert '<span id="case-updated-by">boss</span>' in boss.get(f"/cases/{case_id}").text
        r = carol.post(f"/cases/{case_id}", data={"csrf_token": token, "opened_on": "2026-11-20", "channel": "phone", "category": "paid", "status": "closed"})
        assert r.status_code == 303
        with transaction(app.state.db) as db:
            case = db.get(Case, case_id)
            assert case is not None and case.created_by == boss_id and case.updated_by != boss_id
        assert '<span id="case-updated-by">carol</span>' in boss.get(f"/cases/{case_id}").text
        scan_id = submit(boss, boss_token, "page_file", "page.html", SCAM_PAGE.read_bytes(), "text/html")
        assert carol.post(f"/scans/{scan_id}/link", data={"csrf_token": token, "case_id": str(case_id)}).status_code == 303
        assert boss.post(f"/cases/{case_id}/scans/{scan_id}/remove", data={"csrf_token": boss_token}).status_code == 303
        assert '<span id="case-updated-by">boss</span>' in carol.get(f"/cases/{case_id}").text
        bad = carol.post(f"/cases/{case_id}", data={"csrf_token": token, "opened_on": "not a date", "channel": "phone", "category": "paid"})
        assert bad.status_code == 400  # a refused change changes nobody's record
        assert '<span id="case-updated-by">boss</span>' in carol.get(f"/cases/{case_id}").text


def test_admins_read_the_log_newest_first_with_filters_and_pages(app: Any) -> None:
    with TestClient(app, headers=EN):
        boss, boss_token = client_for(app, "boss", BOSS_PW)
        carol, token = client_for(app, "carol", CAROL_PW)
        r = carol.post("/cases", data={"csrf_token": token, "opened_on": "2026-11-20", "channel": "phone", "category": "called"})
        case_id = int(r.headers["location"].rsplit("/", 1)[1])
        for _ in range(110):
            assert carol.get(f"/cases/{case_id}").status_code == 200
        total = len(entries(app))
        page1 = boss.get("/admin/audit").text
        assert f"{total} entries" in page1 and "Page 1 of 2" in page1
        ids = [int(x.split("<")[0]) for x in page1.split("<tr><td>")[1:]]
        assert len(ids) == 100 and ids == sorted(ids, reverse=True) and ids[0] == max(e.id for e in entries(app))
        link = re.search(r'<a href="([^"]+)" id="audit-older">', page1)
        assert link, "no link to older entries"
        older = boss.get(html.unescape(link.group(1))).text  # follow the page's own link
        ids2 = [int(x.split("<")[0]) for x in older.split("<tr><td>")[1:]]
        assert len(ids2) == total - 100 and max(ids2) < min(ids)

        views = boss.get("/admin/audit", params={"user": "carol", "kind": "case", "id": str(case_id), "action": "view"}).text
        assert "110 entries" in views
        assert "111 entries" in boss.get("/admin/audit", params={"kind": "case", "id": str(case_id), "user": "carol"}).text  # + create
        assert "0 entries" in boss.get("/admin/audit", params={"user": "nobody"}).text
        logins = boss.get("/admin/audit", params={"action": "login"}).text
        assert "2 entries" in logins and logins.index(">carol<") < logins.index(">boss<")  # newest first

        for params, message in (
            ({"action": "erase"}, "Action: choose one of"),
            ({"id": "12abc"}, "Object number"),
            ({"id": "99999999999"}, "Object number"),
            ({"user": "x" * 81}, "User: at most 80"),
            ({"page": "0"}, "Invalid input"),
            ({"page": str(10**30)}, "Invalid input"),
            ({"page": "two"}, "Invalid input"),
        ):
            r = boss.get("/admin/audit", params=params)
            assert r.status_code == 400 and message in r.text and "Traceback" not in r.text, params
        assert "Page 2 of 2" in boss.get("/admin/audit", params={"page": 2}).text
        assert "No entries" in boss.get("/admin/audit", params={"page": 50}).text


def assert_append_only(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, user_name, action, object_kind, detail) VALUES (CURRENT_TIMESTAMP, 'boss', 'view', 'case', '')"))
    for statement in ("UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log", "UPDATE audit_log SET user_name = 'nobody' WHERE id = 1"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(detail) FROM audit_log")).one() == (1, "")


def migrate_to(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def check_upgrade_from_0001(engine: Engine) -> None:
    """A desk created before roles: its accounts become admins, and the log is append-only."""
    migrate_to(engine, "0001")
    with engine.begin() as conn:
        for name in ("alice", "bob"):
            conn.execute(text("INSERT INTO users (name, password_hash, active, created_at) VALUES (:n, 'x', :a, CURRENT_TIMESTAMP)"), {"n": name, "a": True})
        conn.execute(text("INSERT INTO cases (opened_on, channel, category, caller_name, caller_contact, notes, status, created_at, updated_at) VALUES ('2026-11-01', 'phone', 'called', '', '', '', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        assert conn.execute(text("SELECT name, role FROM users ORDER BY name")).all() == [("alice", "admin"), ("bob", "admin")]
        assert conn.execute(text("SELECT updated_by FROM cases")).scalar() is None
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, password_hash, active, created_at) VALUES ('carol', 'x', :a, CURRENT_TIMESTAMP)"), {"a": True})
        assert conn.execute(text("SELECT role FROM users WHERE name = 'carol'")).scalar() == "staff"  # the column's default
    assert_append_only(engine)


def test_sqlite_upgrade_and_append_only_log(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        check_upgrade_from_0001(engine)
    finally:
        engine.dispose()


def test_postgresql_upgrade_and_append_only_log(postgres: str) -> None:  # noqa: F811
    engine = make_engine(postgres)
    try:
        assert engine.dialect.name == "postgresql"
        check_upgrade_from_0001(engine)
        # and down again, then up: the migration is reversible on PostgreSQL
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass('audit_log')")).scalar() is None
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
    finally:
        engine.dispose()


def test_sqlite_upgrade_keeps_links_and_never_reuses_deleted_ids(tmp_path: Path) -> None:
    """Migration 0003 copies the tables with AUTOINCREMENT: rows and their links survive the copy
    (foreign keys off while the old table is dropped), and a deleted scan's or case's number is never
    given to a new one, so an audit entry "delete scan #N" keeps naming one scan."""
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    try:
        migrate_to(engine, "0002")
        with engine.begin() as conn:
            for n in (1, 2):
                conn.execute(text("INSERT INTO scans (id, created_at, kind, target, sha256, size, status, stage, attempts) VALUES (:n, CURRENT_TIMESTAMP, 'url', 'https://a.example/', '', 0, 'done', '', 0)"), {"n": n})
            conn.execute(text("INSERT INTO cases (id, opened_on, channel, category, caller_name, caller_contact, notes, status, created_at, updated_at) VALUES (1, '2026-11-01', 'phone', 'called', '', '', '', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO case_scans (case_id, scan_id) VALUES (1, 2)"))
            conn.execute(text("INSERT INTO indicators (id, kind, value, first_seen, last_seen, count, flags) VALUES (1, 'domain', 'a.example', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, '[]')"))
            conn.execute(text("INSERT INTO sightings (id, indicator_id, scan_id, seen_at) VALUES (1, 1, 2, CURRENT_TIMESTAMP)"))
        migrate(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
            assert conn.execute(text("SELECT case_id, scan_id FROM case_scans")).all() == [(1, 2)]
            assert conn.execute(text("SELECT indicator_id, scan_id FROM sightings")).all() == [(1, 2)]
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on after the migration
            conn.execute(text("DELETE FROM scans WHERE id = 2"))  # the newest scan
            assert conn.execute(text("SELECT count(*) FROM case_scans")).scalar() == 0  # cascades still work
            conn.execute(text("DELETE FROM cases WHERE id = 1"))
            conn.execute(text("INSERT INTO scans (created_at, kind, target, sha256, size, status, stage, attempts) VALUES (CURRENT_TIMESTAMP, 'url', 'https://b.example/', '', 0, 'queued', '', 0)"))
            conn.execute(text("INSERT INTO cases (opened_on, channel, category, caller_name, caller_contact, notes, status, created_at, updated_at) VALUES ('2026-11-02', 'visit', 'called', '', '', '', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            assert conn.execute(text("SELECT max(id) FROM scans")).scalar() == 3
            assert conn.execute(text("SELECT max(id) FROM cases")).scalar() == 2
        assert_append_only(engine)  # the audit log's triggers survived the copies
    finally:
        engine.dispose()
