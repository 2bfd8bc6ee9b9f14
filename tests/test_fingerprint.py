"""Kit fingerprints (scamscope.fingerprint): stable across redeployments of one kit, different
between kits, bounded on hostile pages, and useful on the corpus (same-family pages share them)."""

from __future__ import annotations

import functools
import itertools
import time
from collections import Counter

import pytest

from scamscope.acquire import build_page, page_from_bytes
from scamscope.fingerprint import fingerprint
from scamscope.scan import scan_html
from scamscope.types import Page
from tests.conftest import CORPUS, corpus_rows, require_shared

KIT = """<!DOCTYPE html><html><head><title>Windows Defender - Security Warning {num}</title>
<style>body{{background:url('img/bg-alert.png')}} .logo{{background:url("/assets/ms-logo.svg")}}</style>
<script src="https://cdn.example/js/jquery-3.6.0.min.js"></script>
<script src="/js/kit-lock.js?v={num}"></script>
</head><body>
<div class="overlay full"><div class="box warn"><img src="img/defender.png" alt="Defender">
<h1 class="title">{headline}</h1><p class="msg">{text}</p>
<p class="call">Call <a href="tel:{num}" class="tel">{num}</a></p></div></div>
<audio id="beep" src="sound/alert.mp3" autoplay loop></audio>
<script>
  var phone = "{num}";
  document.addEventListener('keydown', function (e) {{ e.preventDefault(); }});
  document.documentElement.requestFullscreen && document.documentElement.requestFullscreen();
  window.onbeforeunload = function () {{ return "Your computer is blocked " + phone; }};
</script>
</body></html>"""

OTHER_KIT = """<html><head><title>Microsoft Support</title>
<script>setInterval(function(){ alert('Virus found! Do not close this window, call support now'); }, 3000);</script>
</head><body><table><tr><td class="a">Error 0x800F</td><td><span>Call</span></td></tr></table>
<img src="images/bsod.gif"><img src="images/ms.jpg"></body></html>"""


def fp_of(html: str) -> dict:  # type: ignore[type-arg]
    return fingerprint(build_page(html, source="t.html"))


def test_same_kit_other_number_and_text_keeps_structure_and_scripts() -> None:
    a = fp_of(KIT.format(num="0101-844-555-0199", headline="Your PC is infected", text="Trojan spyware detected."))
    b = fp_of(KIT.format(num="050-3123-4567", headline="ウイルスに感染しています", text="個人情報が盗まれる危険があります。今すぐお電話ください。"))
    assert a["dom"] == b["dom"] and a["dom"]
    assert a["dom_shape"] == b["dom_shape"]
    assert a["scripts"] == b["scripts"] and len(a["scripts"]) == 3
    assert a["scripts_inline"] == 1
    assert a["images"] == b["images"] == sorted(["bg-alert.png", "ms-logo.svg", "defender.png", "alert.mp3"])
    assert a["elements"] >= 15


def test_title_hash_ignores_numbers_only() -> None:
    a = fp_of(KIT.format(num="0101-844-555-0199", headline="x", text="y"))
    b = fp_of(KIT.format(num="1-800-555-0100", headline="x", text="y"))
    assert a["title_hash"] == b["title_hash"]


def test_different_kits_differ() -> None:
    a = fp_of(KIT.format(num="0101-844-555-0199", headline="h", text="t"))
    b = fp_of(OTHER_KIT)
    assert a["dom"] != b["dom"] and a["dom_shape"] != b["dom_shape"]
    assert not set(a["scripts"]) & set(b["scripts"])
    assert b["images"] == ["bsod.gif", "ms.jpg"]


def test_class_change_keeps_shape_only() -> None:
    a = fp_of(KIT.format(num="1", headline="h", text="t"))
    b = fp_of(KIT.format(num="1", headline="h", text="t").replace('class="box warn"', 'class="box2 alert"'))
    assert a["dom"] != b["dom"] and a["dom_shape"] == b["dom_shape"]


def test_script_and_text_inputs() -> None:
    js = build_page("function lock(){ document.body.requestFullscreen(); new Audio('beep/alarm.mp3').play(); }\n" * 3, source="k.js", kind="script")
    fp = fingerprint(js)
    assert fp["dom"] is None and len(fp["scripts"]) == 1 and fp["images"] == ["alarm.mp3"]
    txt = fingerprint(build_page("just words, call 0101-844-555-0199", source="t.txt", kind="text"))
    assert txt["scripts"] == [] and txt["dom"] is None and txt["images"] == []


def test_scan_results_carry_fingerprints() -> None:
    r = scan_html(KIT.format(num="0101-844-555-0199", headline="Your PC is infected", text="call now"))
    d = r.to_dict()
    assert d["fingerprints"]["version"] == 1 and d["fingerprints"]["dom"]
    assert not any("fingerprint" in n for n in d["notes"])


def test_fingerprint_failure_is_a_note_not_a_failed_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    import scamscope.fingerprint as fpmod

    def boom(page: Page) -> dict:  # type: ignore[type-arg]
        raise ValueError("broken")

    monkeypatch.setattr(fpmod, "fingerprint", boom)
    r = scan_html(KIT.format(num="0101-844-555-0199", headline="Your PC is infected", text="call now"))
    assert r.verdict is not None and r.error is None
    assert "fingerprints" not in r.to_dict()
    assert any("kit fingerprints failed" in n for n in r.notes)


def _timed(page: Page) -> tuple[dict, float]:  # type: ignore[type-arg]
    t = time.perf_counter()
    fp = fingerprint(page)
    return fp, time.perf_counter() - t


