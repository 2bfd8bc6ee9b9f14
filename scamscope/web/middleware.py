"""ASGI middleware: request body limit, security headers, containment of unexpected errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) at most this much of an oversized body, so the client sees the answer

CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(Exception):
    """The request body is over the upload limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes: the app's form parsing gets :class:`BodyTooLarge`
    (turned into a 413 page), whether the client announced the size or streamed it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        too_big_upfront = declared is not None and declared.isdigit() and int(declared) > self.limit
        seen = 0
        limit = self.limit

        async def drain() -> None:
            drained = 0
            more = True
            while more and drained < DRAIN_LIMIT:
                msg = await receive()
                drained += len(msg.get("body", b""))
                more = msg.get("more_body", False)

        async def limited() -> Message:
            nonlocal seen
            if too_big_upfront:
                await drain()
                raise BodyTooLarge(limit)
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    if msg.get("more_body", False):
                        await drain()
                    raise BodyTooLarge(limit)
            return msg

        await self.app(scope, limited, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


Handler = Callable[[Request, Exception], Awaitable[Response]]


class ContainErrors:
    """Answer an unexpected exception with ``handler``'s page and stop it there.

    Starlette's outermost error middleware re-raises every exception after its handler ran, and
    uvicorn then logs it whole: the message of a database error can quote the values of the row
    (a caller's name, notes). Here the handler logs it, without those values, and nothing escapes.
    """

    def __init__(self, app: ASGIApp, handler: Handler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            response = await self.handler(Request(scope), exc)  # logs it
            if not started:
                await response(scope, receive, send)


def strip_nul_escapes(query: bytes) -> bytes:
    """A query string without NUL characters (``%00``), which PostgreSQL refuses in text."""
    query = query.replace(b"\x00", b"")
    while True:
        cleaned = re.sub(rb"%00", b"", query)
        if cleaned == query:
            return cleaned
        query = cleaned


class NoNulInQuery:
    """Remove NUL characters from every query string (forms are cleaned by ``deps.read_form``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = {**scope, "query_string": strip_nul_escapes(scope["query_string"])}
        await self.app(scope, receive, send)
