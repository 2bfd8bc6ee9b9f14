"""Brand claims and domains (scamscope.signals.brands) and form fields (scamscope.signals.forms)."""

from __future__ import annotations

import socket

import pytest

from scamscope.acquire import build_page, page_from_file
from scamscope.data import load
from scamscope.signals import brands, forms
from scamscope.types import Page
from tests.conftest import corpus_file


def text_page(text: str, title: str = "", strings: str = "", url: str | None = None, links=None) -> Page:
    return Page(
        source="<test>", kind="html", html="", text=text, title=title, strings=strings, url=url, links=list(links or [])
    )


def run(page: Page):
    obs = brands.run(page)
    return {e.signal: e for e in obs.evidence}, {c.brand: c for c in obs.brands}


DEFENDER = "Microsoft Defender / Windows Security"


# --- finding brands --------------------------------------------------------------------------------


def test_security_vendor_strength_by_prominence() -> None:
    ev, _ = run(text_page("x", title="Windows Defender Security Center"))
    assert ev["brand.security_vendor"].strength == 1.0
    assert ev["brand.security_vendor"].source == "title"
    ev, _ = run(text_page("Windows Defender found a threat"))
    assert ev["brand.security_vendor"].strength == pytest.approx(0.7)
    ev, _ = run(text_page("hello", strings="McAfee Total Protection"))
    assert ev["brand.security_vendor"].strength == pytest.approx(0.4)
    assert ev["brand.security_vendor"].source == "script"


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("Windows_セキュリティ", DEFENDER),
        ("Windows_Defender_セキュリティセンター", DEFENDER),
        ("Windowsのセキュリティ クイックスキャン", DEFENDER),
        ("ウィンドウズ サポート", "Windows"),
        ("マイクロソフト サポートに電話", "Microsoft"),
        ("ノートン セキュリティ", "Norton"),
        ("マカフィー リブセーフ", "McAfee"),
        ("Sécurité Windows", DEFENDER),
        ("Ｍｉｃｒｏｓｏｆｔ サポート", "Microsoft"),
        ("AppleCare Plus", "Apple"),
        ("Call Disney Support", "Disney+"),
    ],
)
def test_brand_names(text: str, brand: str) -> None:
    _, claims = run(text_page(text))
    assert brand in claims, sorted(claims)
    assert claims[brand].where == "text"
    assert claims[brand].official is None  # no URL, no domain check


def test_ordinary_words_are_not_brands() -> None:
    _, claims = run(text_page("open the windows, eat an apple, the goal defender ran, amazon river"))
    assert claims == {}


def test_windows_inside_a_product_name_is_the_product() -> None:
    _, claims = run(text_page("Windows Defender"))
    assert DEFENDER in claims and "Windows" not in claims


def test_brand_in_title() -> None:
    ev, claims = run(text_page("body", title="Microsoft Support"))
    assert ev["brand.in_title"].strength == 1.0
    assert "Microsoft" in ev["brand.in_title"].detail
    assert claims["Microsoft"].where == "title"


def test_logo_file_names() -> None:
    page = text_page("alert", links=["img/mslogo.png", "assets/defender.png?v=2", "apple-touch-icon.png", "app.js"])
    ev, claims = run(page)
    assert claims["Microsoft"].where == "logo"
    assert claims[DEFENDER].where == "logo"
    assert "Apple" not in claims  # a standard icon file name, not a logo
    assert ev["brand.security_vendor"].strength == pytest.approx(0.8)


# --- domains ---------------------------------------------------------------------------------------


def test_domain_mismatch_with_url() -> None:
    page = text_page(
        "Windows Defender: your PC is blocked", title="Microsoft Security", url="https://alert-pc-fix.example.com/x"
    )
    ev, claims = run(page)
    assert claims["Microsoft"].official is False
    assert claims["Microsoft"].domain == "example.com"
    e = ev["brand.domain_mismatch"]
    assert "example.com" in e.detail and "microsoft.com" in e.detail
    assert e.strength == 1.0  # named in the title
    assert "brand.hosting_platform" not in ev


def test_official_domain() -> None:
    page = text_page(
        "Windows Defender update", title="Microsoft Support", url="https://support.microsoft.com/ja-jp/windows"
    )
    ev, claims = run(page)
    assert claims["Microsoft"].official is True
    assert claims[DEFENDER].official is True
    assert claims["Microsoft"].domain == "microsoft.com"
    assert "brand.domain_mismatch" not in ev


def test_registrable_domain_multi_part_suffix() -> None:
    assert brands.registrable_domain("www.microsoft.co.jp") == "microsoft.co.jp"
    assert brands.registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert brands.registrable_domain("192.0.2.7") == "192.0.2.7"


