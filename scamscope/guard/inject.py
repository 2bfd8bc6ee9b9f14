"""Put the watcher script into a page, first thing, and let it run under the page's CSP.

The script goes right after the doctype (before ``<html>``; the parser moves it into ``<head>``),
so it runs before any script of the page and before a ``<meta>`` CSP can forbid it. A CSP sent in
headers gets the script's hash added to the directive that governs inline scripts, and the guard's
report URL to the one that governs ``sendBeacon``, unless ``'unsafe-inline'`` already allows it
(adding a hash would switch ``'unsafe-inline'`` off and break the page's own inline scripts).
The script is ASCII only, so it can go into a page in any ASCII-compatible charset as bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re

_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]{0,2000}<!doctype[^>]{0,2000}>", re.I)
_BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
SCRIPT_DIRECTIVES = ("script-src-elem", "script-src", "default-src")
CONNECT_DIRECTIVES = ("connect-src", "default-src")


class CannotInject(Exception):
    """The page's encoding cannot carry the script as ASCII bytes (UTF-16/32)."""


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("ascii")).digest()).decode("ascii") + "'"


def insert_script(body: bytes, script: str, mark: str, content_type: str = "") -> bytes:
    """``body`` with ``<script data-MARK>script</script>`` right after its doctype (or at its start)."""
    if body.startswith(_UTF16) or "utf-16" in content_type.lower() or "utf-32" in content_type.lower():
        raise CannotInject("the page is UTF-16/32: the watcher cannot be added as ASCII")
    tag = f"<script data-{mark}>{script}</script>".encode("ascii")
    m = _DOCTYPE.match(body)
    if m is not None:
        return body[: m.end()] + tag + body[m.end() :]
    if body.startswith(_BOM):
        return _BOM + tag + body[len(_BOM) :]
    return tag + body


def _directives(policy: str) -> list[list[str]]:
    return [d.split() for d in policy.split(";") if d.strip()]


def _sources_allow_inline(sources: list[str]) -> bool:
    low = [s.lower() for s in sources]
    return "'unsafe-inline'" in low and not any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) or s == "'strict-dynamic'" for s in low)


def _add_source(directives: list[list[str]], names: tuple[str, ...], source: str, inline: bool, add_as: str) -> None:
    """Allow ``source`` under the directive (of ``names``, first present wins) that governs it; when
    that is ``default-src``, a directive ``add_as`` with its sources is added instead of widening it."""
    found = next((d for name in names for d in directives if d and d[0].lower() == name), None)
    if found is None:
        return  # nothing restricts it
    if inline and _sources_allow_inline(found[1:]):
        return
    if found[0].lower() == "default-src":
        new = [add_as, *[s for s in found[1:] if s.lower() != "'none'"], source]
        directives.append(new)
        return
    if any(s.lower() == "'none'" for s in found[1:]):
        del found[1:]
    found.append(source)


def widen_csp(policy: str, script: str, report_url: str) -> str:
    """One CSP header value, changed so that the watcher ``script`` runs and can post to ``report_url``."""
    directives = _directives(policy)
    if not directives:
        return policy
    # script-src (not script-src-elem) when added: every browser knows it
    _add_source(directives, SCRIPT_DIRECTIVES, script_hash(script), inline=True, add_as="script-src")
    _add_source(directives, CONNECT_DIRECTIVES, report_url, inline=False, add_as="connect-src")
    return "; ".join(" ".join(d) for d in directives)
