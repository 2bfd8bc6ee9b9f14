"""Refuse URLs that would make scamscope fetch from inside the network (server-side request forgery).

A scan of a URL someone pasted must not reach the scanning host's loopback, the office LAN, or a
cloud metadata service. :func:`check_url` resolves the host and accepts it only when every address
it resolves to is globally routable; it returns those addresses so that the fetch can be pinned to
them (a second, different DNS answer - DNS rebinding - must not slip past the check). Live capture
applies the same rules to every connection the browser makes through :mod:`scamscope.proxy`.

IPv6 forms that carry an IPv4 address (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are
judged by the IPv4 address they carry.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
# names that always mean "inside": refused even before resolution
INTERNAL_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata.google.internal", "metadata"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")
PRIVATE_HINT = " (use --allow-private or --allow-host to scan local test servers)"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses; raises RefusedURL

CGNAT = ipaddress.ip_network("100.64.0.0/10")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
# IPv4 literals in the forms inet_aton accepts: 2130706433, 0177.0.0.1, 0x7f.1
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$")


class RefusedURL(Exception):
    """The URL may not be fetched; the message is one line for the user."""


@dataclass(frozen=True)
class CheckedURL:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # what the host resolved to, all of them allowed


@dataclass(frozen=True)
class Policy:
    """What a scan may reach besides public addresses.

    ``allow_private`` admits loopback (unless ``allow_loopback`` is False), private, shared (CGNAT)
    and reserved addresses;
    ``allow_hosts`` admits exactly the listed origins (``(host, port)``, port ``None`` = any port)
    whatever they resolve to. Link-local (cloud metadata), multicast and "this network" addresses
    are never admitted.
    """

    allow_private: bool = False
    allow_hosts: frozenset[tuple[str, int | None]] = frozenset()
    allow_loopback: bool = True  # with allow_private; False keeps the proxy host's own services out (scamscope guard)

    @classmethod
    def of(cls, allow_private: bool = False, allow_hosts: Iterable[str] = (), allow_loopback: bool = True) -> Policy:
        return cls(allow_private, frozenset(parse_allow_host(h) for h in allow_hosts), allow_loopback)

    def admits_origin(self, host: str, port: int) -> bool:
        return (host, port) in self.allow_hosts or (host, None) in self.allow_hosts


def normalize_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot, IDNA (so full-width ``ｌｏｃａｌｈｏｓｔ`` is ``localhost``)."""
    host = host.strip().strip("[]").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            pass  # left as is: resolution fails and the URL is refused
    return host.rstrip(".")


def parse_allow_host(spec: str) -> tuple[str, int | None]:
    """``HOST``, ``HOST:PORT``, ``[V6]`` or ``[V6]:PORT`` -> ``(host, port)``; ValueError when malformed."""
    text = spec.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"malformed --allow-host {spec!r} (expected HOST, HOST:PORT or [IPv6]:PORT)")
        port_text = rest[1:] if rest else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:  # a bare name, an IPv4 address, or a bare IPv6 address
        host, port_text = text, ""
    host = normalize_host(host)
    if not host or "/" in host or " " in host:
        raise ValueError(f"malformed --allow-host {spec!r} (expected HOST, HOST:PORT or [IPv6]:PORT)")
    if not port_text and not text.endswith(":"):
        return _canonical_host(host), None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"malformed port in --allow-host {spec!r}")
    return _canonical_host(host), int(port_text)


def _canonical_host(host: str) -> str:
    """IP literals in one canonical spelling (``::0001`` is ``::1``), names as they are."""
    ip = literal_address(host)
    return str(ip) if ip is not None else host


