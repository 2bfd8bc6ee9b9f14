"""Campaigns (scamscope.exchange.campaigns, `scamscope campaigns`) built from real scan output of
corpus pages, with URLs and scan times assigned here."""

from __future__ import annotations

import functools
import io
import json
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from scamscope.exchange.campaigns import build_campaigns, hosting_tenant, path_shape, record_keys
from scamscope.exchange.sources import load, record_from_result
from scamscope.report.jsonl import write_result
from scamscope.scan import scan_bytes
from tests.conftest import CORPUS, corpus_file, require_shared

ROOT = Path(__file__).resolve().parent.parent

BUCKET = "https://kitbucket01.z13.web.core.windows.net"
# (corpus file, URL given to the scan, scanned_at)
PAGES: list[tuple[str, str, str]] = [
    # one family (tapa-fakescan-en) served from one storage bucket: one campaign by the bucket host
    ("352_en-at-kefuchberodnde-security-center-43.html", f"{BUCKET}/a1/index.html", "2026-03-01T10:00:00Z"),
    ("366_en-swan-security-center-855-343.html", f"{BUCKET}/b7/index.html", "2026-03-03T09:30:00Z"),
    ("369_en-window-defense-scanning-now-833-203.html", f"{BUCKET}/c2/index.html", "2026-03-05T18:00:00Z"),
    # another tenant of the same platform, another family: not in the bucket's campaign
    ("383_en-27june-get-help-desk-01u2e1-855-657.html", "https://otherstore77.z22.web.core.windows.net/index.html", "2026-03-02T08:00:00Z"),
    # two families that show the same number (+81 50-5479-7668): one campaign by the phone
    ("331_jp-jprncrousel-blk-muryo-porno-video.html", "https://free-videos-jp.example/watch", "2026-02-10T12:00:00Z"),
    ("322_jp-jpworkingaudio-free-porn-bllk.html", "https://working-audio.example/p/1", "2026-02-20T12:00:00Z"),
    # two unrelated scam pages carrying a number that a benign page shows too: no link by it
    ("342_jp-naresh-v2-helpdesk-01jp21-16jpsy7.html", "https://naresh-help.example/?phone=042-484-2626", "2026-01-05T00:00:00Z"),
    ("304_jp-interesting-security-center-0101-505.html", "https://interesting-sec.example/index.php?phone=0424842626", "2026-01-06T00:00:00Z"),
    ("111_ja-chofu-hospital-contact-phone.html", "https://chofu-hospital.example/contact", "2026-01-07T00:00:00Z"),
    # benign pages of one site: never in a campaign
    ("112_ja-grouphome-sapporo-access.html", "https://grouphome.example/access", "2026-01-08T00:00:00Z"),
    ("129_ja-kitakyushu-buppan-gaiyou-tel.html", "https://grouphome.example/about", "2026-01-09T00:00:00Z"),
    # one operator's domain with two hosts: one campaign by the registrable domain
    ("391_en-pphost-support-helpdesk-866-451.html", "https://support.pphost-helpdesk.com/help", "2026-04-01T00:00:00Z"),
    ("358_de-mahasagas-helpdesk-01u2e1-030.html", "https://de.pphost-helpdesk.com/hilfe", "2026-04-09T00:00:00Z"),
]


@functools.cache
def scan_lines() -> tuple[str, ...]:
    """JSON lines of real scans (``scan --json`` format), scanned once per test session."""
    require_shared(CORPUS / "MANIFEST.tsv")
    out = []
    for name, url, when in PAGES:
        buf = io.StringIO()
        write_result(buf, scan_bytes(corpus_file(name).read_bytes(), url=url, input_name=name))
        obj = json.loads(buf.getvalue())
        obj["scanned_at"] = when  # when the page was seen, for first/last seen
        out.append(json.dumps(obj, ensure_ascii=False))
    return tuple(out)


