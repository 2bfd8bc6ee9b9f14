"""The private-address guard for URL scans (no network: literal addresses and local names only)."""

from __future__ import annotations

import pytest

from scamscope.netguard import RefusedURL, check_url


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
