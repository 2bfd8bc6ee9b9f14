"""The desk web app through FastAPI's test client: a real SQLite file, the real detection core
(Tesseract for screenshots, headless Chromium for URL scans), background scan workers.

The browser-driven flow is in test_web_e2e.py. The last test runs migrations and a basic flow on
PostgreSQL, in a throwaway cluster of its own.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import re
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, select, text

from scamscope.web.app import create_app
from scamscope.web.auth import add_user
from scamscope.web.config import Settings
from scamscope.web.db import transaction
from scamscope.web.models import Case, Scan
from tests.conftest import serve_pages

with warnings.catch_warnings():  # Starlette suggests "httpx2" over httpx; httpx is what is declared
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SCAM_PAGE = ROOT / "examples" / "fake-warning-ja.html"
BENIGN_PAGE = ROOT / "examples" / "ordinary-ja.html"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EN = {"Accept-Language": "en"}  # the assertions read English messages (the desk defaults to Japanese)


def make_app(tmp_path: Path, **overrides: Any) -> FastAPI:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", **overrides)
    app = create_app(settings)
    with transaction(app.state.db) as db:
        if db.execute(text("SELECT count(*) FROM users")).scalar() == 0:
            add_user(db, "alice", PASSWORD)
    return app


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=EN, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def log_in(client: TestClient) -> str:
    """Log in as alice; returns the session's CSRF token."""
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": login_token(client), "next": "/cases"})
    assert r.status_code == 303 and r.headers["location"] == "/cases", r.text
    return CSRF.search(client.get("/cases/new").text).group(1)  # type: ignore[union-attr]


@pytest.fixture
def staff(client: TestClient) -> tuple[TestClient, str]:
    return client, log_in(client)


def upload(client: TestClient, token: str, field: str, name: str, data: bytes, mime: str = "text/html", **extra: str) -> Any:
    return client.post("/scans", data={"csrf_token": token, **extra}, files={field: (name, data, mime)})


