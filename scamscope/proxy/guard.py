"""The egress guard: a mitmproxy addon that vets every connection a client makes through the proxy.

Each request (every redirect hop is a request of its own, WebSocket handshakes included) is checked
with :mod:`scamscope.netguard` before anything is connected: a refused one is answered ``204 No
Content`` by the proxy itself, which leaves a page where it was when it was a navigation, and is
reported to ``on_refusal``. Every upstream connection is checked once more in ``server_connect``
(CONNECT tunnels carrying raw TCP never become requests) and made to an address that was vetted
in the same check, never to a name resolved again, so DNS rebinding cannot slip in between.

When the server cannot be reached, the client gets no answer at all (the browser then shows a
network error, as it would without a proxy, instead of an error page from the proxy that would be
scored as the site), and ``on_upstream_error`` learns the ``net::ERR_...`` code a browser would
have seen.

Clients name themselves with proxy credentials (``Proxy-Authorization: Basic``): the user name is
a *tag* (a capture id, for live capture), the password a secret of this guard. Each tag has its
own :class:`~scamscope.netguard.Policy`; a client without valid credentials gets ``407`` and
reaches nothing, and a tag without a policy reaches nothing either. A guard made with
``open_policy`` (the in-path proxy, whose clients are people's browsers) asks for no credentials:
every client has that policy.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mitmproxy import connection, http
from mitmproxy.proxy import server_hooks

from scamscope.netguard import Policy, RefusedURL, Resolver, check_host, literal_address, normalize_host, resolve

REFUSED_HEADER = "x-scamscope-egress"  # on the proxy's own 204 answer to a refused request
DNS_TTL_S = 30.0
MAX_DNS_CACHE = 4096
REALM = "scamscope egress guard"
OPEN_TAG = "*"  # the tag of every client of a guard with an open policy

Refusal = dict[str, Any]  # {"url", "reason", "kind", "navigation"}
OnRefusal = Callable[[str | None, Refusal], None]  # (tag or None when unknown, refusal)
OnUpstreamError = Callable[[str | None, dict[str, str]], None]  # (tag, {"url", "error": "net::ERR_...", "detail"})
# what an upstream failure says -> the code Chromium would have reported without a proxy
NET_ERRORS = (
    (("errno 111", "connection refused", "connect call failed"), "net::ERR_CONNECTION_REFUSED"),
    (("errno 110", "timed out", "timeout"), "net::ERR_CONNECTION_TIMED_OUT"),
    (("errno 101", "errno 113", "unreachable"), "net::ERR_ADDRESS_UNREACHABLE"),
    (("errno 104", "reset"), "net::ERR_CONNECTION_RESET"),
    (("tls", "ssl", "certificate", "handshake"), "net::ERR_SSL_PROTOCOL_ERROR"),
    (("name or service", "resolve", "nodename"), "net::ERR_NAME_NOT_RESOLVED"),
    (("closed", "eof"), "net::ERR_EMPTY_RESPONSE"),
)


def net_error(message: str) -> str:
    """The ``net::ERR_...`` code for a proxy's upstream error message."""
    low = message.lower()
    for words, code in NET_ERRORS:
        if any(w in low for w in words):
            return code
    return "net::ERR_CONNECTION_FAILED"


def request_kind(request: http.Request) -> str:
    """What made a request, as far as its headers tell (a page may forge them: a label, not a proof)."""
    h = request.headers
    if h.get("upgrade", "").lower() == "websocket":
        return "websocket"
    if "prefetch" in h.get("sec-purpose", "").lower() or "prefetch" in h.get("purpose", "").lower():
        return "prefetch"
    accept = h.get("accept", "").lower()
    if "text/event-stream" in accept:
        return "eventsource"
    dest = h.get("sec-fetch-dest", "").lower()
    mode = h.get("sec-fetch-mode", "").lower()
    if mode == "navigate" or (not dest and h.get("upgrade-insecure-requests") == "1" and accept.startswith("text/html")):
        return "iframe" if dest in ("iframe", "frame") else "navigation"
    if dest == "empty":
        return "fetch"  # fetch, XMLHttpRequest, sendBeacon
    if dest:
        return dest  # image, script, style, font, serviceworker, worker, audio, ...
    if accept.startswith("image/"):
        return "image"
    return "request"


