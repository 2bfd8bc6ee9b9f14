"""The in-path guard as a mitmproxy addon: score HTML as it passes, block, inject, log.

Order of work on one flow:

1. ``http_connect`` / ``tls_clienthello``: tunnels to passthrough hosts (and every tunnel with
   ``--tls passthrough``) are never decrypted; a blocked host name is refused there (CONNECT, or the
   SNI of a tunnel that is passed through).
2. ``requestheaders``: a known-bad URL (block list, reported pages, scam URL shapes) is answered by
   the guard itself: the block page for a navigation, an empty 403 for anything else. Requests to
   the reserved path (:data:`RESERVED`) never leave the guard.
3. ``responseheaders``: anything but an HTML document (navigation or frame) is streamed through
   untouched, and so is HTML larger than ``max_html_bytes``.
4. ``response``: the HTML is decoded (bounded) and scored statically in a killable worker process
   within ``score_timeout_s``; ``scam`` -> block page, ``suspicious`` -> the watcher script is
   added, and so it is on a ``benign`` page that still makes a scare claim of its own (see
   :func:`scare_claim`: the lock-in that would make it a scam only shows when it runs); any other
   ``benign`` page -> the bytes go on unchanged. When scoring fails or times out the page passes
   (``fail="open"``, the default) or is held back (``fail="closed"``); either way it is logged.

A hook that fails for any reason lets the flow go on as it is (and logs why): a bug in the guard
never breaks browsing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import secrets
import threading
import time
import weakref
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from mitmproxy import connection, http, tls
from mitmproxy.proxy import server_hooks

from scamscope.data import load
from scamscope.guard.blocklist import BlockList, Match
from scamscope.guard.blockpage import CSP, Variant, pick_language, render
from scamscope.guard.decisions import DecisionLog
from scamscope.guard.inject import CannotInject, insert_script, widen_csp
from scamscope.guard.settings import under
from scamscope.proxy.guard import request_kind, request_url
from scamscope.types import Phone, ScanResult

log = logging.getLogger("scamscope.guard")

RESERVED = "/__scamscope_guard__/"
REPORT_PATH = RESERVED + "report"
GUARD_HEADER = "x-scamscope-guard"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REPORT_BYTES = 32 * 1024
REPORTS_PER_MINUTE = 20
DECODED_FACTOR = 4  # a compressed page may grow to this many times max_html_bytes, no more
COUNTER_SIGNALS = frozenset({"text.scam_awareness", "text.benign_context", "interaction.quoted_scare"})

Scorer = Callable[[bytes, str, float], ScanResult]  # (body, url, budget_s) -> result (may raise)


@dataclass
class GuardOptions:
    tls: Literal["intercept", "passthrough"] = "intercept"
    fail: Literal["open", "closed"] = "open"
    score_timeout_s: float = 2.0
    max_html_bytes: int = 8 * 1024 * 1024
    passthrough: frozenset[str] = field(default_factory=frozenset)
    inject: bool = True  # add the watcher to uncertain pages


class TooLarge(Exception):
    pass


def decoded_body(raw: bytes, encoding: str, limit: int) -> bytes:
    """``raw`` without its Content-Encoding, at most ``limit`` bytes (TooLarge beyond; ValueError when undecodable)."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    data = raw
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip", "deflate"):
            data = _inflate(data, coding, limit)
        elif coding == "br":
            data = _unbrotli(data, limit)
        elif coding == "zstd":
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
                data = reader.read(limit + 1)
        else:
            raise ValueError(f"unknown content encoding {coding!r}")
        if len(data) > limit:
            raise TooLarge
    if len(data) > limit:
        raise TooLarge
    return data


def _inflate(data: bytes, coding: str, limit: int) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS
    try:
        d = zlib.decompressobj(wbits)
        out = d.decompress(data, limit + 1)
    except zlib.error:
        if coding != "deflate":
            raise ValueError("corrupt gzip body") from None
        d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
        try:
            out = d.decompress(data, limit + 1)
        except zlib.error:
            raise ValueError("corrupt deflate body") from None
    if len(out) > limit:
        raise TooLarge
    return out


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli

    d = brotli.Decompressor()
    out = bytearray()
    try:
        for i in range(0, len(data), 256):  # small steps: a bomb stops within a step of the limit
            out += d.process(data[i : i + 256])
            if len(out) > limit:
                raise TooLarge
    except brotli.error:
        raise ValueError("corrupt brotli body") from None
    return bytes(out)


