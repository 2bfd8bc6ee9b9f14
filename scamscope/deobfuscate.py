"""Static de-obfuscation of the packers scam kits use, without running any code.

Kits hide their warning text, phone number and lock-in code from filters by packing them:

- ``document.write(atob('PGh0bWw+...'))`` and other base64 literals;
- ``String.fromCharCode(60, 104, 116, ...)``;
- ``unescape('%3C%68...')`` / ``decodeURIComponent(...)``;
- Dean Edwards' ``eval(function(p,a,c,k,e,d){...}(...))`` (p.a.c.k.e.r.);
- javascript-obfuscator's string arrays (``_0x4f2a`` names; base64 with swapped-case alphabet);
- one long string literal holding a whole page (``document.write('<html>...')``);
- words padded with a junk separator that script splits off at run time
  (``"Your_XyZ|computer_XyZ|is_XyZ|infected".split("_XyZ|").join(" ")``).

:func:`unpack` returns what it recovered (JavaScript, HTML, text) and which packers it met; the
page builder (:mod:`scamscope.acquire`) adds the recovered text and code to the page, so every
signal reads through the packing, and :mod:`scamscope.signals.packing` reports the packing itself
as weak evidence. Everything is bounded: literal sizes, the total decoded, nesting depth; all
regexes run on RE2 (linear time on hostile input).
"""

from __future__ import annotations

import binascii
import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from scamscope import rx

MAX_DECODED = 1_000_000  # characters recovered from one page in all
MAX_LITERAL = 600_000  # longest string literal looked at
MAX_DEPTH = 3  # packed inside packed
MIN_B64 = 24

_B64_LITERAL = rx.compile(r"""["'`]([A-Za-z0-9+/_-]{24,}={0,2})["'`]""")
_CHARCODES = rx.compile(r"fromCharCode\s*(?:\.\s*apply\s*\([^,()]{0,40},\s*\[|\()\s*([0-9xXa-fA-F,\s]+)[\])]")
_ESCAPED_CALL = rx.compile(r"""(?:unescape|decodeURIComponent|decodeURI)\s*\(\s*["'`]((?:%[0-9a-fA-F]{2}|%u[0-9a-fA-F]{4}|[^"'`%\\])+)["'`]""")
_PACKER = rx.compile(r"""\}\s*\(\s*(['"])((?:[^\\'"]|\\.)+)['"]\s*,\s*(\d{1,3})\s*,\s*(\d{1,6})\s*,\s*['"]((?:[^\\'"]|\\.)*)['"]\s*\.split\(\s*['"]\|['"]\s*\)""")
_OBFUSCATOR_NAME = rx.compile(r"\b_0x[0-9a-f]{4,6}\b")
_SHORT_LITERAL = rx.compile(r"""'([A-Za-z0-9+/=]{4,400})'|"([A-Za-z0-9+/=]{4,400})\"""")
_TAG = re.compile(r"<\s*(?:!doctype|html|head|body|div|script|meta|title|p|span|a|iframe|style|img|form|table|h[1-6]|center|br|font|audio|video)\b", re.I)
_JS = re.compile(r"\b(?:function\s*\w*\s*\(|var\s+\w+\s*=|let\s+\w+\s*=|const\s+\w+\s*=|document\.|window\.|=>|addEventListener)")
_WORD = re.compile(r"\w+")
# a separator of 3-24 letters between punctuation, repeated between the words of a literal
_PADDED = rx.compile(r"""["']([^"'\n]{40,1000})["']""")
_SEPARATOR = re.compile(r"[_|~^#@$]{1,2}[A-Za-z0-9]{3,24}[_|~^#@$]{1,2}")
MIN_SEPARATED = 5  # words a literal must hold, separated by the same padding


@dataclass
class Recovered:
    """What packed script decoded to."""

    code: list[str] = field(default_factory=list)  # JavaScript
    html: list[str] = field(default_factory=list)  # HTML fragments (pages written by script)
    text: list[str] = field(default_factory=list)  # plain text
    packers: dict[str, int] = field(default_factory=dict)  # packer -> times met
    size: int = 0

    def found(self, packer: str) -> None:
        self.packers[packer] = self.packers.get(packer, 0) + 1

    def room(self) -> int:
        return MAX_DECODED - self.size