def _authority(host: str, port: int, scheme: str = "") -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if {"http": 80, "https": 443}.get(scheme) == port else f"{shown}:{port}"


def request_url(request: http.Request) -> str:
    """The URL asked for, from what the proxy will act on (not from the Host header, which a client may forge)."""
    return f"{request.scheme}://{_authority(request.host, request.port, request.scheme)}{request.path}"


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, RefusedURL) else f"the guard could not vet it ({type(exc).__name__}): refused"


def _credentials(value: str) -> tuple[str, str] | None:
    scheme, _, data = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(data.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (user, password) if sep else None


class EgressGuard:
    """mitmproxy addon. Thread-safe ``allow``/``forget``; the hooks run on mitmproxy's event loop."""

    def __init__(
        self,
        on_refusal: OnRefusal | None = None,
        resolver: Resolver = resolve,
        dns_ttl_s: float = DNS_TTL_S,
        on_upstream_error: OnUpstreamError | None = None,
        open_policy: Policy | None = None,
    ) -> None:
        self.secret = secrets.token_urlsafe(18)
        self.open_policy = open_policy
        self.on_refusal = on_refusal
        self.on_upstream_error = on_upstream_error
        self.resolver = resolver
        self.dns_ttl_s = dns_ttl_s
        self._policies: dict[str, Policy] = {}
        self._lock = threading.Lock()
        self._tags: weakref.WeakKeyDictionary[connection.Client, str] = weakref.WeakKeyDictionary()
        self._dns: dict[str, tuple[float, tuple[str, ...] | str]] = {}  # host -> (when, addresses or error)
        self._pinned: weakref.WeakKeyDictionary[connection.Server, tuple[str, int]] = weakref.WeakKeyDictionary()
        # DNS lookups block: in threads of their own, so that hosts that never answer (offline, or a
        # page naming hundreds of them) cannot hold up the others
        self._lookups = ThreadPoolExecutor(max_workers=16, thread_name_prefix="egress-dns")

    # --- policies per tag (called from any thread) ---

    def allow(self, tag: str, policy: Policy) -> None:
        with self._lock:
            self._policies[tag] = policy

    def forget(self, tag: str) -> None:
        with self._lock:
            self._policies.pop(tag, None)

    def tag_of(self, client: connection.Client) -> str | None:
        """The tag a client connection named itself with (None before it did, or without credentials)."""
        return OPEN_TAG if self.open_policy is not None else self._tags.get(client)

    def _policy(self, tag: str | None) -> Policy | None:
        if self.open_policy is not None:
            return self.open_policy
        with self._lock:
            return self._policies.get(tag) if tag is not None else None

    # --- vetting ---

    async def vet(self, host: str, port: int, policy: Policy) -> tuple[str, ...]:
        """The vetted addresses of ``host`` (resolved at most once per TTL); RefusedURL when refused."""
        name = normalize_host(host)
        if literal_address(name) is None:
            now = time.monotonic()
            cached = self._dns.get(name)
            if cached is None or now - cached[0] > self.dns_ttl_s:
                try:
                    found: tuple[str, ...] | str = tuple(await asyncio.get_running_loop().run_in_executor(self._lookups, self.resolver, name, port))
                except RefusedURL as exc:
                    found = str(exc)
                except Exception as exc:  # an injected resolver failing is a refusal too
                    found = f"cannot resolve host {name!r}: {exc}"
                if len(self._dns) >= MAX_DNS_CACHE:
                    self._dns.clear()
                cached = self._dns[name] = (now, found)
            answer = cached[1]
            if isinstance(answer, str):
                raise RefusedURL(answer)
            return check_host(name, port, policy, resolver=lambda _h, _p: list(answer))
        return check_host(name, port, policy)

    def _refuse(self, tag: str | None, url: str, reason: str, kind: str) -> None:
        if self.on_refusal is not None:
            record: Refusal = {"url": url[:500], "reason": reason[:300], "kind": kind}
            if kind in ("navigation", "iframe"):
                record["navigation"] = True
            try:
                self.on_refusal(tag, record)
            except Exception:
                pass  # a reporting failure never opens the gate

    # --- who is asking ---

    def _authenticate(self, flow: http.HTTPFlow) -> str | None:
        """The tag of the client; answers 407 when it has none. Strips the credentials either way."""
        if self.open_policy is not None:
            return OPEN_TAG
        value = flow.request.headers.pop("proxy-authorization", "")
        tag = self._tags.get(flow.client_conn)
        if tag is None:
            creds = _credentials(value)
            if creds is not None and secrets.compare_digest(creds[1].encode(), self.secret.encode()) and creds[0]:
                tag = self._tags[flow.client_conn] = creds[0]
        if tag is None:
            flow.response = http.Response.make(407, b"", {"Proxy-Authenticate": f'Basic realm="{REALM}"'})
        return tag

    # --- mitmproxy hooks ---

    async def http_connect(self, flow: http.HTTPFlow) -> None:
        # Nothing is connected yet (lazy connection strategy): the tunnel ends in the proxy, and
        # each request in it is vetted below, so that a refused navigation can still be cancelled.
        self._authenticate(flow)

    async def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return
        tag = self._authenticate(flow)
        if tag is None:
            return
        req = flow.request
        kind = request_kind(req)
        url = request_url(req)
        policy = self._policy(tag)
        try:
            if policy is None:
                raise RefusedURL("the page that asked has finished: nothing more is fetched for it")
            if req.scheme not in ("http", "https"):
                raise RefusedURL(f"scheme {req.scheme or '?'} not fetched")
            await self.vet(req.host, req.port, policy)
        except Exception as exc:  # fail closed: mitmproxy would carry on with a hook that raised
            # 204 cancels a navigation (the page stays where it was) and is an empty answer otherwise
            flow.response = http.Response.make(204, b"", {REFUSED_HEADER: "refused"})
            self._refuse(tag, url, _reason(exc), kind)

    async def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """The last gate: every upstream connection, to an address vetted now (or within the TTL)."""
        server = data.server
        if server.address is None:
            return
        host, port = str(server.address[0]), int(server.address[1])
        tag = self._tags.get(data.client)
        policy = self._policy(tag)
        try:
            if policy is None:
                raise RefusedURL("connection from a client without a policy")
            addresses = await self.vet(host, port, policy)
        except Exception as exc:  # fail closed
            server.error = f"refused by the egress guard: {_reason(exc)}"
            self._refuse(tag, _authority(host, port), _reason(exc), "connection")
            return
        pinned = addresses[0]
        if pinned != host:
            self._pinned[server] = (host, port)
            server.address = (pinned, port)  # the TLS SNI and the Host header keep the name

    def server_connected(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Give the connection its name back, so that later requests to the same host reuse it."""
        name = self._pinned.pop(data.server, None)
        if name is not None:
            object.__setattr__(data.server, "address", name)  # Server forbids it once open; reuse matching needs it

    def error(self, flow: http.HTTPFlow) -> None:
        """The server could not be reached (or broke off before answering): no answer to the client either."""
        if flow.response is not None or flow.error is None or not flow.killable or self.open_policy is not None:
            return  # an in-path proxy leaves mitmproxy's own 502 page, which tells a person what failed
        message = flow.error.msg
        if self.on_upstream_error is not None:
            try:
                self.on_upstream_error(self._tags.get(flow.client_conn), {"url": request_url(flow.request)[:500], "error": net_error(message), "detail": message[:200]})
            except Exception:
                pass
        flow.kill()

    def done(self) -> None:
        self._lookups.shutdown(wait=False, cancel_futures=True)