def test_hosting_platform_is_never_official() -> None:
    # the Azure static-site host is under windows.net, a Microsoft domain, but it is customer content
    page = text_page("Windows Defender", title="Microsoft", url="https://abc123.z13.web.core.windows.net/index.html")
    ev, claims = run(page)
    assert ev["brand.hosting_platform"].strength == 1.0
    assert "Azure" in ev["brand.hosting_platform"].detail
    assert claims["Microsoft"].official is False
    assert "brand.domain_mismatch" in ev


@pytest.mark.parametrize(
    "host",
    [
        "x.pages.dev",
        "u.github.io",
        "a.netlify.app",
        "b.vercel.app",
        "c.herokuapp.com",
        "d.azurestaticapps.net",
        "e.onrender.com",
        "f.firebaseapp.com",
        "g.weebly.com",
        "bucket.s3.eu-north-1.amazonaws.com",
        "h.blob.core.windows.net",
    ],
)
def test_hosting_platforms(host: str) -> None:
    ev, _ = run(text_page("hello", url=f"https://{host}/"))
    assert "brand.hosting_platform" in ev


def test_no_url_no_domain_evidence() -> None:
    ev, claims = run(text_page("Windows Defender", title="Microsoft"))
    assert claims["Microsoft"].official is None and claims["Microsoft"].domain is None
    assert "brand.domain_mismatch" not in ev and "brand.hosting_platform" not in ev


def test_httrack_origin_is_used() -> None:
    html = """<html><!-- Mirrored from scary-alert.z13.web.core.windows.net/index.html by HTTrack Website Copier/3.x
    [XR&CO'2014], Fri, 04 Apr 2025 10:00:00 GMT --><head><title>Windows Defender Security Center</title></head>
    <body>Access to this PC has been blocked</body></html>"""
    ev, claims = run(build_page(html))
    assert claims[DEFENDER].official is False
    # a saved page's own record of its origin is weaker than a URL it was served from
    assert "brand.domain_mismatch" not in ev and "brand.hosting_platform" not in ev
    assert "HTTrack" in ev["brand.declared_origin_mismatch"].detail
    assert "scary-alert.z13.web.core.windows.net" in ev["brand.declared_origin_platform"].detail


def test_canonical_and_og_url() -> None:
    html = """<html><head><title>Microsoft Support</title>
    <link rel="canonical" href="https://helpdesk-win.example.net/support"></head><body>hi</body></html>"""
    ev, claims = run(build_page(html))
    assert claims["Microsoft"].official is False
    assert "canonical" in ev["brand.declared_origin_mismatch"].detail
    html = """<html><head><title>Apple</title><meta property="og:url" content="https://www.apple.com/jp/"></head>
    <body>x</body></html>"""
    _, claims = run(build_page(html))
    # a declared canonical/og URL can be copied with the page: it never proves the page official
    assert claims["Apple"].official is None


def test_given_url_wins_over_saved_origin() -> None:
    html = "<html><!-- Mirrored from a.pages.dev/ by HTTrack --><head><title>Norton</title></head><body></body></html>"
    page = build_page(html, url="https://us.norton.com/")
    ev, claims = run(page)
    assert claims["Norton"].official is True
    assert "brand.hosting_platform" not in ev