def write_source(path: Path, lines: list[str] | tuple[str, ...]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_url(campaigns: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {m.url: c.id for c in campaigns for m in c.members}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_source(tmp_path / "scans.jsonl", scan_lines())


def test_scans_are_real_and_as_expected(source: Path) -> None:
    recs = load(str(source)).records
    verdicts = {r.input: r.verdict for r in recs}
    assert all(verdicts[n] == "scam" for n, _, _ in PAGES if not n.startswith("1"))
    assert all(verdicts[n] == "benign" for n in ("111_ja-chofu-hospital-contact-phone.html", "112_ja-grouphome-sapporo-access.html", "129_ja-kitakyushu-buppan-gaiyou-tel.html"))
    assert all(r.fingerprints.get("version") == 1 for r in recs)
    assert all(r.time_source == "record" for r in recs)


def test_campaigns_from_corpus_scans(source: Path) -> None:
    campaigns = build_campaigns(load(str(source)).records)
    where = by_url(campaigns)
    # the bucket
    bucket = {where.get(f"{BUCKET}/{p}/index.html") for p in ("a1", "b7", "c2")}
    assert len(bucket) == 1 and None not in bucket
    camp = next(c for c in campaigns if c.id in bucket)
    doc = camp.to_dict()
    assert "hosting:kitbucket01.z13.web.core.windows.net" in {link["key"] for link in doc["links"]}
    assert doc["first_seen"] == "2026-03-01T10:00:00Z" and doc["last_seen"] == "2026-03-05T18:00:00Z"
    assert any(d["domain"] == "kitbucket01.z13.web.core.windows.net" and d["hosting"] == "Azure Storage static website" for d in doc["domains"])
    # the other tenant of the platform is not swallowed by the bucket's campaign
    assert where.get("https://otherstore77.z22.web.core.windows.net/index.html") not in bucket
    assert not any(link["key"].startswith("domain:") and "windows.net" in link["key"] for c in campaigns for link in c.to_dict()["links"])
    # the shared number links two families
    a, b = where.get("https://free-videos-jp.example/watch"), where.get("https://working-audio.example/p/1")
    assert a is not None and a == b
    phone_doc = next(c for c in campaigns if c.id == a).to_dict()
    assert "phone:+815054797668" in {link["key"] for link in phone_doc["links"]}
    entry = next(p for p in phone_doc["phones"] if p["e164"] == "+815054797668")
    assert entry["first_seen"] == "2026-02-10T12:00:00Z" and entry["last_seen"] == "2026-02-20T12:00:00Z" and entry["scans"] == 2
    # a number a benign page shows links nothing
    assert not any(link["key"] == "phone:+81424842626" for c in campaigns for link in c.to_dict()["links"])
    n1, n2 = where.get("https://naresh-help.example/?phone=042-484-2626"), where.get("https://interesting-sec.example/index.php?phone=0424842626")
    assert n1 is None or n1 != n2
    # one registrable domain, two hosts
    d1, d2 = where.get("https://support.pphost-helpdesk.com/help"), where.get("https://de.pphost-helpdesk.com/hilfe")
    assert d1 is not None and d1 == d2
    # benign pages are never members
    assert not any(u and ("grouphome.example" in u or "chofu-hospital" in u) for u in where)


def test_benign_never_in_a_campaign_even_with_all_and_suspicious(source: Path) -> None:
    campaigns = build_campaigns(load(str(source)).records, min_verdict="suspicious", include_singletons=True)
    assert all(m.verdict in ("scam", "suspicious") for c in campaigns for m in c.members)
    members = [m.url for c in campaigns for m in c.members]
    assert len(members) == len(set(members)) == sum(1 for n, _, _ in PAGES if not n.startswith("1"))


def test_stable_under_input_order(tmp_path: Path) -> None:
    lines = list(scan_lines())
    results = []
    rng = random.Random(13)
    for i in range(5):
        rng.shuffle(lines)
        campaigns = build_campaigns(load(str(write_source(tmp_path / f"s{i}.jsonl", lines))).records, include_singletons=True)
        results.append([(c.id, sorted(m.url for m in c.members), sorted(link["key"] for link in c.to_dict()["links"])) for c in campaigns])
    assert all(r == results[0] for r in results)
    assert len({c[0] for c in results[0]}) == len(results[0])
    assert all(c[0].startswith("C-") and len(c[0]) == 12 for c in results[0])


def test_since_filters(source: Path) -> None:
    campaigns = build_campaigns(load(str(source)).records, since=datetime(2026, 3, 2))
    urls = set(by_url(campaigns))
    assert f"{BUCKET}/a1/index.html" not in urls and f"{BUCKET}/b7/index.html" in urls
    assert "https://free-videos-jp.example/watch" not in urls


# --- key rules ------------------------------------------------------------------------------------


def _rec(urls: list[str], phones: list[dict] | None = None, fp: dict | None = None, verdict: str = "scam"):  # type: ignore[no-untyped-def,type-arg]
    result = {"input": urls[0] if urls else "x", "url": urls[0] if urls else None, "verdict": verdict, "score": 0.9, "phones": phones or [], "fingerprints": fp or {}}
    rec = record_from_result("t:1", result, datetime(2026, 1, 1), "record")
    rec.urls = urls
    return rec


def test_keys_skip_brands_local_and_platforms() -> None:
    k = record_keys(_rec(["https://www.microsoft.com/x", "http://127.0.0.1:8000/a", "http://192.168.1.5/", "http://localhost/x", "https://foo.pages.dev/index.html?phone=1"]), set())
    assert k.strong == {"hosting:foo.pages.dev"}
    assert k.weak == {"pattern:Cloudflare Pages|/index.html?phone="}


def test_hosting_tenants_and_shapes() -> None:
    assert hosting_tenant("acct.z13.web.core.windows.net", "/x") == "acct.z13.web.core.windows.net"
    assert hosting_tenant("storage.googleapis.com", "/bucket-1/a/index.html") == "storage.googleapis.com/bucket-1"
    assert hosting_tenant("s3.amazonaws.com", "/bkt/i.html") == "s3.amazonaws.com/bkt"
    assert hosting_tenant("bkt.s3.amazonaws.com", "/i.html") == "bkt.s3.amazonaws.com"
    assert hosting_tenant("sites.google.com", "/view/scamsite/home") == "sites.google.com/view/scamsite"
    assert hosting_tenant("example.com", "/") is None
    assert path_shape("https://a.web.core.windows.net/index.html?phone=0101&x=1") == "/index.html?phone=&x="
    assert path_shape("https://a.b/er0erydfd1/win32/3f9a7c0e2d1b4a5f6e7d8c9b0a1f2e3d/index.html") == "/er0erydfd0/win0/*/index.html"


def test_weak_keys_link_only_in_pairs() -> None:
    fp1 = {"title_hash": "t1", "dom_shape": "s1", "elements": 40}
    a = _rec(["https://a1.z1.web.core.windows.net/index.html?phone=1"], fp=fp1)
    b = _rec(["https://b2.z2.web.core.windows.net/index.html?phone=2"], fp={"title_hash": "t2", "dom_shape": "s2", "elements": 40})
    c = _rec(["https://c3.z3.web.core.windows.net/index.html?phone=3"], fp=fp1)
    for i, r in enumerate((a, b, c)):
        r.id = f"t:{i}"
        r.input = f"i{i}"
    campaigns = build_campaigns([a, b, c])
    assert len(campaigns) == 1 and {m.id for m in campaigns[0].members} == {"t:0", "t:2"}


def test_placeholder_and_benign_numbers_are_not_keys() -> None:
    k = record_keys(_rec([], phones=[{"e164": "+11234567890", "flags": ["placeholder"]}, {"e164": "+81300000000", "flags": []}, {"e164": "+18445550199", "flags": []}]), {"+81300000000"})
    assert k.strong == {"phone:+18445550199"}


# --- command line ---------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scamscope", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_cli_json_and_terminal(source: Path) -> None:
    proc = run("campaigns", str(source), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {"source", "min_verdict", "since", "records", "selected", "problems", "campaign_count", "campaigns"} <= set(doc)
    assert doc["records"] == len(PAGES) and doc["campaign_count"] == len(doc["campaigns"]) >= 3
    for c in doc["campaigns"]:
        assert {"id", "size", "first_seen", "last_seen", "verdicts", "members", "phones", "domains", "links"} <= set(c)
        assert c["size"] == len(c["members"]) >= 2 and c["links"]
        assert all({"id", "input", "url", "verdict", "score", "scanned_at"} <= set(m) for m in c["members"])
        assert all({"key", "kind", "value", "scans"} <= set(link) for link in c["links"])
        assert all({"e164", "first_seen", "last_seen", "scans"} <= set(p) for p in c["phones"])
        assert all({"domain", "hosting", "first_seen", "last_seen", "scans"} <= set(d) for d in c["domains"])
    sizes = [(-c["size"], c["first_seen"], c["id"]) for c in doc["campaigns"]]
    assert sizes == sorted(sizes)
    every = json.loads(run("campaigns", str(source), "--json", "--all", "--min-verdict", "suspicious").stdout)
    assert every["campaign_count"] > doc["campaign_count"]
    term = run("campaigns", str(source))
    assert term.returncode == 0 and doc["campaigns"][0]["id"] in term.stdout
    assert "kitbucket01.z13.web.core.windows.net" in term.stdout and "linked by" in term.stdout


def test_cli_bad_input(tmp_path: Path) -> None:
    for args in (["campaigns", str(tmp_path / "missing.jsonl")], ["campaigns", str(tmp_path), "--json"], ["campaigns", "x.jsonl", "--since", "yesterday"], ["campaigns", "x.jsonl", "--min-verdict", "benign"]):
        proc = run(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n[1]\n", encoding="utf-8")
    proc = run("campaigns", str(junk), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["problem_count"] == 2


def test_export_scoped_to_a_campaign(source: Path) -> None:
    """``scamscope export --campaign ID``: that campaign's indicators only, and still none that a
    benign page shows."""
    import csv as csv_module
    import io

    campaigns = build_campaigns(load(str(source)).records)
    bucket = by_url(campaigns)[f"{BUCKET}/a1/index.html"]
    done = run("export", "--format", "csv", "--campaign", bucket, str(source))
    assert done.returncode == 0, done.stderr
    rows = list(csv_module.DictReader(io.StringIO(done.stdout.lstrip("\ufeff"), newline="")))
    values = {r["value"] for r in rows}
    assert "kitbucket01.z13.web.core.windows.net" in values
    assert "+815054797668" not in values and not any("pphost-helpdesk" in v for v in values)  # other campaigns'
    assert "+81424842626" not in values
    everything = run("export", "--format", "csv", str(source))
    assert len(everything.stdout.splitlines()) > len(done.stdout.splitlines())
    missing = run("export", "--campaign", "C-0000000000", str(source))
    assert missing.returncode == 2 and "no such campaign" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
