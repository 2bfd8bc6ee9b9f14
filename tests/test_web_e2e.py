"""The desk web app end to end: `scamscope user add` and `scamscope serve` started as a person would
(a real uvicorn server on 127.0.0.1, a temporary SQLite file), driven in real headless Chromium."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.guard_support import headless_chromium

ROOT = Path(__file__).resolve().parent.parent
SCAM_PAGE = ROOT / "examples" / "fake-warning-ja.html"
BENIGN_PAGE = ROOT / "examples" / "ordinary-ja.html"
PASSWORD = "e2e password 123"


def desk_today() -> str:
    """Today where the desk is (`scamscope serve --tz`, default Asia/Tokyo)."""
    return datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("desk")
    db = str(tmp / "desk.sqlite3")
    cmd = [sys.executable, "-m", "scamscope"]
    added = subprocess.run([*cmd, "user", "add", "alice", "--db", db, "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    port = free_port()
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen([*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db], stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer /healthz in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown: the app's lifespan stops the scan workers
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
    server_log = (tmp / "server.log").read_text()
    assert "Traceback" not in server_log, server_log
    assert "Application shutdown complete" in server_log


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with headless_chromium(["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]) as b:
        yield b


def test_desk_in_a_real_browser(server: str, browser: object) -> None:
    context = browser.new_context(locale="en-US")  # type: ignore[attr-defined]  (Japanese pages: test_web_i18n.py)
    page = context.new_page()
    problems: list[str] = []
    # CSP violations and failed loads land here; the refused login (401) is the one expected
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "status of 401" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_default_timeout(30_000)

    # personal data needs a login
    page.goto(f"{server}/cases")
    assert "/login?next=/cases" in page.url
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong user name or password" in page.inner_text("#error-message")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/cases")

    # a scam page and an ordinary page: scanned in the background, the status page follows along
    verdicts = {}
    for path in (SCAM_PAGE, BENIGN_PAGE):
        page.goto(f"{server}/scans/new")
        page.set_input_files("input[name=page_file]", str(path))
        page.click("form.scan-form button[type=submit]")
        page.wait_for_selector("#verdict", timeout=60_000)
        verdicts[path.name] = page.get_attribute("#verdict", "data-verdict")
        if path == SCAM_PAGE:
            phones = page.inner_text("#phones")
            assert "+18445550142" in phones and "jp_international_disguised" in phones
            scam_url = page.url
    assert verdicts == {SCAM_PAGE.name: "scam", BENIGN_PAGE.name: "benign"}

    # a case for the consultation, with the scam scan linked
    page.goto(f"{server}/cases/new")
    assert page.input_value("input[name=opened_on]") == desk_today()
    page.select_option("select[name=channel]", "phone")
    page.check("input[name=category][value=remote_access]")
    page.fill("input[name=caller_name]", "試験 花子")
    page.fill("textarea[name=notes]", "警告画面の番号に電話し、遠隔操作ソフトを入れた")
    page.click("form.case-form button[type=submit]")
    page.wait_for_selector("#case-facts")
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[1]
    assert "試験 花子" in page.inner_text("#case-facts")
    page.select_option("select[name=scan_id]", scam_url.rsplit("/", 1)[1])
    page.click("form[action$='/scans'] button[type=submit]")
    page.wait_for_selector("#case-scans")
    assert "scam" in page.inner_text("#case-scans")

    # the advice wizard, in Japanese, started from the case
    page.click("#case-advice-wizard")
    page.click("#start-ja")
    answers = {"on_screen": "no", "called": "yes", "installed": "remote_tool", "remote_control": "yes", "paid": "card", "personal_data": "unknown", "passwords": "yes"}
    for _ in answers:
        qid = page.get_attribute("#question", "data-question")
        page.check(f"input[name={qid}][value={answers[qid]}]")
        page.click("#next")
    page.wait_for_selector("#steps")
    steps = page.locator("#steps > li").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps.index("preserve_evidence") < steps.index("uninstall")  # evidence before uninstalling
    assert "card" in steps and "close_screen" not in steps
    assert "188" in page.inner_text("#contacts")
    # printable: the print style sheet hides the navigation and the staff form
    page.emulate_media(media="print")
    assert not page.is_visible("header.top") and not page.is_visible("#attach") and page.is_visible("#steps")
    page.emulate_media(media="screen")
    assert page.input_value("#attach-case") == case_id
    page.click("#attach button[type=submit]")
    page.wait_for_url(case_url)
    page.click("#case-advice a")
    page.wait_for_selector("#steps")
    assert page.locator("#steps > li[data-step=preserve_evidence]").count() == 1

    # trends: this month's remote-access consultation, in the table and the chart
    page.goto(f"{server}/trends")
    month = desk_today()[:7]
    assert page.inner_text(f"tr[data-month='{month}'] td[data-category=remote_access]") == "1"
    assert page.locator(f"#case-chart rect[data-month='{month}'][data-series=remote_access][data-count='1']").count() == 1
    assert "+18445550142" in page.inner_text("#top-phones")

    assert problems == [], problems
    context.close()
