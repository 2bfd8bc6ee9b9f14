"""Refuse URLs that would make scamscope fetch from inside the network (server-side request forgery).

A scan of a URL someone pasted must not reach the scanning host's loopback, the office LAN, or a
cloud metadata service. :func:`check_url` resolves the host and accepts it only when every address
it resolves to is globally routable; it returns those addresses so that the fetch can be pinned to
them (a second, different DNS answer - DNS rebinding - must not slip past the check). Redirects are
each checked again by the caller.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
# names that always mean "inside": refused even before resolution
INTERNAL_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata.google.internal", "metadata"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedURL(Exception):
    """The URL may not be fetched; the message is one line for the user."""


@dataclass(frozen=True)
class CheckedURL:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # what the host resolved to, all of them allowed


def _why_internal(ip: Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _why_internal(ip.ipv4_mapped)
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if ip.is_private:
        return "a private network address"
    if ip.is_multicast:
        return "a multicast address"
    if not ip.is_global:
        return "a reserved, non-public address"
    return None


def _always_refused(ip: Address) -> bool:
    """Link-local (cloud metadata services), multicast and unspecified: never scanned, even with
    ``allow_private``, which exists for local test servers on loopback or a lab network."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified


def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (IP literals, decimal and octal forms included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise RefusedURL(f"cannot resolve host {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


def check_url(url: str, *, allow_private: bool = False) -> CheckedURL:
    """Parse, resolve and vet a URL; raise :class:`RefusedURL` with the reason when it may not be fetched."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedURL(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedURL(f"only http and https URLs are scanned, not {scheme or 'a URL without a scheme'}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedURL("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    if host.startswith("metadata") and (host in INTERNAL_NAMES or host.endswith(".internal")):
        raise RefusedURL(f"{host} is a cloud metadata service: never scanned")
    if not allow_private and (host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES)):
        raise RefusedURL(f"{host} is an internal name (use --allow-private to scan local test servers)")
    addresses = resolve(host, port)
    if not addresses:
        raise RefusedURL(f"host {host!r} resolved to no address")
    for a in addresses:
        ip = ipaddress.ip_address(a)
        why = _why_internal(ip)
        if why and (not allow_private or _always_refused(ip)):
            hint = "" if _always_refused(ip) else " (use --allow-private to scan local test servers)"
            raise RefusedURL(f"{host} resolves to {a}, {why}{hint}")
    return CheckedURL(url=url.strip(), scheme=scheme, host=host, port=port, addresses=tuple(addresses))