def unpack(code: str, *, depth: int = 0, into: Recovered | None = None) -> Recovered:
    """Decode what ``code`` hides (see the module docstring); recurse into decoded JavaScript."""
    rec = into or Recovered()
    if not code or depth >= MAX_DEPTH or rec.room() <= 0:
        return rec
    for m in _B64_LITERAL.finditer(code):
        _add(rec, _b64(m.group(1)), "base64 literal", depth)
    for m in _CHARCODES.finditer(code):
        if 8 <= len(m.group(1)) <= MAX_LITERAL:
            _add(rec, _charcodes(m.group(1)), "String.fromCharCode", depth)
    for m in _ESCAPED_CALL.finditer(code):
        if 6 <= len(m.group(1)) <= MAX_LITERAL:
            _add(rec, _percent(m.group(1)), "unescape / decodeURIComponent", depth)
    for m in _PACKER.finditer(code):
        if len(m.group(2)) > MAX_LITERAL or len(m.group(5)) > MAX_LITERAL:
            continue
        _add(rec, _unpacker(m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)), "p.a.c.k.e.r. (eval(function(p,a,c,k,e,d)))", depth)
    names = sum(1 for _ in zip(range(50), _OBFUSCATOR_NAME.finditer(code), strict=False))
    if names >= 20:
        rec.found("javascript-obfuscator (string array)")
        for m in _SHORT_LITERAL.finditer(code):
            s = m.group(1) or m.group(2) or ""
            _add(rec, _b64(s.swapcase(), minimum=4), "javascript-obfuscator (string array)", depth, count=False)
    padded = [t for m in _PADDED.finditer(code) if (t := _unpad(m.group(1)))]
    if padded:
        _add(rec, " ".join(padded)[:MAX_LITERAL], "separator-padded strings", depth)
    if len(code) >= 4000:
        from scamscope.acquire import _JS_STRING  # possessive: linear even on a flood of quotes and backslashes

        for m in _JS_STRING.finditer(code):
            if m.end() - m.start() < 4002:
                continue
            s = m.group(1) or m.group(2) or m.group(3) or ""
            whole = m.group(0)
            if whole[-1] == whole[0] and len(s) <= MAX_LITERAL and "<" in s and _TAG.search(s[:20000]):
                _add(rec, _unescape_js(s), "page in one string literal", depth)
    return rec


def _unpad(literal: str) -> str | None:
    """The words of a literal padded with one repeated junk separator, joined with spaces."""
    counts: dict[str, int] = {}
    for m in _SEPARATOR.finditer(literal):
        counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    if not counts:
        return None
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    if n < MIN_SEPARATED:
        return None
    words = [w.strip() for w in literal.split(sep)]
    if not all(0 < len(w) <= 30 for w in words[:-1]):
        return None
    return " ".join(words)


def _add(rec: Recovered, text: str | None, packer: str, depth: int, *, count: bool = True) -> None:
    if not text or rec.room() <= 0:
        return
    text = text[: rec.room()]
    rec.size += len(text)
    head = text[:20000]
    if _TAG.search(head):
        rec.html.append(text)
    elif _JS.search(head):
        rec.code.append(text)
        unpack(text, depth=depth + 1, into=rec)
    else:
        rec.text.append(text)
        # data in base64 (a token, JSON, an id) is not hidden text: only prose counts as packing
        count = count and (packer != "base64 literal" or (head.count(" ") >= 3 and not head.lstrip().startswith(("{", "["))))
    if count:
        rec.found(packer)


def _readable(text: str) -> bool:
    """Mostly printable, with letters or digits: decoded text rather than binary (an image, a key)."""
    if not text:
        return False
    sample = text[:4000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\r\n") or c == "\ufffd")
    letters = sum(1 for c in sample if c.isalnum())
    return bad <= len(sample) // 50 and letters >= min(3, len(sample) // 4)


def _b64(s: str, minimum: int = MIN_B64) -> str | None:
    if len(s) < minimum or len(s) > MAX_LITERAL:
        return None
    t = s.replace("-", "+").replace("_", "/")
    t += "=" * (-len(t.rstrip("=")) % 4) if not t.endswith("=") else ""
    try:
        raw = binascii.a2b_base64(t.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    for enc in ("utf-8", "utf-16"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "%" in text and re.search(r"%[0-9a-fA-F]{2}", text[:2000]):
            text = unquote(text)  # javascript-obfuscator's base64 -> percent-encoding -> text
        return text if _readable(text) else None
    return None


def _charcodes(numbers: str) -> str | None:
    out = []
    for n in numbers.replace("\n", " ").split(",")[:MAX_LITERAL]:
        n = n.strip()
        if not n:
            continue
        try:
            v = int(n, 16) if n.lower().startswith("0x") else int(n)
            out.append(chr(v))
        except (ValueError, OverflowError):
            return None
    text = "".join(out)
    return text if len(text) >= 4 and _readable(text) else None


def _percent(s: str) -> str | None:
    text = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s) if "%u" in s else s
    text = unquote(text, errors="replace")
    return text if text != s and _readable(text) else None


def _unbase(word: str, radix: int) -> int | None:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n = 0
    for c in word:
        d = alphabet.find(c)
        if d < 0 or d >= max(radix, 1):
            return None
        n = n * radix + d
    return n


def _unpacker(payload: str, radix: int, count: int, keywords: str) -> str | None:
    """Dean Edwards' packer: every word of the payload is an index (base ``radix``) into the keyword list."""
    if not 2 <= radix <= 62:
        return None
    words = keywords.split("|")
    payload = payload.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")

    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        i = _unbase(w, radix)
        return words[i] if i is not None and i < len(words) and words[i] else w

    text = _WORD.sub(sub, payload)
    return text if _readable(text) else None


def _unescape_js(s: str) -> str:
    """A JavaScript string literal's text: escapes decoded (as acquire reads literals), then entities."""
    from scamscope.acquire import _unescape_js as unescape_literal

    if "\\" in s:
        s = unescape_literal(s)
    return htmllib.unescape(s) if "&" in s else s
