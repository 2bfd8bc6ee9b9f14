"""Recording of HTTP exchanges in the egress proxy, for evidence (written as WARC by :mod:`scamscope.live.warc`).

A mitmproxy addon placed after the :class:`~scamscope.proxy.guard.EgressGuard`, whose client tags
it reuses: only tags that are *watched* are recorded, so with nobody watching each hook costs one
dict lookup and copies nothing. For a watched tag, every exchange the proxy forwards (each
redirect hop, subresources, WebSocket handshakes, the re-fetch of downloads) becomes one plain
dict (:data:`Exchange`, picklable) handed to the tag's sink when it ends: request line, headers
and body; response status, headers and body; or the error that ended it.

Requests the guard refused never reach the recorder as exchanges (the guard answered them itself,
before any connection; they are reported as refusals): no response is invented for them.

Bodies are kept up to ``body_cap`` bytes per body and ``page_cap`` bytes per tag; what a cap cut
is said in the exchange (``cut``, with the full size seen), never silently. Bodies the proxy
streams (over ``stream_large_bodies``, or of unknown length) are read through a tap that passes
every chunk on unchanged and keeps the first bytes.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from mitmproxy import http

from scamscope.proxy.guard import request_kind, request_url

BODY_CAP = 5 * 1024 * 1024  # bytes kept per request or response body
PAGE_CAP = 50 * 1024 * 1024  # bytes of bodies kept per tag
MAX_EXCHANGES = 2000  # per tag; the rest are counted, not kept
MAX_URL = 16384

Exchange = dict[str, Any]
Sink = Callable[[Exchange], None]
TagOf = Callable[[Any], "str | None"]  # client connection -> tag


class _Tap:
    """A streamed body's filter: every chunk goes on unchanged; the first ``allowance`` bytes are kept."""

    def __init__(self, allowance: int) -> None:
        self.allowance = allowance
        self.parts: list[bytes] = []
        self.kept = 0
        self.seen = 0

    def __call__(self, data: bytes) -> bytes:
        self.seen += len(data)
        room = self.allowance - self.kept
        if room > 0 and data:
            piece = data if len(data) <= room else data[:room]
            self.parts.append(piece)
            self.kept += len(piece)
        return data

    def body(self) -> bytes:
        return b"".join(self.parts)


class _Tag:
    """What is recorded for one watched tag."""

    def __init__(self, sink: Sink, page_cap: int) -> None:
        self.sink = sink
        self.left = page_cap  # body bytes that may still be kept
        self.page_cap = page_cap
        self.seq = itertools.count()
        self.open: dict[str, tuple[http.HTTPFlow, int]] = {}  # flow id -> (flow, seq)
        self.taps: dict[tuple[str, str], _Tap] = {}  # (flow id, "request"|"response") -> tap
        self.sent = 0
        self.dropped = 0
        self.cut = 0


def _fields(headers: http.Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.fields if k.lower() != b"proxy-authorization"]