def test_no_network_use(monkeypatch) -> None:
    """Domain look-ups use the bundled suffix list: any socket use fails this test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert brands._TLD.suffix_list_urls == ()
    for host in ("www.example.co.uk", "foo.bar.github.io", "support.microsoft.com", "xn--r8jz45g.jp"):
        assert brands.registrable_domain(host)
    page = text_page("Windows Defender", title="McAfee", url="https://fix-my-pc.example.org/")
    ev, _ = run(page)
    assert "brand.domain_mismatch" in ev


def test_brand_data_has_provenance() -> None:
    data = load("brands")
    for b in data["brand"]:
        assert b.get("source") and b.get("domains") and b.get("name"), b
    for h in data["hosting"]:
        assert h.get("source") and h.get("name") and (h.get("suffix") or h.get("pattern")), h
    names = {b["name"] for b in data["brand"] if b.get("security")}
    assert {DEFENDER, "McAfee", "Norton", "Avast", "AVG", "Kaspersky", "Bitdefender"} <= names


# --- real pages ------------------------------------------------------------------------------------


def test_scam_sample_names_security_vendor() -> None:
    ev, claims = run(page_from_file(corpus_file("364_en-good2-microsoft-firewall-2v7hgtvb-877.html")))
    assert "brand.security_vendor" in ev and "brand.in_title" in ev
    assert DEFENDER in claims and claims[DEFENDER].official is None


def test_httrack_scam_sample_on_azure() -> None:
    ev, claims = run(page_from_file(corpus_file("103_en-de3porn-spankbang-iframe-defender-844-569.html")))
    assert "brand.declared_origin_platform" in ev
    assert "brand.declared_origin_mismatch" in ev
    assert all(c.official is False for c in claims.values())


def test_seeds_name_brands_but_have_no_url(seeds) -> None:
    for path in sorted(seeds.iterdir()):
        ev, claims = run(page_from_file(path))
        assert not any(sig.startswith(("brand.domain_mismatch", "brand.hosting", "brand.declared")) for sig in ev)
        assert all(c.official is None for c in claims.values())


# --- forms (scamscope.signals.forms) ---------------------------------------------------------------


def form_signals(html: str, kind=None) -> dict[str, object]:
    return {e.signal: e for e in forms.run(build_page(html, kind=kind)).evidence}


def test_card_fields() -> None:
    ev = form_signals(
        """<html><body><form action="/pay">
        <input name="cardnumber" autocomplete="cc-number" placeholder="カード番号">
        <input name="cvc" autocomplete="cc-csc" placeholder="セキュリティコード">
        <input name="exp" autocomplete="cc-exp" placeholder="有効期限 MM/YY">
        <input type="submit" value="支払う"></form></body></html>"""
    )
    e = ev["form.card"]
    assert e.strength == 1.0
    assert "card number" in e.detail and "security code" in e.detail and "expiry" in e.detail


def test_callback_form_is_personal() -> None:
    ev = form_signals(
        """<html><body><div>Microsoft チームから折り返し電話させていただきます。</div>
        <input type="text" name="fname" placeholder="あなたの名前を書いてください">
        <input type="text" name="number" placeholder="電話番号を書いてください"></body></html>"""
    )
    e = ev["form.personal"]
    assert "name" in e.detail and "phone" in e.detail
    assert e.strength == pytest.approx(2 / 3, abs=0.01)


def test_contact_form_with_message_box_is_weaker() -> None:
    ev = form_signals(
        """<html><body><form><input name="name"><input type="email" name="email"><input type="tel" name="tel">
        <textarea name="message"></textarea></form></body></html>"""
    )
    assert ev["form.personal"].strength == pytest.approx(0.5)
    assert "contact form" in ev["form.personal"].detail


def test_fake_admin_login() -> None:
    ev = form_signals(
        """<html><body><h2>Administrator Login</h2><p>Windows locked due to unusual activity.</p><form>
        <input type="text" name="name" placeholder="User name">
        <input type="text" name="name" placeholder="Password">
        <input type="submit" value="Verify"></form></body></html>"""
    )
    e = ev["form.credentials"]
    assert e.strength == 1.0
    assert "user-name" in e.detail


def test_password_field_alone_is_weaker() -> None:
    ev = form_signals('<html><body><form><input type="password" name="pw"></form></body></html>')
    assert ev["form.credentials"].strength == pytest.approx(0.7)


def test_jsx_lock_screen_inputs() -> None:
    jsx = """import React from 'react';
    export default function Login() {
      const onKey = (e) => { if (e.key === 'Enter') check(); };
      return (<div className="login-wrapper"><p>一時的なユーザー</p>
        <input type="text" value={username} readOnly={true} className="usernameField mt-3"/>
        <input onKeyPress={onKey} id="pass" type="password" placeholder="Password" onChange={(e) => setPass(e.target.value)}/>
      </div>);
    }"""
    ev = form_signals(jsx, kind="script")
    assert ev["form.credentials"].source == "script"


def test_inputs_inside_script_strings() -> None:
    html = """<html><body><div id="box"></div><script>
    var box = document.getElementById("box");
    box.innerHTML = "<input type=\\"password\\" placeholder=\\"PIN\\">";
    </script></body></html>"""
    assert "form.credentials" in form_signals(html)


def test_search_and_checkboxes_are_ignored() -> None:
    ev = form_signals(
        """<html><body><form><input type="search" name="q" placeholder="Search name">
        <input type="checkbox" name="email_opt_in"><input type="hidden" name="phone" value="1"></form></body></html>"""
    )
    assert ev == {}


def test_kit_login_sample() -> None:
    page = page_from_file(corpus_file("104_en-usnationno-adut-defender-scan-admin-login-pointerlock-833.html"))
    ev = {e.signal: e for e in forms.run(page).evidence}
    assert ev["form.credentials"].strength == 1.0


def test_a_page_served_from_this_machine_has_no_origin_to_compare() -> None:
    """Loopback and private hosts (test servers, saved copies) say nothing about who runs the page."""
    from scamscope.scan import scan_html

    html = "<title>Microsoft Windows - Help</title><h1>Microsoft Windows</h1><p>Microsoft Windows tips.</p>"
    for url in ("http://127.0.0.1:8000/x.html", "http://localhost/x", "http://192.168.1.20/x", "http://[::1]:8080/"):
        assert "brand.domain_mismatch" not in {e.signal for e in scan_html(html, url=url).evidence}, url
    public = scan_html(html, url="http://93.184.215.14/x.html")  # a public address is still no Microsoft domain
    assert "brand.domain_mismatch" in {e.signal for e in public.evidence}