def wait_done(client: TestClient, scan_id: int, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/scans/{scan_id}/status.json").json()
        if status["done"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"scan {scan_id} not done after {timeout} s: {status}")


def scan_file(client: TestClient, token: str, path: Path, field: str = "page_file", mime: str = "text/html", **extra: str) -> tuple[int, dict[str, Any]]:
    r = upload(client, token, field, path.name, path.read_bytes(), mime, **extra)
    assert r.status_code == 303, r.text
    scan_id = int(r.headers["location"].rsplit("/", 1)[1])
    return scan_id, wait_done(client, scan_id)


# --- health, login, access control ----------------------------------------------------------------


def test_healthz_answers_200_and_503_when_the_database_is_gone(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with TestClient(app, headers=EN, raise_server_exceptions=False) as client:
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}
        # take the database away for real: no file, a folder in its place, no pooled connection
        app.state.engine.dispose()
        db_file = tmp_path / "desk.sqlite3"
        for p in tmp_path.glob("desk.sqlite3*"):
            p.unlink()
        db_file.mkdir()
        r = client.get("/healthz")
        assert r.status_code == 503 and r.json()["status"] == "error"


def test_pages_with_personal_data_redirect_to_login(client: TestClient) -> None:
    for path in ("/cases", "/cases/1", "/cases/new", "/indicators", "/indicators.csv", "/indicators/1", "/scans", "/scans/new", "/scans/1", "/scans/1/screenshot", "/trends"):
        r = client.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"] == "/login?next=" + path
    r = client.get("/indicators", params={"q": "+81"})
    assert r.headers["location"] == "/login?next=/indicators%3Fq%3D%252B81"  # back to the same search after the login


def test_unauthenticated_api_and_posts_are_refused(client: TestClient) -> None:
    r = client.get("/scans/1/status.json")
    assert r.status_code == 401 and r.json() == {"error": "login required"}
    for path in ("/cases", "/scans", "/advice/attach", "/cases/1/scans", "/logout"):
        r = client.post(path, data={"csrf_token": "x"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        assert db.scalar(select(Case.id)) is None and db.scalar(select(Scan.id)) is None


def test_public_pages(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/advice").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "There is no such page" in r.text and "Traceback" not in r.text


def test_login_wrong_password_missing_token_and_logout(client: TestClient) -> None:
    token = login_token(client)
    r = client.post("/login", data={"username": "alice", "password": "wrong password", "csrf_token": token})
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = client.post("/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": login_token(client)})
    assert r.status_code == 401
    client.cookies.delete("scamscope_login_csrf", path="/login")
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 403 and "expired" in r.text and "scamscope_session" not in r.headers.get("set-cookie", "")
    # an off-site "next" is not followed
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": login_token(client), "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/scans/new"
    assert client.get("/cases").status_code == 200
    csrf = CSRF.search(client.get("/cases").text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.get("/cases").status_code == 200  # still logged in
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/cases").status_code == 303


def test_repeated_failed_logins_are_throttled(client: TestClient) -> None:
    for _ in range(5):
        r = client.post("/login", data={"username": "alice", "password": "guess guess", "csrf_token": login_token(client)})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": login_token(client)})
    assert r.status_code == 429 and "Too many failed logins" in r.text
    assert "scamscope_session" not in r.headers.get("set-cookie", "")


def test_session_cookie_is_useless_after_logout(client: TestClient) -> None:
    csrf = log_in(client)
    cookie = client.cookies.get("scamscope_session")
    client.post("/logout", data={"csrf_token": csrf})
    client.cookies.set("scamscope_session", cookie or "")
    assert client.get("/cases").status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_posts_without_a_valid_csrf_token_are_refused(staff: tuple[TestClient, str], token: str | None) -> None:
    client, _good = staff
    data = {"opened_on": "2026-11-01", "channel": "phone", "category": "called", "status": "open"}
    if token is not None:
        data["csrf_token"] = token
    r = client.post("/cases", data=data)
    assert r.status_code == 403 and "security token" in r.text
    r = upload(client, token or "", "page_file", "a.html", SCAM_PAGE.read_bytes())
    assert r.status_code == 403
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        assert db.scalar(select(Case.id)) is None and db.scalar(select(Scan.id)) is None


def test_server_errors_show_no_stack_trace(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, headers=EN, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert "Something went wrong" in r.text and "reference" in r.text
    assert "secret internal detail" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text


# --- scans: bad input ----------------------------------------------------------------------------


def test_oversized_upload_is_refused_with_a_clear_page(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    big = b"<html><body>" + b"x" * (6 * 1024 * 1024) + b"</body></html>"
    r = upload(client, token, "page_file", "big.html", big)
    assert r.status_code == 413 and "too large" in r.text and "5 MB" in r.text
    # just over the file limit, under the request limit: refused by the form, with the form shown again
    r = upload(client, token, "page_file", "big.html", b"a" * (5 * 1024 * 1024 + 1))
    assert r.status_code == 413 and "too large" in r.text and 'name="page_file"' in r.text
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        assert db.scalar(select(Scan.id)) is None


def test_non_image_as_screenshot_is_refused(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    r = upload(client, token, "screenshot", "shot.png", SCAM_PAGE.read_bytes(), "image/png")
    assert r.status_code == 400 and "must be a PNG, JPEG or WebP image" in r.text and "not an image" in r.text
    r = upload(client, token, "screenshot", "shot.png", b"PK\x03\x04" + b"\x00" * 100, "image/png")
    assert r.status_code == 400 and "ZIP" in r.text.upper()
    r = upload(client, token, "page_file", "setup.html", b"MZ\x90\x00" + b"\x00" * 200)
    assert r.status_code == 400 and "not a web page" in r.text
    r = upload(client, token, "page_file", "empty.html", b"")
    assert r.status_code == 400 and "The file is empty" in r.text


MALFORMED_URLS = [
    ("htp://example.com/", "only http and https"),
    ("example.com/landing", "only http and https"),
    ("http://", "no host"),
    ("http://[::1/", "malformed URL"),
    ("javascript:alert(1)", "only http and https"),
]
PRIVATE_URLS = [
    ("http://127.0.0.1:8000/admin", "loopback"),
    ("http://localhost/", "internal name"),
    ("http://192.168.1.1/", "private network"),
    ("http://10.0.0.5/", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/", "loopback"),
]


def test_malformed_and_private_urls_are_refused_by_the_netguard(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    for url, why in MALFORMED_URLS + PRIVATE_URLS:
        r = client.post("/scans", data={"csrf_token": token, "url": url})
        assert r.status_code == 400 and "This URL cannot be scanned" in r.text and why in r.text, url
        assert "--allow-private" not in r.text  # the CLI's hint means nothing here
    r = client.post("/scans", data={"csrf_token": token, "url": "https://x.example/" + "a" * 2100})
    assert r.status_code == 400 and "longer than 2048" in r.text
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        assert db.scalar(select(Scan.id)) is None


def test_one_input_at_a_time_and_a_valid_page_address(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    r = client.post("/scans", data={"csrf_token": token})
    assert r.status_code == 400 and "Give a URL, a saved page" in r.text
    r = upload(client, token, "page_file", "a.html", SCAM_PAGE.read_bytes(), url="https://example.com/")
    assert r.status_code == 400 and "only one thing" in r.text
    r = upload(client, token, "page_file", "a.html", SCAM_PAGE.read_bytes(), page_url="ftp://x")
    assert r.status_code == 400 and "page address" in r.text


# --- scans: results ------------------------------------------------------------------------------


def test_scam_and_benign_pages_background_scan_result_and_indicators(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    scam_id, status = scan_file(client, token, SCAM_PAGE, page_url="https://support-alert.example.net/ja/")
    assert status["status"] == "done" and status["verdict"] == "scam" and status["score"] > 0.9
    page = client.get(f"/scans/{scam_id}")
    assert page.status_code == 200
    assert 'data-verdict="scam"' in page.text
    assert "jp_international_disguised" in page.text and "+18445550142" in page.text  # the phone, with its flag
    assert "text.infection_claim" in page.text  # evidence
    benign_id, status = scan_file(client, token, BENIGN_PAGE)
    assert status["verdict"] == "benign"
    assert 'data-verdict="benign"' in client.get(f"/scans/{benign_id}").text
    # the file's name is not kept (it could name the caller); its hash and size are
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        scan = db.get(Scan, scam_id)
        assert scan is not None and scan.sha256 and scan.size == SCAM_PAGE.stat().st_size
        assert SCAM_PAGE.name not in str(scan.result)
    # indicators: the number and the registrable domain, with the scan counted
    r = client.get("/indicators", params={"q": "844-555-0142"})
    assert "+18445550142" in r.text and "jp_international_disguised" in r.text
    r = client.get("/indicators", params={"q": "EXAMPLE.net", "kind": "domain"})  # registrable domain, any case
    assert "example.net" in r.text
    assert "+18445550142" not in client.get("/indicators", params={"kind": "domain"}).text
    # the same page again counts twice
    scan_file(client, token, SCAM_PAGE)
    rows = list(csv.DictReader(io.StringIO(client.get("/indicators.csv", params={"kind": "phone"}).text.lstrip("\ufeff"))))
    phone = next(r for r in rows if r["value"] == "+18445550142")
    assert phone["scans"] == "2" and phone["scam_or_suspicious_scans"] == "2" and "jp_international_disguised" in phone["flags"]
    assert client.get("/scans").text.count('class="verdict verdict-scam"') == 2
    assert f'href="/scans/{benign_id}"' not in client.get("/scans", params={"verdict": "scam"}).text
    assert client.get("/scans", params={"verdict": "evil"}).status_code == 400
    # an indicator's own page lists the scans it was seen in
    ind = re.search(r'href="(/indicators/\d+)">\+18445550142<', client.get("/indicators").text)
    assert ind, "no link to the phone indicator"
    detail = client.get(ind.group(1)).text
    assert f'href="/scans/{scam_id}"' in detail and f'href="/scans/{benign_id}"' not in detail


def render_screenshot(page: Path, out: Path) -> bytes:
    """A real screenshot of one of our pages, by Debian's Chromium."""
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--disable-background-networking",
         f"--user-data-dir={out.parent / 'profile'}", "--window-size=1280,860", f"--screenshot={out}", page.as_uri()],
        capture_output=True, timeout=90, check=False,
    )  # fmt: skip
    assert out.exists() and out.stat().st_size > 1000, "Chromium wrote no screenshot"
    return out.read_bytes()


def test_screenshot_scan_shows_image_and_ocr_text(staff: tuple[TestClient, str], tmp_path: Path) -> None:
    client, token = staff
    shot = render_screenshot(SCAM_PAGE, tmp_path / "warning.png")
    r = upload(client, token, "screenshot", "warning.png", shot, "image/png")
    assert r.status_code == 303
    scan_id = int(r.headers["location"].rsplit("/", 1)[1])
    status = wait_done(client, scan_id)
    assert status["verdict"] == "scam"
    page = client.get(f"/scans/{scan_id}").text
    assert 'id="ocr-text"' in page and "ウイルスに感染" in page
    assert f'src="/scans/{scan_id}/screenshot"' in page
    img = client.get(f"/scans/{scan_id}/screenshot")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png" and img.content == shot


def test_url_scan_in_headless_chromium_keeps_the_after_screenshot(tmp_path: Path) -> None:
    app = make_app(tmp_path, allow_private_urls=True, live_budget_s=10.0)  # a loopback test server
    pages = {"/warning": (200, {"Content-Type": "text/html; charset=utf-8"}, SCAM_PAGE.read_bytes())}
    with serve_pages(pages) as base, TestClient(app, headers=EN, raise_server_exceptions=False, follow_redirects=False) as client:
        token = log_in(client)
        r = client.post("/scans", data={"csrf_token": token, "url": f"{base}/warning"})
        assert r.status_code == 303, r.text
        scan_id = int(r.headers["location"].rsplit("/", 1)[1])
        first = client.get(f"/scans/{scan_id}")
        assert first.status_code == 200
        assert "status.json" in first.text or 'data-verdict="scam"' in first.text  # the progress page, unless already done
        status = wait_done(client, scan_id)
        assert status["verdict"] == "scam", status
        page = client.get(f"/scans/{scan_id}").text
        assert "What the page did" in page and f"{base}/warning" in page
        img = client.get(f"/scans/{scan_id}/screenshot")
        assert img.status_code == 200 and img.headers["content-type"] == "image/png" and img.content.startswith(b"\x89PNG")
        assert "127.0.0.1" in client.get("/indicators", params={"kind": "domain"}).text
        worker = app.state.runner._capturer.worker_pid  # the shared browser's worker process
        assert worker is not None and Path(f"/proc/{worker}").exists()
    # the app's shutdown closed the shared browser
    assert app.state.runner._capturer is None and not Path(f"/proc/{worker}").exists()


def test_unfinished_scans_run_again_after_a_restart(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with transaction(app.state.db) as db:  # what a server killed mid-scan leaves behind
        db.add(Scan(kind="html", status="running", stage="analysing the page", input_data=BENIGN_PAGE.read_bytes(), size=1, sha256="x"))
    app.state.engine.dispose()
    again = make_app(tmp_path)
    with TestClient(again, headers=EN, raise_server_exceptions=False, follow_redirects=False) as client:
        log_in(client)
        status = wait_done(client, 1)
    assert status["status"] == "done" and status["verdict"] == "benign"


# --- cases, advice, trends ---------------------------------------------------------------------


def new_case(client: TestClient, token: str, **fields: str) -> int:
    data = {"csrf_token": token, "opened_on": date.today().isoformat(), "channel": "phone", "category": "called", "status": "open", **fields}
    r = client.post("/cases", data=data)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_case_personal_data_stays_in_the_case_table(staff: tuple[TestClient, str], caplog: pytest.LogCaptureFixture) -> None:
    client, token = staff
    scan_id, _ = scan_file(client, token, SCAM_PAGE)
    name, contact = "山田太郎", "090-1234-5678 yamada@example.jp"
    caplog.set_level("DEBUG")
    r = client.post("/cases", data={"csrf_token": token, "opened_on": "2026-11-02", "channel": "visit", "category": "paid", "caller_name": name,
                                    "caller_contact": contact, "notes": "paid 30,000 yen by card", "status": "open", "scan_id": str(scan_id)})  # fmt: skip
    assert r.status_code == 303 and name not in r.headers["location"]
    case_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/cases/{case_id}").text
    assert name in page and contact in page and f'href="/scans/{scan_id}"' in page
    # the case list shows it; nothing else does
    assert name in client.get("/cases").text
    for path in ("/scans", f"/scans/{scan_id}", "/indicators", "/trends", "/indicators.csv"):
        assert name not in client.get(path).text and "yamada" not in client.get(path).text, path
    with transaction(client.app.state.db) as db:  # type: ignore[attr-defined]
        tables = [t for t in inspect(db.get_bind()).get_table_names() if t != "cases"]
        for table in tables:
            dump = str(db.execute(text(f"SELECT * FROM {table}")).all())
            assert name not in dump and "yamada" not in dump, table
    assert name not in caplog.text and "yamada" not in caplog.text


def test_case_form_validation_and_edit(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    base = {"csrf_token": token, "opened_on": "2026-11-02", "channel": "phone", "category": "called", "status": "open", "caller_name": "佐藤"}
    for field, value, message in [("opened_on", "2026-13-40", "YYYY-MM-DD"), ("channel", "fax", "Channel"), ("category", "bored", "Category"),
                                  ("status", "lost", "Status"), ("caller_name", "x" * 201, "at most 200")]:  # fmt: skip
        r = client.post("/cases", data={**base, field: value})
        assert r.status_code == 400 and message in r.text, field
        assert "佐藤" in r.text or field == "caller_name"  # what was typed is kept
    case_id = new_case(client, token, caller_name="鈴木")
    edit = client.get(f"/cases/{case_id}/edit")
    assert edit.status_code == 200 and 'value="鈴木"' in edit.text and f'action="/cases/{case_id}"' in edit.text
    r = client.post(f"/cases/{case_id}", data={**base, "status": "closed", "notes": "closed after the call"})
    assert r.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    assert "closed after the call" in page and "Closed" in page
    assert f'href="/cases/{case_id}"' in client.get("/cases", params={"status": "closed"}).text
    assert f'href="/cases/{case_id}"' not in client.get("/cases", params={"status": "open"}).text
    assert client.get("/cases/9999").status_code == 404
    assert client.get("/cases", params={"status": "weird"}).status_code == 400


def test_advice_wizard_in_both_languages_and_attached_to_a_case(staff: tuple[TestClient, str]) -> None:
    from scamscope.advice import QUESTIONS

    client, token = staff
    case_id = new_case(client, token, category="remote_access")
    first = client.get("/advice/q", params={"lang": "ja", "step": 0, "case": case_id})
    assert first.status_code == 200 and QUESTIONS[0].text["ja"] in first.text
    en = client.get("/advice/q", params={"lang": "en", "step": 1, "on_screen": "no"})
    assert QUESTIONS[1].text["en"] in en.text and 'name="on_screen" value="no"' in en.text  # earlier answers carried along
    answers = {"on_screen": "no", "called": "yes", "installed": "remote_tool", "remote_control": "yes", "paid": "card", "personal_data": "unknown", "passwords": "yes"}
    result = client.get("/advice/result", params={"lang": "ja", "case": case_id, **answers})
    assert result.status_code == 200
    assert 'data-step="preserve_evidence"' in result.text and 'data-step="card"' in result.text
    assert 'data-step="close_screen"' not in result.text  # the warning is gone already
    assert "188" in result.text and "#9110" in result.text and "03-5978-7509" in result.text
    assert 'id="attach"' in result.text and f'<option value="{case_id}" selected' in result.text
    english = client.get("/advice/result", params={"lang": "en", **answers}).text
    assert 'data-step="preserve_evidence"' in english and "Where to call" in english
    # bad input
    assert client.get("/advice/result", params={"lang": "fr"}).status_code == 400
    r = client.get("/advice/result", params={"lang": "en", "paid": "bitcoin"})
    assert r.status_code == 400 and "bitcoin" in r.text
    assert client.get("/advice/q", params={"lang": "en", "step": 99}).status_code == 400
    assert client.get("/advice/q", params={"lang": "en", "step": 1, "on_screen": "maybe"}).status_code == 400
    # attach to the case
    r = client.post("/advice/attach", data={"csrf_token": token, "lang": "ja", "case_id": str(case_id), **answers})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}"
    case_page = client.get(f"/cases/{case_id}").text
    link = re.search(rf'href="(/cases/{case_id}/advice/\d+)"', case_page)
    assert link, case_page
    printable = client.get(link.group(1)).text
    assert 'data-step="preserve_evidence"' in printable and 'id="print"' in printable
    assert client.post("/advice/attach", data={"lang": "ja", "case_id": str(case_id), **answers}).status_code == 403


def test_advice_is_public_without_the_attach_form(client: TestClient) -> None:
    r = client.get("/advice/result", params={"lang": "en", "on_screen": "yes"})
    assert r.status_code == 200 and 'data-step="close_screen"' in r.text and 'id="attach"' not in r.text


def test_trends_count_cases_by_month_and_category(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    today = date.today()
    for category in ("fake_warning", "called", "called", "paid"):
        new_case(client, token, category=category)
    new_case(client, token, category="paid", opened_on=date(today.year - 3, 1, 5).isoformat())  # outside the 12 months
    scan_file(client, token, SCAM_PAGE)
    page = client.get("/trends")
    assert page.status_code == 200
    month = f"{today.year:04d}-{today.month:02d}"
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', page.text, re.S)
    assert row, page.text
    counts = dict(re.findall(r'data-category="(\w+)">(\d+)<', row.group(1)))
    assert counts == {"fake_warning": "1", "called": "2", "remote_access": "0", "paid": "1"}
    assert f'data-month="{month}" data-series="called" data-count="2"' in page.text  # the SVG bar
    assert "+18445550142" in page.text  # top phone numbers this month
    assert client.get("/trends", params={"months": 0}).status_code == 400


def test_indicator_csv_is_safe_for_spreadsheets(staff: tuple[TestClient, str]) -> None:
    client, token = staff
    case_id = new_case(client, token)
    scan_id, _ = scan_file(client, token, SCAM_PAGE, page_url="https://support-alert.example.net/", case_id=str(case_id))
    r = client.get("/indicators.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeffkind,value,")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    by_value = {row["value"]: row for row in rows}
    assert by_value["+18445550142"]["cases"] == str(case_id)  # E.164 kept as is, not quoted away
    assert by_value["example.net"]["kind"] == "domain"
    from scamscope.web.routes.indicators import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("+81312345678") == "+81312345678" and _cell("+1+2") == "'+1+2"


def test_migrations_match_the_models(app: FastAPI) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from scamscope.web.models import Base

    with app.state.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


# --- the commands --------------------------------------------------------------------------------


def test_user_add_prompts_twice_and_refuses_bad_input(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scamscope.cli import app as cli

    runner = CliRunner()
    db = str(tmp_path / "users.sqlite3")
    r = runner.invoke(cli, ["user", "add", "carol", "--db", db], input="a long password\na long password\n")
    assert r.exit_code == 0 and "user carol added" in r.output
    r = runner.invoke(cli, ["user", "add", "dave", "--db", db], input="a long password\nanother one!!\na long password\na long password\n")
    assert r.exit_code == 0 and "do not match" in r.output
    r = runner.invoke(cli, ["user", "add", "carol", "--db", db, "--password-stdin"], input="whatever-long\n")
    assert r.exit_code == 2 and "exists already" in r.output
    r = runner.invoke(cli, ["user", "add", "erin", "--db", db, "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "at least 12" in r.output
    r = runner.invoke(cli, ["user", "add", "bad name!", "--db", db, "--password-stdin"], input="long enough pw\n")
    assert r.exit_code == 2 and "user names" in r.output
    r = runner.invoke(cli, ["user", "list", "--db", db])
    assert r.output.splitlines()[0].startswith("carol") and "dave" in r.output
    r = runner.invoke(cli, ["user", "add", "x", "--db", str(tmp_path / "missing" / "x.db"), "--password-stdin"], input="long enough pw\n")
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
    # the password was hashed with Argon2id, and works for a login
    app = create_app(Settings(db_url=f"sqlite:///{db}"))
    with app.state.db() as session:
        stored = session.execute(text("SELECT password_hash FROM users WHERE name = 'carol'")).scalar()
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    with TestClient(app, headers=EN, follow_redirects=False) as client:
        r = client.post("/login", data={"username": "carol", "password": "a long password", "csrf_token": login_token(client)})
        assert r.status_code == 303


def test_serve_refuses_a_bad_database_without_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scamscope.cli import app as cli

    r = CliRunner().invoke(cli, ["serve", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert r.exit_code == 2 and "cannot open or migrate the database" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "desk.sqlite3"), "--tz", "Mars/Olympus"])
    assert r.exit_code == 2 and "unknown time zone" in r.output


# --- PostgreSQL ----------------------------------------------------------------------------------

PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster listening on a Unix socket only; yields its SQLAlchemy URL.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' user and lives
    in a folder of its own under /tmp (pytest's tmp_path is private to root), removed afterwards.
    """
    if not PG_BINS:
        pytest.fail("PostgreSQL server binaries are absent (Debian package 'postgresql', installed by scripts/setup.sh)")
    bindir = Path(PG_BINS[-1]).parent
    import tempfile

    as_root = os.geteuid() == 0
    home = Path(tempfile.mkdtemp(prefix="scamscope-pg-")) if as_root else tmp_path / "pg"
    home.mkdir(exist_ok=True)
    if as_root:
        shutil.chown(home, "postgres", "postgres")
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    data, log = home / "data", home / "server.log"
    port = 20000 + os.getpid() % 20000

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120, check=False)

    try:
        done = pg(str(bindir / "initdb"), "-D", str(data), "-U", "desk", "--auth=trust", "-E", "UTF8", "--no-locale")
        assert done.returncode == 0, done.stderr
        opts = f"-k {home} -p {port} -c listen_addresses='' -c fsync=off"
        done = pg(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "60", "start")
        assert done.returncode == 0, done.stderr + (log.read_text() if log.exists() else "")
        yield f"postgresql+psycopg://desk@/postgres?host={home}&port={port}"
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        if as_root:
            shutil.rmtree(home, ignore_errors=True)


def test_postgresql_migrations_and_a_basic_flow(postgres: str) -> None:
    settings = Settings(db_url=postgres)
    app = create_app(settings)
    with transaction(app.state.db) as db:
        add_user(db, "alice", PASSWORD)
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        assert db.get_bind().dialect.name == "postgresql"
    create_app(settings).state.engine.dispose()  # migrating again is a no-op
    with TestClient(app, headers=EN, raise_server_exceptions=False, follow_redirects=False) as client:
        token = log_in(client)
        scan_id, status = scan_file(client, token, SCAM_PAGE, page_url="https://support-alert.example.net/")
        assert status["verdict"] == "scam"
        case_id = new_case(client, token, caller_name="山田花子", category="paid", scan_id=str(scan_id))
        page = client.get(f"/cases/{case_id}").text
        assert "山田花子" in page and f'href="/scans/{scan_id}"' in page
        r = client.post("/advice/attach", data={"csrf_token": token, "lang": "en", "case_id": str(case_id), "paid": "card", "called": "yes"})
        assert r.status_code == 303 and "/advice/" in client.get(f"/cases/{case_id}").text
        rows = list(csv.DictReader(io.StringIO(client.get("/indicators.csv").text.lstrip("\ufeff"))))
        assert {"+18445550142", "example.net"} <= {r["value"] for r in rows}
        assert next(r for r in rows if r["value"] == "+18445550142")["cases"] == str(case_id)
        trends = client.get("/trends").text
        assert 'data-series="paid" data-count="1"' in trends
        assert client.get("/healthz").status_code == 200
        # the database goes away: the health check says so
        bindir = Path(PG_BINS[-1]).parent
        data = Path(postgres.split("host=")[1].split("&")[0]) / "data"
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60, check=True)
        r = client.get("/healthz")
        assert r.status_code == 503 and r.json()["status"] == "error"
