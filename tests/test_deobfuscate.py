"""Static de-obfuscation of kit packers: what the packing hid is read by every signal, the packing
itself is weak evidence, and hostile packed input stays bounded."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from scamscope.deobfuscate import MAX_DECODED, unpack
from scamscope.scan import scan_html

PAGES = Path(__file__).parent / "pages"
SCAM = (PAGES / "scam" / "fake-defender-en.html").read_text(encoding="utf-8")
BENIGN = (PAGES / "benign" / "defender-howto-en.html").read_text(encoding="utf-8")
WARNING = "<h1>Windows Defender: virus detected</h1><p>Your computer is infected. Call Microsoft support now: +1-888-555-0100</p>"
PACKER = (
    "eval(function(p,a,c,k,e,d){e=function(c){return c};if(!''.replace(/^/,String)){while(c--){d[c]=k[c]||c}"
    "k=[function(e){return d[e]}];e=function(){return'\\\\w+'};c=1};while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}"
    "return p}('0.1(\\'<2>3 4 5</2>\\')',6,6,'document|write|h1|Virus|detected|now'.split('|'),0,{}))"
)


def _packed_body(html: str) -> str:
    body = html[html.index("<body") : html.rindex("</body>")]
    b64 = base64.b64encode(body.encode("utf-8")).decode()
    return f"<html><head><title>Loading</title></head><body><script>document.write(decodeURIComponent(escape(atob('{b64}'))))</script></body></html>"


def test_atob_packed_page_is_read_through() -> None:
    r = scan_html(_packed_body(SCAM))
    assert r.verdict == "scam" and any(e.signal == "script.packed" for e in r.evidence)
    assert r.phones and any(p.e164 == "+18885550100" or "888" in p.raw for p in r.phones)
    assert any("packed script decoded" in n for n in r.notes)


def test_a_packed_benign_page_stays_benign() -> None:
    r = scan_html(_packed_body(BENIGN))
    assert r.verdict == "benign", [(e.signal, e.weight) for e in r.evidence]


@pytest.mark.parametrize(
    ("code", "packer", "expect"),
    [
        ("document.write(String.fromCharCode(" + ",".join(str(ord(c)) for c in WARNING) + "))", "String.fromCharCode", "virus detected"),
        ("document.write(String.fromCharCode.apply(null, [" + ",".join(hex(ord(c)) for c in WARNING) + "]))", "String.fromCharCode", "Call Microsoft"),
        ("document.write(unescape('" + "".join(f"%{ord(c):02X}" for c in WARNING) + "'))", "unescape / decodeURIComponent", "infected"),
        (PACKER, "p.a.c.k.e.r.", "Virus detected now"),
        ("var w = '" + WARNING.replace("'", "\\'") * 40 + "'; document.body.innerHTML = w;", "page in one string literal", "virus detected"),
    ],
)
def test_each_packer_is_decoded(code: str, packer: str, expect: str) -> None:
    rec = unpack(code)
    assert any(k.startswith(packer) for k in rec.packers), rec.packers
    assert any(expect in h for h in rec.html + rec.code + rec.text)


def test_javascript_obfuscator_string_array() -> None:
    words = ["Your computer is infected", "Call Microsoft Support", "+1-888-555-0100", "requestFullscreen"]
    array = ",".join("'" + base64.b64encode(w.encode()).decode().swapcase() + "'" for w in words)
    names = " ".join(f"var _0x{i:04x}=_0x{i + 1:04x};" for i in range(25))
    rec = unpack(f"var _0x1a2b=[{array}];{names}")
    assert "javascript-obfuscator (string array)" in rec.packers
    assert set(words) <= set(rec.text + rec.code)


def test_packed_lock_in_code_reaches_the_lock_in_signals() -> None:
    code = "document.addEventListener('click',function(){document.documentElement.requestFullscreen();navigator.keyboard.lock();});"
    page = f"<html><body><p>Windows Defender alert</p><script>eval(atob('{base64.b64encode(code.encode()).decode()}'))</script></body></html>"
    signals = {e.signal for e in scan_html(page).evidence}
    assert "script.packed" in signals and any(s.startswith("lockin.") for s in signals), signals


def test_packed_in_packed() -> None:
    inner = "document.write(atob('" + base64.b64encode(WARNING.encode()).decode() + "'))"
    outer = "eval(atob('" + base64.b64encode(inner.encode()).decode() + "'))"
    rec = unpack(outer)
    assert any("virus detected" in h for h in rec.html)


def test_data_in_base64_is_not_packing() -> None:
    token = base64.b64encode(b'{"alg":"HS256","typ":"JWT","sub":"1234567890"}').decode()
    image = base64.b64encode(bytes(range(256)) * 4).decode()
    rec = unpack(f"var t='{token}'; var img='data:image/png;base64,{image}';")
    assert not rec.packers
    assert not any(e.signal == "script.packed" for e in scan_html(f"<html><body><p>Hello</p><script>var t='{token}';</script></body></html>").evidence)


def test_decoding_is_bounded() -> None:
    chunk = base64.b64encode(("Your computer is infected. " * 2000).encode()).decode()
    rec = unpack(";".join(f"document.write(atob('{chunk}'))" for _ in range(40)))
    assert rec.size <= MAX_DECODED
    self_ref = "eval(atob('" + base64.b64encode(b"eval(atob('ZXZhbChhdG9iKCcnKSk='))").decode() + "'))"
    assert unpack(self_ref).size < 1000  # nesting stops at MAX_DEPTH
    assert unpack("String.fromCharCode(" + "9" * 100000 + ")").packers == {}
    assert unpack("}('" + "a" * 200 + "',99,1,''.split('|')").packers == {}