def _client(flow: http.HTTPFlow) -> str:
    peer = flow.client_conn.peername
    return str(peer[0]) if peer else "?"


def _origin(request: http.Request) -> str:
    """``scheme://host[:port]`` of the request, from what the proxy acts on."""
    scheme, _, rest = request_url(request).partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _host_header(value: str) -> str:
    """The host name in a Host header (``[v6]:port``, ``name:port`` or ``name``)."""
    value = value.strip()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@cache
def scare_claims() -> frozenset[str]:
    """The evidence that makes a benign-scored page watched (data/guard.toml [watch])."""
    return frozenset(load("guard")["watch"]["scare_claims"])


def scare_claim(result: ScanResult) -> bool:
    """The page claims on its own account that the computer is infected, blocked or at risk (scare
    text that is not quoted, with a positive weight) and nothing on it counts against a scam."""
    claims = any(e.signal in scare_claims() and e.weight > 0 for e in result.evidence)
    return claims and not any(e.weight < 0 for e in result.evidence)


def top_reasons(result: ScanResult, n: int = 3) -> list[str]:
    """The strongest evidence for the verdict, one line each."""
    ranked = sorted((e for e in result.evidence if e.weight > 0), key=lambda e: -e.weight)
    out: list[str] = []
    for e in ranked:
        line = f"{e.signal}: {e.detail}"[:200]
        if line not in out:
            out.append(line)
        if len(out) >= n:
            break
    return out


def _phones(result: ScanResult) -> list[Phone]:
    return [p for p in result.phones if "placeholder" not in p.flags]