def literal_address(host: str) -> Address | None:
    """The address ``host`` spells, in any form a browser or ``inet_aton`` accepts; None for a name."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, with the name of the form."""
    n = int(ip)
    low32 = ipaddress.IPv4Address(n & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [("IPv4-mapped", ip.ipv4_mapped)]
    if n >> 32 == 0 and n > 1:
        return [("IPv4-compatible", low32)]
    if ip in IPV4_TRANSLATED:
        return [("IPv4-translated", low32)]
    if ip in NAT64:
        return [("NAT64", low32)]
    if ip in NAT64_LOCAL:  # RFC 6052: a /48 prefix carries it in bits 48-63 and 72-87, a /96 one at the end
        split = ipaddress.IPv4Address(((n >> 64) & 0xFFFF) << 16 | (n >> 40) & 0xFFFF)
        return [("NAT64", v4) for v4 in (split, low32) if int(v4)]  # 0.0.0.0: that layout is not in use
    if ip.sixtofour is not None:
        return [("6to4", ip.sixtofour)]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [("Teredo", client), ("Teredo", server)]
    return []


def classify(ip: Address) -> tuple[str, bool] | None:
    """Why ``ip`` is not a public address and whether that is never admitted; None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        carried: list[tuple[str, ipaddress.IPv4Address, str, bool]] = []
        for form, inner in _embedded_ipv4(ip):
            found = classify(inner)
            if found is not None:
                carried.append((form, inner, *found))
        if carried:
            form, inner, why, never = min(carried, key=lambda c: not c[3])  # a never-admitted one first
            return f"the {form} form of {inner}, {why}", never
        if ip in NAT64_LOCAL:
            return "a local-use NAT64 address", False
    if ip.is_unspecified or ip in THIS_NETWORK:
        return "an unspecified (this-network) address", True
    if ip.is_loopback:
        return "a loopback address", False
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)", True
    if ip.is_multicast:
        return "a multicast address", True
    if ip in CGNAT:
        return "a carrier-grade NAT (shared, RFC 6598), non-public address", False
    if ip.is_private:
        return "a private network address", False
    if not ip.is_global:
        return "a reserved, non-public address", False
    return None


def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (IP literals, decimal and octal forms included)."""
    literal = literal_address(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise RefusedURL(f"cannot resolve host {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


def check_host(host: str, port: int, policy: Policy = Policy(), resolver: Resolver = resolve) -> tuple[str, ...]:
    """Resolve ``host`` once and vet every address; return them (connect to these, never re-resolve).

    Raises :class:`RefusedURL` with a one-line reason.
    """
    host = _canonical_host(normalize_host(host))
    if not host:
        raise RefusedURL("the URL has no host")
    if host.startswith("metadata") and (host in INTERNAL_NAMES or host.endswith(".internal")):
        raise RefusedURL(f"{host} is a cloud metadata service: never scanned")
    admitted = policy.admits_origin(host, port)
    if not (admitted or policy.allow_private) and (host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES)):
        raise RefusedURL(f"{host} is an internal name{PRIVATE_HINT}")
    literal = literal_address(host)
    try:
        addresses = [str(literal)] if literal is not None else [str(ipaddress.ip_address(a.split("%")[0])) for a in resolver(host, port)]
    except ValueError as exc:
        raise RefusedURL(f"host {host!r} resolved to something that is not an address: {exc}") from None
    if not addresses:
        raise RefusedURL(f"host {host!r} resolved to no address")
    for a in addresses:
        found = classify(ipaddress.ip_address(a))
        if found is None:
            continue
        why, never = found
        if not admitted and not policy.allow_loopback and "loopback" in why:
            subject = f"{a} is" if host == a else f"{host} resolves to {a},"
            raise RefusedURL(f"{subject} {why}: the proxy host's own services are not reachable through it")
        if never or not (admitted or policy.allow_private):
            subject = f"{a} is" if host == a else f"{host} resolves to {a},"
            raise RefusedURL(f"{subject} {why}{'' if never else PRIVATE_HINT}")
    return tuple(addresses)


def check_url(url: str, *, allow_private: bool = False, allow_hosts: Iterable[str] = (), resolver: Resolver = resolve) -> CheckedURL:
    """Parse, resolve and vet a URL; raise :class:`RefusedURL` with the reason when it may not be fetched."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedURL(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedURL(f"only http and https URLs are scanned, not {scheme or 'a URL without a scheme'}")
    host = normalize_host(parts.hostname or "")
    port = port or (443 if scheme == "https" else 80)
    try:
        policy = Policy.of(allow_private, allow_hosts)
    except ValueError as exc:
        raise RefusedURL(str(exc)) from None
    addresses = check_host(host, port, policy, resolver)
    return CheckedURL(url=url.strip(), scheme=scheme, host=_canonical_host(host), port=port, addresses=addresses)
