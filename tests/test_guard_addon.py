"""The guard's mitmproxy addon hook by hook, on real mitmproxy flow objects (``mitmproxy.test.tflow``)
and the real detector: what is scored and what streams, failures of scoring, sizes at the limit,
and the watcher's report endpoint under abuse. Self-contained."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from mitmproxy import http
from mitmproxy.test import tflow

from scamscope.guard.addon import MAX_REPORT_BYTES, REPORT_PATH, REPORTS_PER_MINUTE, GuardOptions, InPathGuard
from scamscope.guard.blocklist import BlockList
from scamscope.guard.decisions import DecisionLog
from scamscope.scan import scan_bytes
from scamscope.types import ScanResult

SCAM = (
    b"<!DOCTYPE html><html lang=ja><head><title>Windows Defender</title></head><body style=cursor:none>"
    b"<p>Your computer is infected with a Trojan. Do not close this page. Call Microsoft support now: 0101-888-555-0199</p></body></html>"
)
PLAIN = b"<!DOCTYPE html><html><body><p>Opening hours 9-17.</p></body></html>"
UNCERTAIN = b"<!DOCTYPE html><html lang=en><head><title>Security alert</title></head><body><p>Your computer may be infected. Click OK to continue.</p></body></html>"
NAV = {"accept": "text/html", "sec-fetch-dest": "document", "sec-fetch-mode": "navigate"}


def real_scorer(body: bytes, url: str, budget_s: float) -> ScanResult:
    return scan_bytes(body, url)


def make(tmp_path: Path, scorer: Any = real_scorer, **options: Any) -> tuple[InPathGuard, Path]:
    log = tmp_path / "d.jsonl"
    guard = InPathGuard(GuardOptions(**options), BlockList([]), DecisionLog(str(log)), scorer, workers=1)
    return guard, log


def entries(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def flow(body: bytes = PLAIN, ctype: str | None = "text/html", req_headers: dict[str, str] | None = None, method: str = "GET", status: int = 200, url: str = "http://shop.test/p.html") -> http.HTTPFlow:
    f = tflow.tflow(resp=True)
    f.request.method = method
    f.request.url = url
    f.request.headers.clear()
    for k, v in (NAV if req_headers is None else req_headers).items():
        f.request.headers[k] = v
    f.response = http.Response.make(status, body, {"content-type": ctype} if ctype else {})
    return f


def run(guard: InPathGuard, f: http.HTTPFlow) -> http.HTTPFlow:
    guard.requestheaders(f)
    if f.response is not None and f.response.headers.get("x-scamscope-guard"):
        return f
    guard.responseheaders(f)
    asyncio.run(guard.response(f))  # mitmproxy calls it for streamed responses too, once they have passed
    return f


def test_verdicts_become_actions(tmp_path: Path) -> None:
    guard, log = make(tmp_path)
    assert run(guard, flow(SCAM)).response.status_code == 403  # type: ignore[union-attr]
    assert run(guard, flow(PLAIN)).response.content == PLAIN  # type: ignore[union-attr]
    watched = run(guard, flow(UNCERTAIN)).response
    assert watched.headers["x-scamscope-guard"] == "watched" and b"data-scamscope-guard-watch" in watched.content  # type: ignore[union-attr]
    assert [e["action"] for e in entries(log)] == ["block", "pass", "inject"]


@pytest.mark.parametrize(
    ("body", "ctype", "headers", "method", "status"),
    [
        (SCAM, "image/png", NAV, "GET", 200),  # not HTML
        (SCAM, "text/html", {"accept": "*/*", "sec-fetch-dest": "empty", "sec-fetch-mode": "cors"}, "GET", 200),  # fetch/XHR data
        (SCAM, "text/html", {"accept": "*/*", "sec-fetch-dest": "script"}, "GET", 200),
        (SCAM, "text/html", NAV, "HEAD", 200),
        (b"", "text/html", NAV, "GET", 304),
        (SCAM, "application/json", NAV, "GET", 200),
    ],
)
def test_what_streams_untouched(tmp_path: Path, body: bytes, ctype: str, headers: dict[str, str], method: str, status: int) -> None:
    guard, log = make(tmp_path)
    f = run(guard, flow(body, ctype, headers, method, status))
    assert f.response.stream is True and f.response.content == body  # type: ignore[union-attr]
    assert entries(log) == []


def test_html_without_content_type_is_scored(tmp_path: Path) -> None:
    guard, log = make(tmp_path)
    assert run(guard, flow(SCAM, None)).response.status_code == 403  # type: ignore[union-attr]


def _raises(body: bytes, url: str, budget_s: float) -> ScanResult:
    raise RuntimeError("the scorer broke")


def _errors(body: bytes, url: str, budget_s: float) -> ScanResult:
    return ScanResult(input=url, verdict=None, score=None, language=None, error="the analysis worker died (exit code -9)")


@pytest.mark.parametrize("scorer", [_raises, _errors])
def test_scoring_failure_fails_open(tmp_path: Path, scorer: Any) -> None:
    guard, log = make(tmp_path, scorer)
    f = run(guard, flow(SCAM))
    assert f.response.status_code == 200 and f.response.content == SCAM  # type: ignore[union-attr]
    (entry,) = entries(log)
    assert entry["action"] == "pass" and entry["fail"] == "open" and ("broke" in entry["error"] or "died" in entry["error"])


@pytest.mark.parametrize("scorer", [_raises, _errors])
def test_scoring_failure_fails_closed(tmp_path: Path, scorer: Any) -> None:
    guard, log = make(tmp_path, scorer, fail="closed")
    f = run(guard, flow(PLAIN))
    assert f.response.status_code == 403 and b"scamscope-guard" in f.response.content  # type: ignore[union-attr]
    assert entries(log)[0]["action"] == "block"


def test_size_limit(tmp_path: Path) -> None:
    limit = 10_000
    guard, log = make(tmp_path, max_html_bytes=limit)
    at_limit = SCAM + b" " * (limit - len(SCAM))
    assert run(guard, flow(at_limit)).response.status_code == 403  # type: ignore[union-attr]
    over = at_limit + b" "
    f = run(guard, flow(over))
    assert f.response.stream is True  # type: ignore[union-attr]  # too large: streamed (fail open), logged
    assert entries(log)[-1]["action"] == "pass" and "larger than" in entries(log)[-1]["error"]
    guard, log = make(tmp_path, max_html_bytes=limit, fail="closed")
    f = run(guard, flow(over))
    assert f.response.status_code == 403  # type: ignore[union-attr]


def test_xhtml_is_not_injected(tmp_path: Path) -> None:
    guard, log = make(tmp_path)
    f = run(guard, flow(UNCERTAIN, "application/xhtml+xml"))
    assert f.response.content == UNCERTAIN  # type: ignore[union-attr]
    assert entries(log)[-1]["action"] == "pass" and "XHTML" in entries(log)[-1]["error"]


# --- the report endpoint -------------------------------------------------------------------------------------


def report(guard: InPathGuard, body: bytes, origin: str = "https://kit.test", client: str = "10.0.0.9") -> http.HTTPFlow:
    f = tflow.tflow()
    f.request.method = "POST"
    f.request.url = origin + REPORT_PATH
    f.request.headers["content-type"] = "application/json"
    f.request.headers["content-length"] = str(len(body))
    f.request.content = body
    f.client_conn.peername = (client, 5000)
    guard.requestheaders(f)
    if f.response is None:
        guard.request(f)
    return f


def test_report_endpoint(tmp_path: Path) -> None:
    guard, log = make(tmp_path)
    good = {"token": guard.token("https://kit.test"), "url": "https://kit.test/lock.html?x=1", "reasons": ["fullscreen+keyboard_lock"], "phones": ["0101-888-555-0199"], "title": "t"}
    assert report(guard, json.dumps(good).encode()).response.status_code == 204  # type: ignore[union-attr]
    assert guard.blocklist.match("https://kit.test/lock.html?x=1").kind == "reported"  # type: ignore[union-attr]
    # a page speaks only for its own origin
    other = {**good, "url": "https://bank.test/"}
    assert report(guard, json.dumps(other).encode()).response.status_code == 204  # type: ignore[union-attr]
    assert guard.blocklist.match("https://bank.test/") is None
    assert entries(log)[-1]["url"] == "https://kit.test/"
    assert report(guard, b"{not json").response.status_code == 400  # type: ignore[union-attr]
    assert report(guard, b"[]").response.status_code == 400  # type: ignore[union-attr]
    assert report(guard, json.dumps({**good, "token": "x"}).encode()).response.status_code == 403  # type: ignore[union-attr]
    assert report(guard, b"{" + b" " * MAX_REPORT_BYTES + b"}").response.status_code == 413  # type: ignore[union-attr]
    f = tflow.tflow()
    f.request.method, f.request.url = "POST", "https://kit.test" + REPORT_PATH
    for name, value in (("content-length", "12abc"), ("transfer-encoding", "chunked")):
        f.request.headers.clear()
        f.request.headers[name] = value
        f.response = None
        guard.requestheaders(f)
        assert f.response is not None and f.response.status_code == 411
    assert [e["action"] for e in entries(log)] == ["replaced", "replaced", "report_rejected"]


def test_report_flood_is_limited_per_client(tmp_path: Path) -> None:
    guard, log = make(tmp_path)
    body = json.dumps({"token": "wrong"}).encode()
    codes = [report(guard, body).response.status_code for _ in range(REPORTS_PER_MINUTE + 5)]  # type: ignore[union-attr]
    assert codes[:REPORTS_PER_MINUTE] == [403] * REPORTS_PER_MINUTE and set(codes[REPORTS_PER_MINUTE:]) == {429}
    assert report(guard, body, client="10.0.0.10").response.status_code == 403  # type: ignore[union-attr]
    assert len(entries(log)) == REPORTS_PER_MINUTE + 1  # the flood does not flood the log


def test_reserved_paths_never_leave_the_guard(tmp_path: Path) -> None:
    guard, _ = make(tmp_path)
    for method, path in (("GET", REPORT_PATH), ("GET", "/__scamscope_guard__/x"), ("PUT", REPORT_PATH)):
        f = tflow.tflow()
        f.request.method = method
        f.request.url = "https://kit.test" + path
        guard.requestheaders(f)
        assert f.response is not None and f.response.status_code == 404


def test_a_benign_verdict_with_a_scare_claim_of_its_own_is_watched(tmp_path: Path) -> None:
    """Lock-in only shows when the page runs: a page whose text claims an infection is watched even
    when the text alone scores benign; quoting it (an awareness page) or naming a tool is not enough."""
    from scamscope.data import load
    from scamscope.guard.addon import scare_claim, scare_claims
    from scamscope.types import Evidence, ScanResult

    phrase_signals = {family["signal"] for family in load("phrases")["families"].values()}
    assert scare_claims() <= phrase_signals, scare_claims() - phrase_signals  # data/guard.toml names real signals

    def result(*weights: tuple[str, float]) -> ScanResult:
        return ScanResult(input="x", verdict="benign", score=0.1, language="en", evidence=[Evidence(s, "", weight=w) for s, w in weights])

    assert scare_claim(result(("text.infection_claim", 0.9)))
    assert not scare_claim(result(("text.infection_claim", 0.9), ("text.scam_awareness", -2.0)))  # a warning about scams
    assert not scare_claim(result(("text.quoted", 0.0)))
    assert not scare_claim(result(("text.remote_tool", 0.8), ("text.call_now", 0.5)))  # AnyDesk's own site, a shop
    guard, log = make(tmp_path)
    quoted = b"<html lang=en><head><title>Fake alerts</title></head><body><blockquote>Your computer is infected</blockquote><p>Such messages are fake. Do not call.</p></body></html>"
    assert run(guard, flow(quoted)).response.content == quoted  # type: ignore[union-attr]
    assert entries(log)[-1]["action"] == "pass"