@pytest.mark.parametrize(
    "name,html",
    [
        ("nested divs", "<html><body>" + "<div class='x'>" * 1_000_000),
        ("many scripts", "<html><body>" + "<script>var a = 1; var b = 'some kit code here';</script>" * 100_000),
        ("huge attributes", "<html><body>" + ("<div class='" + "c " * 200_000 + "' style=\"background:url(" + "a" * 300_000 + ".png)\">x</div>") * 3),
        ("many images", "<html><body>" + "".join(f"<img src='/i/{i}.png'>" for i in range(100_000))),
        ("css urls", "<html><head><style>" + "a{background:url(x" * 200_000 + "</style></head><body></body></html>"),
        ("deep then scripts", "<html><body>" + "<div>" * 3000 + "<script src='/k.js'></script><script>var kit = 'alarm and lock code here, long enough';</script>" * 20_000),
        ("digits", "<html><head><title>" + "9" * 500_000 + "</title><script>" + "0" * 1_000_000 + "</script></head></html>"),
    ],
)
def test_hostile_input_is_bounded(name: str, html: str) -> None:
    page = Page(source=name, kind="html", html=html, text="", script_text=html[:2_000_000])
    fp, took = _timed(page)
    assert took < 2.0, f"{name}: {took:.2f}s"
    assert fp["elements"] <= 2000 and len(fp["scripts"]) <= 200 and len(fp["images"]) <= 200
    assert all(len(i) <= 120 for i in fp["images"])


def test_hostile_page_through_the_whole_scan() -> None:
    t = time.perf_counter()
    r = scan_html("<html><body>" + "<div>" * 1_000_000)
    assert time.perf_counter() - t < 20
    assert r.error is None and "fingerprints" in r.to_dict()


# --- the corpus: pages of one family share fingerprints far more often than pages of two -----------


@functools.cache
def _corpus_fps() -> list[tuple[dict[str, str], dict]]:  # type: ignore[type-arg]
    require_shared(CORPUS / "MANIFEST.tsv")
    out = []
    for row in corpus_rows():
        page = page_from_bytes((CORPUS / row["label"] / row["file"]).read_bytes(), source=row["file"])
        out.append((row, fingerprint(page)))
    return out


def _shared_kit_keys(a: dict, b: dict) -> set[str]:  # type: ignore[type-arg]
    """The kit keys two fingerprints share, by the rules campaigns link with."""
    out = set()
    if a["dom"] and a["dom"] == b["dom"] and a["elements"] >= 15:
        out.add("dom")
    if a["scripts"] and a["scripts"] == b["scripts"] and (a["scripts_inline"] or len(a["scripts"]) >= 3):
        out.add("scripts")
    sa, sb = set(a["scripts"]), set(b["scripts"])
    if len(sa) >= 2 and len(sb) >= 2 and len(sa & sb) >= 0.8 * len(sa | sb):
        out.add("scripts~")
    if len(a["images"]) >= 3 and a["images"] == b["images"]:
        out.add("images")
    return out


@pytest.mark.parametrize("scope", ["scam", "all"])
def test_corpus_same_family_pages_share_kit_fingerprints(scope: str) -> None:
    """Pairs of pages of one family share a kit key far more often than pairs of two families.

    The manifest's families are repositories or collections, not kits: one kit shows up in
    several families (stripchatjapan-0101 / stripchat-age-gate, harsh0544/*, the tapa-* kits),
    so "cross-family" hits are often the same kit and precision floors are modest; the lift
    (rate among same-family pairs / rate among cross-family pairs) is the property that matters.
    """
    fps = [(r, f) for r, f in _corpus_fps() if scope == "all" or r["label"] == "scam"]
    pairs = Counter()  # type: Counter[str]
    hits = Counter()  # type: Counter[str]
    for (r1, f1), (r2, f2) in itertools.combinations(fps, 2):
        same = "same" if r1["family"] == r2["family"] else "cross"
        pairs[same] += 1
        shared = _shared_kit_keys(f1, f2)
        for k in shared | ({"any"} if shared else set()):
            hits[k, same] += 1
    for k in ("dom", "scripts", "scripts~", "images", "any"):
        s, o = hits[k, "same"], hits[k, "cross"]
        print(f"{scope} {k}: {s} same-family / {o} cross-family pairs, precision {s / max(1, s + o):.2f}, "
              f"rate same {s / pairs['same']:.4f} vs cross {o / pairs['cross']:.5f}")
    s, o = hits["any", "same"], hits["any", "cross"]
    precision = s / max(1, s + o)
    lift = (s / pairs["same"]) / max(1e-9, o / pairs["cross"])
    assert s >= 20
    assert precision >= (0.25 if scope == "scam" else 0.4)
    assert lift >= 10


def test_fingerprints_are_optional_and_on_by_default() -> None:
    """scan --json and the desk carry them (campaigns); the in-path guard leaves them out (speed)."""
    from scamscope.bounded import StaticPool
    from scamscope.scan import scan_bytes

    page = b"<html><body><div class=a><p>Your computer is infected</p></div><script>var x = 1; lock();</script></body></html>"
    assert "fingerprints" in scan_bytes(page).extra
    assert "fingerprints" not in scan_bytes(page, fingerprint=False).extra
    with StaticPool(1) as pool:
        assert "fingerprints" in pool.scan_bytes(page).extra
        assert "fingerprints" not in pool.scan_bytes(page, fingerprint=False).extra