class InPathGuard:
    """mitmproxy addon; ``scorer`` does the static scoring (a :class:`~scamscope.bounded.StaticPool` normally)."""

    def __init__(self, options: GuardOptions, blocklist: BlockList, decisions: DecisionLog, scorer: Scorer, workers: int = 2) -> None:
        self.options = options
        self.blocklist = blocklist
        self.decisions = decisions
        self.scorer = scorer
        self.secret = secrets.token_bytes(32)
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="guard-score")
        self._blocked_tunnels: weakref.WeakKeyDictionary[connection.Client, Match] = weakref.WeakKeyDictionary()
        self._reports: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._reload_error: str | None = None

    @property
    def stream_limit(self) -> str:
        """mitmproxy's ``stream_large_bodies`` for this guard: bodies of unknown length beyond it are
        streamed. Closed, the guard buffers more of them to be able to hold them back."""
        factor = 4 if self.options.fail == "closed" else 1
        return f"{self.options.max_html_bytes * factor + 1}b"

    # --- helpers --------------------------------------------------------------------------------

    def token(self, origin: str) -> str:
        return hmac.new(self.secret, origin.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def _passthrough(self, host: str) -> bool:
        return self.options.tls == "passthrough" or under(host, self.options.passthrough) is not None

    def _block_page(self, flow: http.HTTPFlow, variant: Variant, url: str, phones: list[Phone], reasons: list[str]) -> http.Response:
        lang = pick_language(flow.request.headers.get("accept-language"))
        body = render(lang, variant=variant, url=url, phones=phones, reasons=reasons).encode("utf-8")
        return http.Response.make(
            403,
            body,
            {
                "content-type": "text/html; charset=utf-8",
                "cache-control": "no-store",
                "content-security-policy": CSP,
                "x-content-type-options": "nosniff",
                "referrer-policy": "no-referrer",
                GUARD_HEADER: "blocked",
            },
        )

    # --- tunnels ----------------------------------------------------------------------------------

    def http_connect(self, flow: http.HTTPFlow) -> None:
        try:
            if flow.response is not None:
                return
            host = flow.request.host
            found = self.blocklist.host_match(host)
            if found is None:
                return
            if self._passthrough(host):
                # nothing can be shown inside a tunnel that is not decrypted: refuse it here
                flow.response = http.Response.make(403, b"blocked by scamscope guard", {GUARD_HEADER: "blocked"})
                self.decisions.write("block_connect", client=_client(flow), url=f"{host}:{flow.request.port}", verdict="scam", reasons=[f"block list: {found.rule}"], rule=found.rule, source=found.source)
            # intercepted: the requests inside get the block page (requestheaders)
        except Exception as exc:
            log.error("guard: http_connect failed (the tunnel goes on): %s: %s", type(exc).__name__, exc)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        try:
            sni = data.client_hello.sni or ""
            server = data.context.server.address
            host = sni or (str(server[0]) if server else "")
            if not self._passthrough(host) and not (server and self._passthrough(str(server[0]))):
                return
            data.ignore_connection = True
            # a tunnel passed through unread is refused when either name is blocked: a bank's SNI
            # must not carry a blocked CONNECT host past the guard, nor the other way round
            names = [n for n in (sni, str(server[0]) if server else "") if n]
            found = next((m for m in (self.blocklist.host_match(n) for n in names) if m is not None), None)
            if found is not None:
                self._blocked_tunnels[data.context.client] = found  # refused in server_connect
        except Exception as exc:
            log.error("guard: tls_clienthello failed: %s: %s", type(exc).__name__, exc)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        found = self._blocked_tunnels.pop(data.client, None)
        if found is None:
            return
        data.server.error = f"blocked by scamscope guard: {found.rule}"
        peer = data.client.peername
        self.decisions.write("block_connect", client=str(peer[0]) if peer else "?", url=f"{data.client.sni or '?'}", verdict="scam", reasons=[f"block list: {found.rule} (TLS server name)"], rule=found.rule, source=found.source)

    # --- requests -----------------------------------------------------------------------------------

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return  # answered already (the egress guard refused it)
        if flow.request.path.startswith(RESERVED):  # never forwarded, whatever happens below
            try:
                self._reserved(flow)
            except Exception as exc:
                log.error("guard: reserved path: %s: %s", type(exc).__name__, exc)
                flow.response = http.Response.make(400, b"", {GUARD_HEADER: "reserved"})
            return
        try:
            self._check_request(flow)
        except Exception as exc:
            log.error("guard: request check failed (the request goes on): %s: %s", type(exc).__name__, exc)

    def _reserved(self, flow: http.HTTPFlow) -> None:
        """The guard's own path on every origin: only a watcher's report (a small POST) is taken."""
        req = flow.request
        length = req.headers.get("content-length") or "0"
        if req.path.split("?", 1)[0] != REPORT_PATH or req.method != "POST":
            flow.response = http.Response.make(404, b"", {GUARD_HEADER: "reserved"})
        elif not length.isdigit() or "chunked" in req.headers.get("transfer-encoding", "").lower():
            flow.response = http.Response.make(411, b"", {GUARD_HEADER: "reserved"})  # a report says its length
        elif int(length) > MAX_REPORT_BYTES:
            flow.response = http.Response.make(413, b"", {GUARD_HEADER: "reserved"})
        else:
            flow.metadata["scamscope_report"] = True

    def _check_request(self, flow: http.HTTPFlow) -> None:
        error = self.blocklist.maybe_reload()
        if error and error != self._reload_error:
            self.decisions.write("error", client="-", url="", error=f"{error}; the rules in force stay")
        self._reload_error = error
        req = flow.request
        url = request_url(req)
        names = [h for h in (_host_header(req.headers.get("host", "")), flow.client_conn.sni or "") if h]
        found = self.blocklist.match(url, names)
        if found is None:
            return
        kind = request_kind(req)
        reasons = [f"{'block list' if found.kind not in ('shape', 'reported') else 'known scam URL' if found.kind == 'shape' else 'reported by the watcher'}: {found.rule}"]
        if kind in ("navigation", "iframe"):
            from scamscope.phones import phones_in_url

            flow.response = self._block_page(flow, "scam", url, phones_in_url(url), reasons)
        else:
            flow.response = http.Response.make(403, b"", {GUARD_HEADER: "blocked", "cache-control": "no-store"})
        self.decisions.write("block_request", client=_client(flow), url=url, verdict="scam", reasons=reasons, rule=found.rule, source=found.source, kind=kind)

    def request(self, flow: http.HTTPFlow) -> None:
        if not flow.metadata.get("scamscope_report") or flow.response is not None:
            return
        try:
            self._report(flow)
        except Exception as exc:
            log.error("guard: report failed: %s: %s", type(exc).__name__, exc)
            flow.response = http.Response.make(400, b"", {GUARD_HEADER: "reserved"})

    def _report(self, flow: http.HTTPFlow) -> None:
        """A watcher saw lock-in: check its token (only a page the guard served can report, and only for its own origin)."""
        req = flow.request
        client = _client(flow)
        origin = _origin(req)
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._reports.get(client, []) if now - t < 60]
            limited = len(recent) >= REPORTS_PER_MINUTE
            if not limited:
                recent.append(now)
            self._reports[client] = recent
            if len(self._reports) > 10_000:
                self._reports.clear()
        if limited:
            flow.response = http.Response.make(429, b"", {GUARD_HEADER: "reserved"})
            return
        try:
            body = json.loads((req.raw_content or b"")[:MAX_REPORT_BYTES].decode("utf-8"))
            assert isinstance(body, dict)
        except (ValueError, AssertionError, UnicodeDecodeError):
            flow.response = http.Response.make(400, b"", {GUARD_HEADER: "reserved"})
            return
        token = str(body.get("token", ""))
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.token(origin).encode()):
            flow.response = http.Response.make(403, b"", {GUARD_HEADER: "reserved"})
            self.decisions.write("report_rejected", client=client, url=origin, reasons=["report without a valid token for this origin"])
            return
        page = str(body.get("url", ""))[:2000]
        if not page.startswith(origin + "/") and page != origin:
            page = origin + "/"  # a page can only speak for its own origin
        reasons = [f"watcher: {str(r)[:100]}" for r in (body.get("reasons") or [])[:10] if isinstance(r, str)]
        phones = [str(p)[:40] for p in (body.get("phones") or [])[:10] if isinstance(p, str)]
        self.blocklist.add_reported(page, f"reported by the watcher at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
        self.decisions.write("replaced", client=client, url=page, verdict="scam", reasons=reasons, phones=phones or None, title=str(body.get("title", ""))[:200] or None)
        flow.response = http.Response.make(204, b"", {GUARD_HEADER: "reported"})

    # --- responses ---------------------------------------------------------------------------------

    def _candidate(self, flow: http.HTTPFlow) -> bool:
        req, resp = flow.request, flow.response
        if resp is None or req.method == "HEAD" or resp.status_code in (204, 304) or resp.status_code < 200:
            return False
        if resp.headers.get(GUARD_HEADER):
            return False
        kind = request_kind(req)
        if kind not in ("navigation", "iframe", "request"):
            return False
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            return False
        return kind != "request" or "text/html" in req.headers.get("accept", "")

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        try:
            if not self._candidate(flow):
                flow.response.stream = True  # type: ignore[union-attr]
                return
            flow.metadata["scamscope_score"] = True
            length = flow.response.headers.get("content-length")  # type: ignore[union-attr]
            if (length and length.isdigit() and int(length) > self.options.max_html_bytes) or flow.response.stream:  # type: ignore[union-attr]
                error = f"not scored: larger than {self.options.max_html_bytes:,} bytes"
                flow.metadata["scamscope_too_large"] = error
                if self.options.fail == "open":
                    flow.response.stream = True  # type: ignore[union-attr]
                else:
                    self._hold_back(flow, error)
        except Exception as exc:
            log.error("guard: responseheaders failed (streamed through): %s: %s", type(exc).__name__, exc)
            if flow.response is not None:
                flow.response.stream = True

    async def response(self, flow: http.HTTPFlow) -> None:
        if not flow.metadata.get("scamscope_score") or flow.response is None:
            return
        url = request_url(flow.request)
        client = _client(flow)
        try:
            await self._score_and_act(flow, url, client)
        except Exception as exc:  # never break browsing: the page goes on as it came
            self._failed(flow, url, client, f"guard error: {type(exc).__name__}: {str(exc)[:160]}", None)

    def _hold_back(self, flow: http.HTTPFlow, error: str) -> None:
        """Fail closed on a page too large to score, without reading it: the notice goes out as the
        "stream" of the server's body, whose bytes are dropped as they come."""
        page = self._block_page(flow, "unchecked", request_url(flow.request), [], [error])
        body = page.content or b""
        sent = False

        def replace(chunk: bytes) -> bytes:
            nonlocal sent
            if sent:
                return b""
            sent = True
            return body

        page.stream = replace
        flow.response = page
        flow.metadata["scamscope_held"] = error
        # logged now: the browser has the whole notice with its first chunk and may hang up before the end
        self.decisions.write("block", client=_client(flow), url=request_url(flow.request), reasons=[], error=error, fail="closed")

    def _failed(self, flow: http.HTTPFlow, url: str, client: str, error: str, ms: float | None) -> None:
        if self.options.fail == "closed":
            flow.response = self._block_page(flow, "unchecked", url, [], [error])
            self.decisions.write("block", client=client, url=url, reasons=[], error=error, ms=ms, fail="closed")
        else:
            self.decisions.write("pass", client=client, url=url, reasons=[], error=error, ms=ms, fail="open")

    async def _score_and_act(self, flow: http.HTTPFlow, url: str, client: str) -> None:
        resp = flow.response
        assert resp is not None
        if flow.metadata.get("scamscope_held"):
            return  # held back (and logged) at its headers
        if flow.metadata.get("scamscope_too_large") or resp.stream:
            buffer = self.options.max_html_bytes * (4 if self.options.fail == "closed" else 1)
            error = flow.metadata.get("scamscope_too_large") or f"not scored: larger than {buffer:,} bytes"
            if self.options.fail == "closed":  # streaming started before the guard could hold it back
                self.decisions.write("pass", client=client, url=url, reasons=[], error=f"{error}; streamed before it could be held back", fail="closed")
            else:
                self._failed(flow, url, client, error, None)
            return
        if len(resp.raw_content or b"") > self.options.max_html_bytes:  # of unknown length, buffered to be held back
            self._failed(flow, url, client, f"not scored: larger than {self.options.max_html_bytes:,} bytes", None)
            return
        try:
            body = decoded_body(resp.raw_content or b"", resp.headers.get("content-encoding", ""), self.options.max_html_bytes * DECODED_FACTOR)
        except TooLarge:
            self._failed(flow, url, client, "not scored: too large once decompressed", None)
            return
        except ValueError as exc:
            self._failed(flow, url, client, f"not scored: {exc}", None)
            return
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self.scorer, body, url, self.options.score_timeout_s)
        except Exception as exc:
            self._failed(flow, url, client, f"scoring failed: {type(exc).__name__}: {str(exc)[:160]}", None)
            return
        ms = round((time.perf_counter() - start) * 1000, 2)
        if result.error or result.verdict is None:
            self._failed(flow, url, client, f"scoring failed: {result.error}", ms)
            return
        reasons = top_reasons(result)
        phones = _phones(result)
        phone_texts = [p.e164 or p.raw for p in phones][:10] or None
        if result.verdict == "scam":
            flow.response = self._block_page(flow, "scam", url, phones, reasons)
            self.decisions.write("block", client=client, url=url, verdict="scam", score=result.score, reasons=reasons, phones=phone_texts, ms=ms)
            return
        if (result.verdict == "suspicious" or scare_claim(result)) and self.options.inject:
            error = self._inject(flow, url, result, phones, reasons, body)
            self.decisions.write("inject" if error is None else "pass", client=client, url=url, verdict=result.verdict, score=result.score, reasons=reasons, phones=phone_texts, ms=ms, error=error)
            return
        self.decisions.write("pass", client=client, url=url, verdict=result.verdict, score=result.score, reasons=reasons if result.verdict != "benign" else [], ms=ms)

    def _inject(self, flow: http.HTTPFlow, url: str, result: ScanResult, phones: list[Phone], reasons: list[str], body: bytes) -> str | None:
        """Add the watcher; the error when it could not be added (the page then passes as it is)."""
        from scamscope.guard.watch import WATCH_MARK, watcher_script

        resp = flow.response
        assert resp is not None
        if "xhtml" in resp.headers.get("content-type", "").lower():
            return "watcher not added: an XHTML page would not parse with it"
        origin = _origin(flow.request)
        lang = pick_language(flow.request.headers.get("accept-language"))
        scare = any(e.signal.startswith("text.") and e.signal not in COUNTER_SIGNALS and e.weight > 0 for e in result.evidence)
        script = watcher_script(
            token=self.token(origin),
            report_path=REPORT_PATH,
            block_html=render(lang, variant="watch", url=url, phones=phones, reasons=reasons),
            scare_seen=scare,
        )
        try:
            new_body = insert_script(body, script, WATCH_MARK, resp.headers.get("content-type", ""))
        except CannotInject as exc:
            return str(exc)
        policies = resp.headers.get_all("content-security-policy")
        if policies:
            resp.headers.set_all("content-security-policy", [widen_csp(p, script, origin + REPORT_PATH) for p in policies])
        for name in ("content-encoding", "transfer-encoding", "etag"):
            resp.headers.pop(name, None)
        resp.headers["cache-control"] = "no-store"
        resp.headers[GUARD_HEADER] = "watched"
        resp.raw_content = new_body
        resp.headers["content-length"] = str(len(new_body))
        return None

    def done(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
