"""Sharing from the desk (scamscope/web/routes/share.py): the campaign list and page with its
timeline, exports for admins (STIX 2.1 validated, MISP loaded back, CSV; audited; staff refused)
and report drafts, in Japanese and English. Real SQLite desk, real detector, FastAPI's client."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from scamscope.scan import scan_html
from scamscope.web.auth import add_user
from scamscope.web.db import transaction
from scamscope.web.models import AuditEntry, Case, CaseScan, Scan
from tests.test_web_api import PASSWORD, login_token, make_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

KIT = """<html lang="ja"><head><title>Windows Defender - セキュリティ警告</title></head><body style="cursor:none">
<p>お使いのPCはウイルスに感染しています。トロイの木馬が検出されました。今すぐサポートに電話してください: {number}</p></body></html>"""
SHOP = "<html><body><p>Opening hours 9-17. Call us: 03-5555-0100</p></body></html>"
PAGES = [  # (url, html, day)
    ("https://kit-a.web.core.windows.net/index.html", KIT.format(number="0101-888-555-0199"), 1),
    ("https://kit-b.web.core.windows.net/index.html", KIT.format(number="0101-888-555-0199"), 3),
    ("https://lone-kit.example/warn", KIT.format(number="050-5555-0123"), 4),
    ("https://shop.example/", SHOP, 2),
]


def _seed(app: FastAPI) -> None:
    with transaction(app.state.db) as db:
        add_user(db, "sam", PASSWORD, "staff")
        ids = []
        for url, html, day in PAGES:
            result = scan_html(html, url=url, input_name=url).to_dict()
            when = datetime(2026, 11, day, 9, 0)
            scan = Scan(kind="url", target=url, status="done", verdict=result["verdict"], score=result["score"], result=result, created_at=when, started_at=when, finished_at=when)
            db.add(scan)
            db.flush()
            ids.append(scan.id)
        case = Case(opened_on=datetime(2026, 11, 1).date(), channel="phone", category="fake_warning")
        db.add(case)
        db.flush()
        db.add(CaseScan(case_id=case.id, scan_id=ids[0]))


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[FastAPI]:
    app = make_app(tmp_path)  # alice: the first account, an admin
    _seed(app)
    yield app


def _client(app: FastAPI, user: str, lang: str) -> TestClient:
    c = TestClient(app, headers={"Accept-Language": lang}, raise_server_exceptions=False, follow_redirects=False)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": login_token(c), "next": "/campaigns"})
    assert r.status_code == 303, r.text
    return c


def test_campaign_list_and_page(desk: FastAPI) -> None:
    with _client(desk, "sam", "en") as c:
        page = c.get("/campaigns")
        assert page.status_code == 200
        ids = re.findall(r'href="/campaigns/(C-[0-9a-f]{10})', page.text)
        assert len(ids) == 1  # the two buckets sharing a number; the lone kit is a campaign of one, not listed
        assert "1 campaign among 3 of 4 scans" in page.text
        assert "export-stix" not in page.text  # staff: no export links
        detail = c.get(f"/campaigns/{ids[0]}")
        assert detail.status_code == 200
        assert "+18885550199" in detail.text and "kit-a.web.core.windows.net" in detail.text and "kit-b.web.core.windows.net" in detail.text
        assert "2026-11-01T09:00:00Z" in detail.text and "2026-11-03T09:00:00Z" in detail.text
        svg = re.search(r'<figure id="campaign-chart">(.*?)</figure>', detail.text, re.S).group(1)  # type: ignore[union-attr]
        assert svg.startswith("<svg") and len(re.findall(r'data-count="1"', svg)) == 2  # one scan on 1 Nov, one on 3 Nov
        assert 'href="/cases/1"' in detail.text
        assert "shop.example" not in detail.text
        assert c.get("/campaigns/C-0000000000").status_code == 404
        assert c.get("/campaigns?min_verdict=everything").status_code == 400


def test_pages_in_japanese(desk: FastAPI) -> None:
    with _client(desk, "alice", "ja") as c:
        page = c.get("/campaigns")
        assert "キャンペーン" in page.text and "Campaigns" not in page.text.split("<main", 1)[1]
        cid = re.search(r'href="/campaigns/(C-[0-9a-f]{10})', page.text).group(1)  # type: ignore[union-attr]
        detail = c.get(f"/campaigns/{cid}")
        main = detail.text.split("<main", 1)[1]
        for english in ("Timeline", "Phone numbers", "Why these scans", "Draft a report", "Export this campaign"):
            assert english not in main, english
        assert "通報文の下書き" in main and "時系列" in main
        draft = c.get("/drafts")
        assert "通報文の下書き" in draft.text and "Report draft" not in draft.text.split("<main", 1)[1]


def test_exports_for_admins_only_and_audited(desk: FastAPI) -> None:
    from pymisp import MISPEvent
    from stix2validator import ValidationOptions, validate_string

    with _client(desk, "sam", "en") as staff:
        assert staff.get("/export?format=csv").status_code == 403
    with _client(desk, "alice", "en") as c:
        page = c.get("/campaigns")
        cid = re.search(r'href="/campaigns/(C-[0-9a-f]{10})', page.text).group(1)  # type: ignore[union-attr]
        assert 'id="export-stix"' in page.text
        stix = c.get("/export?format=stix2&tlp=green")
        assert stix.status_code == 200 and "attachment" in stix.headers["content-disposition"]
        assert validate_string(stix.text, ValidationOptions(version="2.1")).is_valid
        assert "+18885550199" in stix.text and "+81355550100" not in stix.text  # the shop's own number: benign
        misp = c.get(f"/export?format=misp&campaign={cid}")
        event = MISPEvent()
        event.load(misp.text)
        values = {a.value for a in event.attributes}
        assert "+18885550199" in values and "https://kit-a.web.core.windows.net/index.html" in values
        assert not any("lone-kit" in v for v in values)  # another campaign's
        assert f'scamscope:kit-family="scamscope campaign {cid}"' in {t.name for t in event.tags}
        csv_text = c.get("/export?format=csv&min_verdict=suspicious").content.decode("utf-8")
        assert csv_text.startswith("\ufeff") and "lone-kit.example" in csv_text
        assert c.get("/export?format=pdf").status_code == 400
        assert c.get("/export?format=csv&since=yesterday").status_code == 400
        assert c.get("/export?format=csv&campaign=C-0000000000").status_code == 404
    with desk.state.db() as db:
        details = [a.detail for a in db.scalars(select(AuditEntry).where(AuditEntry.action == "export"))]
    assert any("stix2 of" in d and "TLP green" in d for d in details) and any(f"campaign {cid}" in d for d in details)


def test_report_drafts(desk: FastAPI) -> None:
    with _client(desk, "sam", "en") as c:
        done = c.get("/drafts?kind=domain&value=kit-a.web.core.windows.net&lang=en")
        text = re.search(r'<textarea id="draft-text"[^>]*>(.*?)</textarea>', done.text, re.S).group(1)  # type: ignore[union-attr]
        assert "kit-a.web.core.windows.net" in text and "2026-11-01" in text
        phone = c.get("/drafts?kind=phone&value=%2B18885550199&lang=both")
        assert "draft-text" in phone.text and "国際電話" in phone.text
        refused = c.get("/drafts?kind=phone&value=03-5555-0100")  # only on the shop's benign page
        assert 'id="draft-error"' in refused.text and "draft-text" not in refused.text
        brand = c.get("/drafts?kind=domain&value=microsoft.com")
        assert 'id="draft-error"' in brand.text
        assert c.get("/drafts?kind=rocket&value=x").status_code == 400
        hostile = c.get("/drafts?kind=domain&value=%3Cscript%3Ealert(1)%3C/script%3E")
        assert "<script>alert(1)" not in hostile.text


def test_share_needs_a_login(desk: FastAPI) -> None:
    with TestClient(desk, raise_server_exceptions=False, follow_redirects=False) as c:
        for path in ("/campaigns", "/export?format=csv", "/drafts"):
            assert c.get(path).status_code in (302, 303, 401), path