class Recorder:
    """mitmproxy addon. ``watch``/``finish`` are thread-safe; the hooks run on mitmproxy's event loop."""

    def __init__(self, tag_of: TagOf, body_cap: int = BODY_CAP, page_cap: int = PAGE_CAP, max_exchanges: int = MAX_EXCHANGES) -> None:
        self.tag_of = tag_of
        self.body_cap = body_cap
        self.page_cap = page_cap
        self.max_exchanges = max_exchanges
        self._lock = threading.Lock()
        self._watched: dict[str, _Tag] = {}

    # --- called from any thread ---

    def watch(self, tag: str, sink: Sink) -> None:
        """Record the exchanges of ``tag`` from now on; each is given to ``sink`` (on the proxy's thread) when it ends."""
        with self._lock:
            self._watched[tag] = _Tag(sink, self.page_cap)

    def finish(self, tag: str) -> dict[str, Any] | None:
        """Stop recording ``tag``. Exchanges still open are given to the sink as they are (request only,
        or a partial response); returns a summary of what was recorded and cut, None if not watched."""
        with self._lock:
            rec = self._watched.pop(tag, None)
            if rec is None:
                return None
            for flow, seq in list(rec.open.values()):
                self._emit(rec, flow, seq, "no complete response before the page was closed")
            rec.open.clear()
            rec.taps.clear()
        return {
            "body_cap": self.body_cap,
            "page_cap": self.page_cap,
            "max_exchanges": self.max_exchanges,
            "exchanges": rec.sent,
            "dropped_exchanges": rec.dropped,
            "cut_bodies": rec.cut,
            "body_bytes_kept": rec.page_cap - rec.left,
        }

    # --- mitmproxy hooks ---

    def _record_of(self, flow: http.HTTPFlow) -> _Tag | None:
        if not self._watched:  # the common case: nobody records
            return None
        tag = self.tag_of(flow.client_conn)
        return self._watched.get(tag) if tag is not None else None

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        rec = self._record_of(flow)
        if rec is None or flow.response is not None:  # the guard answered it itself (refused, or 407)
            return
        with self._lock:
            if self._watched.get(self.tag_of(flow.client_conn) or "") is not rec:
                return
            rec.open[flow.id] = (flow, next(rec.seq))
            if flow.request.stream is True:  # a large upload, streamed through: keep its first bytes
                flow.request.stream = self._tap(rec, flow, "request")

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        rec = self._record_of(flow)
        if rec is None:
            return
        resp = flow.response
        with self._lock:
            if flow.id not in rec.open or resp is None or callable(resp.stream):
                return
            # streamed (large) or of unknown length (mitmproxy would switch to streaming midway and
            # the body would never be whole): read it through a tap
            if resp.stream or "content-length" not in resp.headers:
                resp.stream = self._tap(rec, flow, "response")

    def response(self, flow: http.HTTPFlow) -> None:
        self._end(flow, None)

    def error(self, flow: http.HTTPFlow) -> None:
        self._end(flow, flow.error.msg if flow.error is not None else "error")

    def _end(self, flow: http.HTTPFlow, error: str | None) -> None:
        rec = self._record_of(flow)
        if rec is None:
            return
        with self._lock:
            entry = rec.open.pop(flow.id, None)
            if entry is not None:
                self._emit(rec, flow, entry[1], error)

    # --- building exchanges (under the lock) ---

    def _tap(self, rec: _Tag, flow: http.HTTPFlow, part: str) -> _Tap:
        allowance = max(0, min(self.body_cap, rec.left))
        rec.left -= allowance  # reserved now, the unused part given back when the exchange ends
        tap = rec.taps[(flow.id, part)] = _Tap(allowance)
        return tap

    def _body(self, rec: _Tag, flow: http.HTTPFlow, part: str, message: http.Message, complete: bool) -> dict[str, Any]:
        """``body``, ``size`` (bytes seen) and ``cut`` (why fewer bytes were kept, or None) of one message."""
        tap = rec.taps.pop((flow.id, part), None)
        if tap is not None:
            rec.left += tap.allowance - tap.kept
            body, size, allowance = tap.body(), tap.seen, tap.allowance
        else:
            raw = message.raw_content
            if raw is None:
                rec.cut += 1
                why = "streamed through by the proxy, not kept" if message.stream else "the exchange ended before the body was complete: nothing kept"
                return {"body": b"", "size": None, "cut": why}
            allowance = max(0, min(self.body_cap, rec.left))
            body = raw if len(raw) <= allowance else raw[:allowance]
            size = len(raw)
            rec.left -= len(body)
        cut = None
        if len(body) < size:
            which = f"the per-body cap of {self.body_cap} bytes" if allowance >= self.body_cap else f"the per-page cap of {self.page_cap} bytes"
            cut = f"cut at {len(body)} of {size} bytes by {which}"
        elif not complete:
            cut = f"incomplete: {size} bytes arrived before the exchange ended"
        if cut:
            rec.cut += 1
        return {"body": body, "size": size, "cut": cut}

    def _drop_taps(self, rec: _Tag, flow: http.HTTPFlow) -> None:
        for part in ("request", "response"):
            tap = rec.taps.pop((flow.id, part), None)
            if tap is not None:
                rec.left += tap.allowance - tap.kept

    def _emit(self, rec: _Tag, flow: http.HTTPFlow, seq: int, error: str | None) -> None:
        if rec.sent >= self.max_exchanges:
            rec.dropped += 1
            self._drop_taps(rec, flow)
            return
        req = flow.request
        server = flow.server_conn.peername if flow.server_conn is not None else None
        exchange: Exchange = {
            "seq": seq,
            "url": request_url(req)[:MAX_URL],
            "method": req.method[:64],
            "http_version": req.http_version,
            "kind": request_kind(req),
            "started": req.timestamp_start,
            "server_ip": str(server[0]) if server else None,
            "request_headers": _fields(req.headers),
            "request": self._body(rec, flow, "request", req, True),
            "response": None,
            "error": error[:300] if error else None,
        }
        resp = flow.response
        if resp is not None:
            exchange["response"] = {
                "status": resp.status_code,
                "reason": resp.reason[:200],
                "http_version": resp.http_version,
                "started": resp.timestamp_start,
                "headers": _fields(resp.headers),
                **self._body(rec, flow, "response", resp, error is None),
            }
        rec.sent += 1
        self._drop_taps(rec, flow)
        try:
            rec.sink(exchange)
        except Exception:
            pass  # a sink failing never breaks the proxy
