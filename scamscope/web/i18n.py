"""The desk's languages: Japanese (the default) and English, with gettext catalogs.

English is the msgid language; the Japanese catalog is ``locale/ja/LC_MESSAGES/messages.po``
(compiled to ``messages.mo``, shipped in the package). Each request gets its language from
``?lang=ja|en`` (which also sets the ``scamscope_lang`` cookie, except on the advice wizard, whose
``lang`` is the victim's), else the cookie, else ``Accept-Language``, else Japanese; the
:class:`Language` middleware puts it in a context variable that :func:`gettext` reads, so Python
code (error messages, labels) and templates translate alike. Outside a request (the command
line, logs) everything stays English.

Catalog commands (from the repository root)::

    pybabel extract -F scamscope/web/babel.cfg -k N_ -k gettext_in:2 -o /tmp/messages.pot scamscope/web
    pybabel update -i /tmp/messages.pot -d scamscope/web/locale -l ja --no-fuzzy-matching --ignore-obsolete
    pybabel compile -d scamscope/web/locale -l ja

A missing or out-of-date ``.mo`` is compiled from the ``.po`` when the app loads the catalog.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("scamscope.web")
LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
COOKIE = "scamscope_lang"
COOKIE_DAYS = 365
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
NO_COOKIE_PATHS = ("/advice",)  # there ?lang= is the wizard's language for the victim, not the staff's choice
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}

_lang: ContextVar[str] = ContextVar("scamscope_web_lang", default="en")


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for the catalog without translating it here (translated where it is shown)."""
    return message


def compile_catalog(lang: str, write: bool = True) -> bytes:
    """The ``.mo`` of ``lang`` compiled from its ``.po`` (fuzzy entries left out); written next to it
    when ``write`` and the directory allows it."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    data = buf.getvalue()
    if write:
        try:
            po.with_suffix(".mo").write_bytes(data)
        except OSError as exc:  # a read-only install: use it from memory
            log.info("cannot write %s (%s): using the catalog compiled in memory", po.with_suffix(".mo"), exc)
    return data


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog of ``lang`` (English: the msgids as they are)."""
    if lang == "en" or lang not in LANGS:
        return NullTranslations()
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return Translations(f, domain=DOMAIN)
    return Translations(io.BytesIO(compile_catalog(lang)), domain=DOMAIN)


def current_lang() -> str:
    return _lang.get()


@contextmanager
def use_lang(lang: str) -> Iterator[None]:
    token = _lang.set(lang if lang in LANGS else DEFAULT_LANG)
    try:
        yield
    finally:
        _lang.reset(token)


def gettext(message: str) -> str:
    return translations(_lang.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_lang.get()).ngettext(singular, plural, n)


_ = gettext


def gettext_in(lang: str, message: str) -> str:
    """``message`` in ``lang`` whatever the request's language (the advice wizard speaks the victim's)."""
    return translations(lang).gettext(message)


def from_accept_language(header: str) -> str | None:
    """The best of ja/en in an ``Accept-Language`` header (q-values honoured), or None."""
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(header.split(",")[:30]):
        tag, _sep, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for p in params.split(";"):
            key, _eq, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if primary in LANGS and q > 0 and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, primary)
    return best[2] if best else None


def _cookie(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _eq, val = part.strip().partition("=")
                if name == COOKIE:
                    return val.strip()
    return None


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), "")


def choose(scope: Scope) -> tuple[str, str | None]:
    """(the request's language, the language to store in the cookie or None)."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    asked = query.get("lang")
    cookie = _cookie(scope)
    if asked in LANGS:
        path = scope.get("path", "")
        store = None if path.startswith(NO_COOKIE_PATHS) or asked == cookie else asked
        return asked, store
    if cookie in LANGS:
        return str(cookie), None
    return from_accept_language(_header(scope, b"accept-language")) or DEFAULT_LANG, None


def switch_url(path: str, query: str, lang: str) -> str:
    """This page in ``lang``: its address with ``lang`` set (other parameters kept). Always a path
    on this site: never ``//host`` (a request for ``/%2Fevil.example`` has that path)."""
    path = quote(path, safe="/-._~!$&'()*+,;=:@")
    if not path.startswith("/") or path.startswith("//"):
        path = "/"
    items = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return path + "?" + urlencode([*items, ("lang", lang)])


class Language:
    """Pick each request's language; put it in the context (for :func:`gettext`) and in
    ``request.state.lang``; answer with ``Content-Language`` and, after ``?lang=``, the cookie."""

    def __init__(self, app: ASGIApp, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang, store = choose(scope)
        scope.setdefault("state", {})["lang"] = lang

        async def with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", lang.encode()))
                if store is not None:
                    cookie = f"{COOKIE}={store}; Path=/; Max-Age={COOKIE_DAYS * 86400}; SameSite=Lax; HttpOnly"
                    headers.append((b"set-cookie", (cookie + ("; Secure" if self.secure else "")).encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = _lang.set(lang)
        try:
            await self.app(scope, receive, with_language)
        finally:
            _lang.reset(token)
