"""The private-address guard for URL scans (no network: literal addresses and local names only)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscope.netguard import RefusedURL, check_url, classify, parse_allow_host


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.1.2.3:8080/x", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one decimal number
        ("http://0177.0.0.1/", "loopback"),  # ... and in octal
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
        ("http://10.0.0.5/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://100.64.0.1/", "non-public"),  # carrier-grade NAT
        ("http://0.0.0.0/", "unspecified"),
        ("http://localhost:8000/", "internal name"),
        ("http://printer.local/", "internal name"),
        ("http://metadata.google.internal/", "metadata service"),
    ],
)
def test_internal_targets_are_refused(url: str, why: str) -> None:
    with pytest.raises(RefusedURL, match=why):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("data:text/html,<b>x</b>", "only http and https"),
        ("ftp://example.test/", "only http and https"),
        ("example.test/no-scheme", "without a scheme"),
        ("http:///nohost", "no host"),
        ("http://[::1/", "malformed"),
        ("http://example.test:99999/", "malformed"),
    ],
)
def test_bad_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(RefusedURL, match=why):
        check_url(url)


def test_public_literal_is_allowed_without_dns() -> None:
    checked = check_url("https://93.184.215.14/landing?phone=1")
    assert checked.addresses == ("93.184.215.14",) and checked.port == 443 and checked.scheme == "https"


def test_allow_private_for_local_testing() -> None:
    checked = check_url("http://127.0.0.1:8765/page.html", allow_private=True)
    assert checked.addresses == ("127.0.0.1",) and checked.port == 8765
    assert check_url("http://localhost:8765/", allow_private=True).host == "localhost"


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0/", "http://metadata.google.internal/"],
)
def test_metadata_and_link_local_are_refused_even_with_allow_private(url: str) -> None:
    with pytest.raises(RefusedURL):
        check_url(url, allow_private=True)


# --- every spelling of an internal address (issue 9) ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[::127.0.0.1]/", "IPv4-compatible form of 127.0.0.1, a loopback"),
        ("http://[::7f00:1]:8080/", "IPv4-compatible form of 127.0.0.1, a loopback"),
        ("http://[::10.0.0.1]/", "IPv4-compatible form of 10.0.0.1, a private"),
        ("http://[::ffff:10.1.2.3]/", "IPv4-mapped form of 10.1.2.3, a private"),
        ("http://[::ffff:0:127.0.0.1]/", "IPv4-translated form of 127.0.0.1, a loopback"),
        ("http://[64:ff9b::127.0.0.1]/", "NAT64 form of 127.0.0.1, a loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/", "NAT64 form of 169.254.169.254, a link-local"),
        ("http://[64:ff9b:1:7f00:0:100::]/", "NAT64 form of 127.0.0.1, a loopback"),  # local-use prefix, /48 layout
        ("http://[64:ff9b:1::192.168.0.1]/", "NAT64 form of 192.168.0.1, a private"),  # local-use prefix, /96 layout
        ("http://[64:ff9b:1::5db8:d70e]/", "local-use NAT64"),  # even carrying a public address: not global
        ("http://[2002:7f00:1::]/", "6to4 form of 127.0.0.1, a loopback"),
        ("http://[2002:c0a8:101::1]/", "6to4 form of 192.168.1.1, a private"),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "Teredo form of 127.0.0.1, a loopback"),  # client XOR-obfuscated
        ("http://[2001:0:a9fe:a9fe::1]/", "Teredo form of 169.254.169.254"),  # the server half
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://100.127.255.254/", "carrier-grade NAT"),
        ("http://0x7f.1/", "loopback"),  # hex, and 127.0.0.1 written in two parts
        ("http://0x7f000001/", "loopback"),
        ("http://017700000001/", "loopback"),  # one octal number
        ("http://127.1/", "loopback"),
        ("http://0.1.2.3/", "this-network"),
        ("http://127.0.0.1./", "loopback"),  # trailing dot
        ("http://localhost./", "internal name"),
        ("http://LOCALHOST/", "internal name"),
        ("http://ｌｏｃａｌｈｏｓｔ/", "internal name"),  # full-width: IDNA maps it to localhost
        ("http://１２７．０．０．１/", "loopback"),  # full-width digits and dots
        ("http://printer.local./", "internal name"),
        ("http://[ff02::1]/", "multicast"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
def test_every_form_of_an_internal_address_is_refused(url: str, why: str) -> None:
    with pytest.raises(RefusedURL, match=why):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://[64:ff9b::a9fe:a9fe]/", "http://[::ffff:169.254.169.254]/", "http://[2002:a9fe:a9fe::]/", "http://[::169.254.169.254]/", "http://0.1.2.3/", "http://[ff02::1]/"],
)
def test_link_local_in_any_form_is_refused_even_with_every_allowance(url: str) -> None:
    host = url.split("//")[1].rstrip("/")
    with pytest.raises(RefusedURL):
        check_url(url, allow_private=True, allow_hosts=[host])


@pytest.mark.parametrize(
    "url",
    ["http://[2002:5db8:d70e::1]/", "http://[64:ff9b::5db8:d70e]/", "http://[2606:4700::1111]/", "https://93.184.215.14:8443/"],
)
def test_public_forms_are_allowed(url: str) -> None:
    assert check_url(url).addresses


def test_allow_host_admits_exactly_that_origin() -> None:
    hosts = ["127.0.0.1:8000", "[::1]:9000", "lab.test"]
    calls: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        calls.append(host)
        return ["10.9.8.7"]

    assert check_url("http://127.0.0.1:8000/x", allow_hosts=hosts).addresses == ("127.0.0.1",)
    assert check_url("http://[::1]:9000/", allow_hosts=hosts).addresses == ("::1",)
    assert check_url("http://lab.test:1234/", allow_hosts=hosts, resolver=resolver).addresses == ("10.9.8.7",)  # any port
    assert check_url("http://LAB.test./", allow_hosts=hosts, resolver=resolver).host == "lab.test"
    for refused in ("http://127.0.0.1:8001/", "http://127.0.0.2:8000/", "http://[::1]:9001/", "http://localhost:8000/", "http://[::ffff:127.0.0.1]:8000/"):
        with pytest.raises(RefusedURL):
            check_url(refused, allow_hosts=hosts, resolver=resolver)
    with pytest.raises(RefusedURL, match="link-local"):  # a name admitted by --allow-host that resolves to metadata
        check_url("http://lab.test/", allow_hosts=hosts, resolver=lambda _h, _p: ["169.254.169.254"])
    assert calls == ["lab.test", "lab.test"]


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("127.0.0.1:8000", ("127.0.0.1", 8000)), ("[::1]:80", ("::1", 80)), ("[::1]", ("::1", None)), ("::1", ("::1", None)),
     ("Lab.Test.", ("lab.test", None)), ("[0:0::1]:443", ("::1", 443)), ("0x7f.1:80", ("127.0.0.1", 80))],
)
def test_allow_host_specs(spec: str, parsed: tuple[str, int | None]) -> None:
    assert parse_allow_host(spec) == parsed


@pytest.mark.parametrize("spec", ["", ":80", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:http", "[::1", "[::1]x", "a/b:80", "a b"])
def test_malformed_allow_host_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_allow_host(spec)


def test_every_address_of_a_mixed_answer_is_checked() -> None:
    with pytest.raises(RefusedURL, match="resolves to 127.0.0.1, a loopback"):
        check_url("http://mixed.test/", resolver=lambda _h, _p: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(RefusedURL, match="resolved to no address"):
        check_url("http://empty.test/", resolver=lambda _h, _p: [])


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_ipv4_embedding_is_judged_like_the_ipv4_address(n: int) -> None:
    """IPv4-mapped, -compatible, NAT64 and 6to4 forms are refused exactly when the address they carry is."""
    v4 = ipaddress.IPv4Address(n)
    inner = classify(v4)
    forms = [ipaddress.IPv6Address(0xFFFF << 32 | n), ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | n),
             ipaddress.IPv6Address(0x2002 << 112 | n << 80)]
    if n > 1:
        forms.append(ipaddress.IPv6Address(n))
    for v6 in forms:
        outer = classify(v6)
        if inner is None:
            assert outer is None or v6.sixtofour is None and v6.ipv4_mapped is None, (v4, v6, outer)
        else:
            assert outer is not None and outer[1] == inner[1] and inner[0] in outer[0], (v4, v6, outer)


def test_private_without_loopback() -> None:
    """The in-path guard's policy: the LAN is reachable, the proxy host's own services are not."""
    from scamscope.netguard import Policy, check_host

    policy = Policy.of(allow_private=True, allow_loopback=False)
    for host in ("127.0.0.1", "127.1", "0x7f000001", "::1", "::ffff:127.0.0.1", "localhost"):
        with pytest.raises(RefusedURL, match="loopback"):
            check_host(host, 80, policy, resolver=lambda h, p: ["127.0.0.1"])
    assert check_host("10.0.0.5", 80, policy) == ("10.0.0.5",)
    assert check_host("intranet.lan", 80, policy, resolver=lambda h, p: ["192.168.1.20"]) == ("192.168.1.20",)
    with pytest.raises(RefusedURL):
        check_host("169.254.169.254", 80, policy)
    admitted = Policy.of(allow_private=True, allow_hosts=["127.0.0.1:8000"], allow_loopback=False)
    assert check_host("127.0.0.1", 8000, admitted) == ("127.0.0.1",)
    with pytest.raises(RefusedURL):
        check_host("127.0.0.1", 8001, admitted)
