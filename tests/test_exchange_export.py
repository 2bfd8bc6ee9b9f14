"""``scamscope export``: indicators of scam pages as STIX 2.1, MISP event JSON and CSV, from real
scanner output of the corpus (JSON Lines) and from a real desk database."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_string

from scamscope.exchange import csvout, misp, stix
from scamscope.exchange.export_cli import export_text, parse_since
from scamscope.exchange.indicators import Extraction, extract
from scamscope.exchange.sources import load
from scamscope.report.jsonl import write_result
from scamscope.scan import scan_bytes
from tests.conftest import CORPUS, ROOT, corpus_rows, require_shared

T0 = datetime(2026, 11, 1, 0, 0, 0)
SHARED_NUMBER = "+15057556579"  # shown by four tapa-fakescan-jp-505 / close-site kits
BENIGN_ALSO = "+18003836067"  # on kit 353 and on the printer company's own page below
SHARED_KITS = ("304_jp-interesting-security-center-0101-505.html", "306_jp-sonpati-system-security-0101-505-317.html",
               "309_jp-soulme-muryo-porno-close-site-0101-505.html", "310_jp-blueberry-security-center-0101-50575.html")
PRINTER_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Printers - About us</title></head><body>
<header><nav><a href="/">Home</a> <a href="/products">Products</a> <a href="/about">About us</a></nav></header>
<main><h1>About Acme Printers</h1>
<p>Acme Printers has made office printers and label printers in Springfield since 1987. Our team of forty people designs, builds and repairs every machine in our own workshop.</p>
<h2>Our products</h2><ul><li>LX-200 laser printer</li><li>Label printer P-10</li><li>Ink cartridges and paper</li></ul>
<h2>Company</h2><table><tr><th>Address</th><td>12 Main Street, Springfield</td></tr><tr><th>Sales office</th><td>800-383-6067</td></tr>
<tr><th>Opening hours</th><td>Monday to Friday, 9:00 to 17:00</td></tr></table>
</main><footer>&copy; 2026 Acme Printers Ltd</footer></body></html>"""
PRINTER_URL = "https://www.acme-printers.example/about"
SHA_EXE = "ab" * 32
EVIL_NAME = "=cmd|' /C calc'!A0.exe"
CRAFTED_HOSTS = {
    "redirect": "https://lp.scamkit-redirect.co.jp/go?id=7#top",
    "brand": "https://www.microsoft.com/ja-jp/windows",
    "loopback": "http://127.0.0.1:8080/x",
    "private": "http://10.0.0.5/kit/",
    "public_ip": "http://45.133.1.20/land.html",
    "bucket": "https://storage.googleapis.com/bucket-x9/kit.html",
    "benign_host": PRINTER_URL,
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "kit"


def _result(data: bytes, url: str, name: str) -> dict[str, Any]:
    buf = io.StringIO()
    write_result(buf, scan_bytes(data, url, input_name=name))
    return json.loads(buf.getvalue())


@dataclass
class Corpus:
    lines: list[dict[str, Any]]  # scan JSON objects, scanned_at set
    scam_files: list[str]
    benign_files: list[str]
    suspicious_url: str
    shared_times: list[datetime]  # scanned_at of the four kits showing SHARED_NUMBER
    storage_urls: list[str]

    def write(self, path: Path, order: list[int] | None = None) -> Path:
        idx = order if order is not None else list(range(len(self.lines)))
        path.write_text("".join(json.dumps(self.lines[i], ensure_ascii=False) + "\n" for i in idx), encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def corpus_scans() -> Corpus:
    require_shared(CORPUS / "MANIFEST.tsv")
    rows = corpus_rows()
    lines: list[dict[str, Any]] = []
    scam_files: list[str] = []
    benign_files: list[str] = []
    storage_urls: list[str] = []
    shared_times: list[datetime] = []
    suspicious_url = ""

    def add(result: dict[str, Any]) -> dict[str, Any]:
        when = T0 + timedelta(hours=len(lines))
        result["scanned_at"] = when.isoformat() + "Z"
        lines.append(result)
        return result

    wanted = [r for r in rows if r["label"] == "scam" and r["file"].startswith("3")]
    wanted.sort(key=lambda r: (r["file"] not in SHARED_KITS and not r["file"].startswith("353_"), r["file"]))
    for r in wanted:
        if len(scam_files) >= 30:
            break
        n = len(scam_files)
        url = f"https://kit{n:02d}.web.core.windows.net/index.html" if n % 6 == 5 else f"https://{_slug(r['family'])}.example/{_slug(r['file'])}/"
        res = _result((CORPUS / "scam" / r["file"]).read_bytes(), url, r["file"])
        if res["verdict"] != "scam":
            continue
        if n % 6 == 5:
            storage_urls.append(url)
        if n < 3:
            res["family"] = r["family"]  # as campaigns/fingerprints would record it
        add(res)
        scam_files.append(r["file"])
        if r["file"] in SHARED_KITS:
            shared_times.append(T0 + timedelta(hours=len(lines) - 1))
    for r in rows:
        if len(benign_files) >= 30:
            break
        if r["label"] != "benign":
            continue
        res = _result((CORPUS / "benign" / r["file"]).read_bytes(), f"https://{_slug(r['family'])}.example/{_slug(r['file'])}", r["file"])
        if res["verdict"] == "benign":
            add(res)
            benign_files.append(r["file"])
    printer = _result(PRINTER_PAGE, PRINTER_URL, "acme-about.html")
    assert printer["verdict"] == "benign" and [p["e164"] for p in printer["phones"]] == [BENIGN_ALSO]
    add(printer)
    for r in rows:  # a page the scanner is unsure about
        if r["label"] == "scam":
            url = f"https://unsure-{_slug(r['file'])}.example/"
            res = _result((CORPUS / "scam" / r["file"]).read_bytes(), url, r["file"])
            if res["verdict"] == "suspicious":
                add(res)
                suspicious_url = url
                break
    # a live scan of a kit that went through redirects, a brand's own site, loopback and private hosts, and downloaded a file
    first = next(line for line in lines if line["input"] == scam_files[-1])
    crafted = json.loads(json.dumps(first))
    crafted["input"] = crafted["url"] = CRAFTED_HOSTS["redirect"]
    crafted["live"] = {
        "redirects": [{"url": u} for k, u in CRAFTED_HOSTS.items() if k != "redirect"],
        "final_url": CRAFTED_HOSTS["public_ip"],
        "downloads": [{"name": EVIL_NAME, "sha256": SHA_EXE, "url": "http://45.133.1.20/support.exe", "size": 1234}],
    }
    crafted["phones"] = [*crafted["phones"], {"raw": "0120-000-111", "e164": "+81120000111", "region": "JP", "type": "toll_free", "flags": [], "where": "text",
                                              "explanation": "=HYPERLINK(\"http://evil.example\",\"call\")"}]
    crafted.pop("family", None)
    add(crafted)
    assert set(SHARED_KITS) <= set(scam_files) and any(f.startswith("353_") for f in scam_files)
    assert len(scam_files) >= 25 and len(benign_files) >= 25 and suspicious_url
    return Corpus(lines, scam_files, benign_files, suspicious_url, shared_times, storage_urls)


@pytest.fixture(scope="module")
def scans_path(corpus_scans: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_scans.write(tmp_path_factory.mktemp("export") / "scans.jsonl")


@pytest.fixture(scope="module")
def extraction(scans_path: Path) -> Extraction:
    return extract(load(str(scans_path)).records)


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _values(ex: Extraction, kind: str) -> set[str]:
    return {i.value for i in ex.indicators if i.type == kind}


# --- what is (never) exported -------------------------------------------------------------------


def test_indicators_from_real_scans(extraction: Extraction, corpus_scans: Corpus) -> None:
    urls, domains, phones = _values(extraction, "url"), _values(extraction, "domain"), _values(extraction, "phone")
    assert len(extraction.scans) == len(corpus_scans.scam_files) + 1
    assert len(phones) >= 20 and SHARED_NUMBER in phones
    assert set(corpus_scans.storage_urls) <= urls
    for u in corpus_scans.storage_urls:
        assert u.split("/")[2] in domains
    assert "https://lp.scamkit-redirect.co.jp/go?id=7" in urls  # fragment dropped
    assert {"lp.scamkit-redirect.co.jp", "scamkit-redirect.co.jp"} <= domains  # host and registrable domain
    assert _values(extraction, "ip") == {"45.133.1.20"}
    assert CRAFTED_HOSTS["public_ip"] in urls and CRAFTED_HOSTS["bucket"] in urls
    assert _values(extraction, "file") == {SHA_EXE}
    shared = next(i for i in extraction.indicators if i.value == SHARED_NUMBER)
    assert shared.count == 4 and len(shared.scan_ids) == 4
    assert (shared.first_seen, shared.last_seen) == (min(corpus_scans.shared_times), max(corpus_scans.shared_times))
    assert "jp_international_disguised" in shared.flags and "0101" in shared.explanation
    assert shared.verdicts == ["scam"]


def test_never_exported(extraction: Extraction, corpus_scans: Corpus) -> None:
    urls, domains, phones = _values(extraction, "url"), _values(extraction, "domain"), _values(extraction, "phone")
    everything = urls | domains | phones | _values(extraction, "ip")
    assert BENIGN_ALSO not in phones  # also on the printer company's own (benign) page
    for banned in ("microsoft.com", "www.microsoft.com", "windows.net", "core.windows.net", "web.core.windows.net",
                   "storage.googleapis.com", "googleapis.com", "127.0.0.1", "10.0.0.5", "www.acme-printers.example", "acme-printers.example"):
        assert banned not in everything, banned
    assert not any(re.match(r"https?://(www\.microsoft\.com|127\.|10\.|www\.acme-printers)", u) for u in urls), urls
    assert corpus_scans.suspicious_url not in urls
    benign_hosts = {line["url"].split("/")[2] for line in corpus_scans.lines if line["verdict"] == "benign"}
    benign_phones = {p["e164"] for line in corpus_scans.lines if line["verdict"] == "benign" for p in line["phones"] if p.get("e164")}
    assert not (benign_hosts & domains) and not (benign_phones & phones)
    assert extraction.withheld.get("seen on a benign page", 0) >= 2


def test_min_verdict_suspicious_and_since(scans_path: Path, corpus_scans: Corpus) -> None:
    records = load(str(scans_path)).records
    wide = extract(records, min_verdict="suspicious")
    assert corpus_scans.suspicious_url in _values(wide, "url")
    assert "suspicious" in next(i for i in wide.indicators if i.value == corpus_scans.suspicious_url).verdicts
    since = T0 + timedelta(hours=10)
    later = extract(records, since=since)
    assert later.scans and all(r.scanned_at >= since for r in later.scans)
    assert all(i.first_seen >= since for i in later.indicators)
    assert BENIGN_ALSO not in _values(later, "phone")  # benign pages count whatever --since says
    assert parse_since("2026-11-01") == T0
    assert parse_since("2026-11-01T09:00:00+09:00") == T0
    assert parse_since("2026-11-01T00:00:00Z") == T0


# --- STIX 2.1 -----------------------------------------------------------------------------------


def test_stix_bundle_validates_and_has_everything(extraction: Extraction, corpus_scans: Corpus) -> None:
    text = stix.render(extraction, tlp="green")
    results = validate_string(text, ValidationOptions(version="2.1"))
    assert results.is_valid and not results.errors
    errors, warnings = stix.validate(json.loads(text))
    assert errors == [] and warnings == []  # only the expected custom-SCO ones are filtered
    objs = json.loads(text)["objects"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for o in objs:
        by_type.setdefault(o["type"], []).append(o)
    patterns = {o["pattern"] for o in by_type["indicator"]}
    assert all(o["pattern_type"] == "stix" and o["indicator_types"] == ["malicious-activity"] and o["valid_from"] and o["name"] and o["description"] for o in by_type["indicator"])
    assert f"[url:value = '{corpus_scans.storage_urls[0]}']" in patterns
    assert f"[domain-name:value = '{corpus_scans.storage_urls[0].split('/')[2]}']" in patterns
    assert f"[x-scamscope-phone-number:value = '{SHARED_NUMBER}']" in patterns
    assert "[ipv4-addr:value = '45.133.1.20']" in patterns and f"[file:hashes.'SHA-256' = '{SHA_EXE}']" in patterns
    assert not any(re.search(r"microsoft\.com|= '(web\.|core\.)*windows\.net'|" + re.escape(BENIGN_ALSO), p) for p in patterns)
    # the phone number custom SCO, declared by an extension-definition
    (ext,) = by_type["extension-definition"]
    assert ext["extension_types"] == ["new-sco"] and ext["id"] == stix.PHONE_EXTENSION
    phones = {o["value"]: o for o in by_type[stix.PHONE_TYPE]}
    assert SHARED_NUMBER in phones and BENIGN_ALSO not in phones
    shared = phones[SHARED_NUMBER]
    assert shared["extensions"] == {stix.PHONE_EXTENSION: {"extension_type": "new-sco"}}
    assert "jp_international_disguised" in shared["flags"] and shared["region"] == "US"
    assert re.fullmatch(r"x-scamscope-phone-number--[0-9a-f-]{14}5[0-9a-f-]{21}", shared["id"])  # UUIDv5
    # infrastructure, relationships
    (infra,) = by_type["infrastructure"]
    assert infra["infrastructure_types"] == ["phishing"]
    rels = by_type["relationship"]
    indicates = {r["source_ref"] for r in rels if r["relationship_type"] == "indicates" and r["target_ref"] == infra["id"]}
    assert indicates == {o["id"] for o in by_type["indicator"]}
    assert {r["target_ref"] for r in rels if r["relationship_type"] == "consists-of"} == {o["id"] for o in by_type[stix.PHONE_TYPE]}
    # sightings
    (identity,) = by_type["identity"]
    assert identity["name"] == "scamscope"
    sightings = {s["sighting_of_ref"]: s for s in by_type["sighting"]}
    assert set(sightings) == {o["id"] for o in by_type["indicator"]}
    phone_ind = next(o for o in by_type["indicator"] if SHARED_NUMBER in o["pattern"])
    s = sightings[phone_ind["id"]]
    assert s["count"] == 4 and s["created_by_ref"] == identity["id"]
    first, last = min(corpus_scans.shared_times), max(corpus_scans.shared_times)
    assert (_stamp(s["first_seen"]), _stamp(s["last_seen"])) == (first, last)
    assert "jp_international_disguised" in phone_ind["description"]
    # TLP 2.0 marking on everything but the marking itself
    (marking,) = by_type["marking-definition"]
    assert marking["id"] == stix.TLP2_IDS["green"] and marking["name"] == "TLP:GREEN"
    assert marking["extensions"][stix.TLP2_EXTENSION]["tlp_2_0"] == "green"
    assert all(o.get("object_marking_refs") == [marking["id"]] for o in objs if o["type"] != "marking-definition")


@pytest.mark.parametrize("level", ["clear", "amber"])
def test_stix_tlp_levels(extraction: Extraction, level: str) -> None:
    objs = json.loads(stix.render(extraction, tlp=level))["objects"]
    markings = [o for o in objs if o["type"] == "marking-definition"]
    assert [m["id"] for m in markings] == [stix.TLP2_IDS[level]] and markings[0]["name"] == f"TLP:{level.upper()}"
    assert all(stix.TLP2_IDS[level] in o.get("object_marking_refs", []) for o in objs if o["type"] == "indicator")


def test_stix_ids_deterministic_with_shuffled_input(corpus_scans: Corpus, tmp_path: Path) -> None:
    order = list(range(len(corpus_scans.lines)))
    random.Random(13).shuffle(order)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ex_a = extract(load(str(corpus_scans.write(tmp_path / "a" / "scans.jsonl"))).records)
    ex_b = extract(load(str(corpus_scans.write(tmp_path / "b" / "scans.jsonl", order))).records)
    a, b = json.loads(stix.render(ex_a)), json.loads(stix.render(ex_b))
    assert a["id"] == b["id"]
    assert sorted((o["id"], o.get("modified", "")) for o in a["objects"]) == sorted((o["id"], o.get("modified", "")) for o in b["objects"])
    misp_a, misp_b = json.loads(misp.render(ex_a))["Event"], json.loads(misp.render(ex_b))["Event"]
    assert misp_a["uuid"] == misp_b["uuid"]
    assert sorted(x["uuid"] for x in misp_a["Attribute"]) == sorted(x["uuid"] for x in misp_b["Attribute"])


def test_stix_empty_and_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = Extraction([], [])
    text = stix.render(empty, tlp="clear")
    assert validate_string(text, ValidationOptions(version="2.1")).is_valid
    assert {o["type"] for o in json.loads(text)["objects"]} == {"marking-definition", "identity"}
    monkeypatch.setattr(stix, "validate", lambda bundle: (["indicator--x: bad pattern"], []))
    with pytest.raises(stix.InvalidBundle, match="bad pattern"):
        stix.render(empty)


# --- MISP ---------------------------------------------------------------------------------------


def test_misp_event_round_trip(extraction: Extraction, corpus_scans: Corpus) -> None:
    text = misp.render(extraction, tlp="green")
    event = MISPEvent()
    event.load(text)
    attrs = {(a.type, a.value): a for a in event.attributes}
    assert len(attrs) == len(extraction.indicators)
    assert event.info.startswith(f"scamscope: tech support scam indicators ({len(extraction.scans)} scans, 2026-11-0")
    assert "tlp:green" in {t.name for t in event.tags}
    families = {t.name for t in event.tags if t.name.startswith("scamscope:kit-family=")}
    assert families and all(t.endswith('"') for t in families)
    assert int(event.threat_level_id) == 2 and int(event.analysis) == 2 and int(event.distribution) == 1
    phone = attrs[("phone-number", SHARED_NUMBER)]
    assert phone.to_ids is False and phone.category == "Financial fraud"
    assert "jp_international_disguised" in phone.comment and "4 scans" in phone.comment
    first, last = min(corpus_scans.shared_times), max(corpus_scans.shared_times)
    assert (phone.first_seen, phone.last_seen) == (first.replace(tzinfo=UTC), last.replace(tzinfo=UTC))
    assert 'scamscope:verdict="scam"' in {t.name for t in phone.tags}
    for kind, value in (("url", corpus_scans.storage_urls[0]), ("domain", corpus_scans.storage_urls[0].split("/")[2]), ("ip-dst", "45.133.1.20")):
        assert attrs[(kind, value)].to_ids is True
    assert attrs[("filename|sha256", f"{EVIL_NAME.replace('|', '_')}|{SHA_EXE}")].to_ids is True  # '|' separates the parts
    assert ("phone-number", BENIGN_ALSO) not in attrs and not any("microsoft.com" in v for _, v in attrs)
    # the same again gives the same event, and it serialises to the same attributes
    again = MISPEvent()
    again.load(json.dumps(json.loads(event.to_json())))
    assert {(a.type, a.value, a.uuid) for a in again.attributes} == {(a.type, a.value, a.uuid) for a in event.attributes}
    assert json.loads(misp.render(extraction, tlp="green"))["Event"]["uuid"] == event.uuid


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_bom_crlf_and_formula_escaping(extraction: Extraction) -> None:
    data = csvout.render(extraction).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    body = data[3:].decode("utf-8")
    assert body.count("\r\n") == len(extraction.indicators) + 1 and "\n" not in body.replace("\r\n", "")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert list(rows[0]) == list(csvout.COLUMNS)
    by_value = {r["value"]: r for r in rows}
    phone = by_value[SHARED_NUMBER]  # E.164 ('+' and digits only): nothing a spreadsheet can run, kept as it is
    assert phone["type"] == "phone" and phone["scans"] == "4" and "jp_international_disguised" in phone["flags"]
    assert phone["first_seen_utc"].endswith("Z") and len(phone["source_ids"].split(";")) == 4
    crafted = by_value["+81120000111"]
    assert crafted["explanation"].startswith("'=HYPERLINK(")
    assert by_value["'" + f"{EVIL_NAME.replace('|', '_')}|{SHA_EXE}"]["type"] == "file"
    for r in rows:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell[1:].isdigit(), cell
    assert csvout.cell("+15057556579") == "+15057556579" and csvout.cell("+1+1") == "'+1+1" and csvout.cell("-1+A1") == "'-1+A1"
    assert csvout.cell("@x") == "'@x" and csvout.cell("+１２") == "'+１２"  # full-width digits are not ASCII digits


# --- the desk's database ------------------------------------------------------------------------


def test_export_from_desk_database(corpus_scans: Corpus, tmp_path: Path) -> None:
    from scamscope.web.db import make_engine, migrate, session_factory
    from scamscope.web.models import Case, CaseScan, Scan

    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    shared = [line for line in corpus_scans.lines if line["input"] in SHARED_KITS][:2]
    printer = next(line for line in corpus_scans.lines if line["input"] == "acme-about.html")
    with session_factory(engine)() as db:
        for n, (line, verdict) in enumerate(((shared[0], "scam"), (shared[1], "scam"), (printer, "benign")), 1):
            result = {k: v for k, v in line.items() if k != "scanned_at"}
            db.add(Scan(id=n, kind="html", target=line["url"], status="done", verdict=verdict, score=line["score"], result=result,
                        finished_at=T0 + timedelta(days=n), sha256="0" * 64, size=1))
        db.add(Scan(id=4, kind="url", target="https://queued.example/", status="queued"))
        db.add(Case(id=7, opened_on=T0.date(), channel="phone", category="called"))
        db.flush()
        db.add(CaseScan(case_id=7, scan_id=2))
        db.commit()
    engine.dispose()
    data, notes = export_text(url, fmt="stix2", since=None, min_verdict="scam", tlp="amber")
    objs = json.loads(data)["objects"]
    phone_ind = next(o for o in objs if o["type"] == "indicator" and SHARED_NUMBER in o["pattern"])
    assert "Desk cases: #7" in phone_ind["description"] and "desk:1" in phone_ind["description"] and "desk:2" in phone_ind["description"]
    sighting = next(o for o in objs if o["type"] == "sighting" and o["sighting_of_ref"] == phone_ind["id"])
    assert sighting["count"] == 2 and sighting["first_seen"].startswith("2026-11-02") and sighting["last_seen"].startswith("2026-11-03")
    assert not any(BENIGN_ALSO in o.get("pattern", "") for o in objs)
    assert any("2 scam scans of 3" in n for n in notes)
    event = MISPEvent()
    event.load(export_text(url, fmt="misp", since=None, min_verdict="scam", tlp="amber")[0].decode())
    assert "desk cases: #7" in next(a for a in event.attributes if a.value == SHARED_NUMBER).comment


# --- the command --------------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "scamscope", "export", *args], capture_output=True, cwd=ROOT, timeout=120)


def test_cli_formats(scans_path: Path, tmp_path: Path) -> None:
    r = _run(str(scans_path), "--format", "stix2", "--tlp", "clear")
    assert r.returncode == 0, r.stderr
    assert validate_string(r.stdout.decode(), ValidationOptions(version="2.1")).is_valid
    assert stix.TLP2_IDS["clear"] in r.stdout.decode() and b"indicators from" in r.stderr
    out = tmp_path / "event.json"
    r = _run(str(scans_path), "--format", "misp", "--out", str(out), "--since", "2026-11-01T05:00:00Z")
    assert r.returncode == 0 and r.stdout == b"", r.stderr
    event = MISPEvent()
    event.load(out.read_text(encoding="utf-8"))
    assert event.attributes and all(a.first_seen >= datetime(2026, 11, 1, 5, tzinfo=UTC) for a in event.attributes)
    r = _run(str(scans_path), "--format", "csv", "--min-verdict", "suspicious")
    assert r.returncode == 0 and r.stdout.startswith(b"\xef\xbb\xbftype,value,") and b"\r\n" in r.stdout and b"unsure-" in r.stdout


def test_cli_bad_input(scans_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_bytes(scans_path.read_bytes() + b"not json\n[1, 2]\n")
    r = _run(str(bad), "--format", "csv")
    assert r.returncode == 0 and b"2 records of the source skipped" in r.stderr
    cases = (
        ((str(tmp_path / "missing.jsonl"),), b"cannot read"),
        (("sqlite:////nonexistent-dir/desk.sqlite3",), b""),
        ((str(scans_path), "--since", "yesterday"), b"--since"),
        ((str(scans_path), "--format", "xml"), b"--format"),
        ((str(scans_path), "--tlp", "red"), b"--tlp"),
        ((str(scans_path), "--min-verdict", "benign"), b"--min-verdict"),
    )
    procs = [subprocess.Popen([sys.executable, "-m", "scamscope", "export", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for args, _ in cases]
    for (args, words), proc in zip(cases, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (args, stderr)
        assert stdout == b"" and len(stderr.strip().splitlines()) == 1 and words in stderr, (args, stderr)
        assert b"Traceback" not in stderr
    r = _run(str(scans_path), "--since", "2031-01-01")
    assert r.returncode == 0 and b"no indicators" in r.stderr
    assert validate_string(r.stdout.decode(), ValidationOptions(version="2.1")).is_valid


def test_cli_refuses_an_invalid_bundle(scans_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from scamscope.exchange.export_cli import export_command

    app = typer.Typer()
    app.command()(export_command)
    monkeypatch.setattr(stix, "validate", lambda bundle: (["indicator--1: {201} pattern is not valid"], []))
    out = tmp_path / "bundle.json"
    r = CliRunner().invoke(app, [str(scans_path), "--out", str(out)])
    assert r.exit_code == 2 and "does not validate" in r.output and "pattern is not valid" in r.output
    assert not out.exists()
