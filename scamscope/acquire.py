"""Acquire a page from a file, bytes or a string: sniff what it is, decode it, split it into parts.

Inputs are recognised by content, not by name: an image or zip renamed ``.html`` is refused
with a clear reason. Pages larger than :data:`MAX_BYTES` are analysed on a bounded prefix and
marked ``truncated``.
"""

from __future__ import annotations

import codecs
import html as htmllib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from scamscope.language import detect_language
from scamscope.types import Page, PageKind

MAX_BYTES = 2_000_000  # analyse at most this many bytes of one input
MAX_READ = MAX_BYTES + 1  # read one byte more to know that a file was longer
MAX_STRINGS_CHARS = 400_000  # script string literals kept for text signals


class AcquireError(Exception):
    """The input could not be analysed; the message is one line meant for the user."""


_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office/EPUB/JAR file)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable (PE)"),
    (b"\x00asm", "a WebAssembly module"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x00\x00\x01\x00", "a Windows icon"),
]

_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
IMAGE_KINDS = {"a PNG image", "a JPEG image", "a GIF image", "a WebP image", "a BMP image"}


def sniff_binary(head: bytes) -> str | None:
    """Return a description of a binary format, or None when the bytes look like text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return "a RIFF media file"
    if head[:2] == b"BM" and len(head) > 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "a BMP image"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "an MP4/ISO media file"
    sample = head[:8192]
    if not sample:
        return None
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    nul = sample.count(0)
    if nul > len(sample) // 100 + 1:
        return "a binary file"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) // 20 + 2:
        return "a binary file"
    return None


# --- decoding -------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]{0,200}encoding\s*=\s*["']([A-Za-z0-9_\-.]{2,40})""", re.I)

_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",  # as browsers do
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


def _codec(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(data: bytes) -> tuple[str, str]:
    """Decode page bytes the way a browser would, never failing: returns (text, encoding)."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    if b"\x1b$B" in data[:65536] or b"\x1b$@" in data[:65536]:  # ISO-2022-JP is 7-bit: it passes as UTF-8
        return data.decode("iso2022_jp_ext", errors="replace"), "iso2022_jp_ext"
    head = data[:4096]
    declared = None
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    if m:
        declared = _codec(m.group(1).decode("ascii", "replace"))
    # UTF-8 first when it decodes cleanly: many pages declare one charset and use another.
    as_utf8 = _strict(data, "utf-8")
    if as_utf8 is None and len(data) >= MAX_BYTES:  # a cut multi-byte char at the end
        for cut in (1, 2, 3):
            as_utf8 = _strict(data[:-cut], "utf-8")
            if as_utf8 is not None:
                break
    if declared and declared not in ("utf-8",):
        strict = _strict(data, declared)
        if strict is not None and (as_utf8 is None or _looks_ascii(data)):
            return strict, declared
    if as_utf8 is not None:
        return as_utf8, "utf-8"
    if declared:
        strict = _strict(data, declared)
        if strict is not None:
            return strict, declared
    for enc in ("cp932", "euc_jis_2004", "iso2022_jp_ext"):
        strict = _strict(data, enc)
        if strict is not None and _has_japanese(strict):
            return strict, enc
    guess = _guess(data)
    if guess:
        return data.decode(guess, errors="replace"), guess
    if declared:
        return data.decode(declared, errors="replace"), declared
    return data.decode("utf-8", errors="replace"), "utf-8"


def _looks_ascii(data: bytes) -> bool:
    return all(b < 128 for b in data[:65536])


_JA = re.compile(r"[\u3040-\u30ff]")


def _has_japanese(text: str) -> bool:
    return len(_JA.findall(text[:20000])) >= 3


def _guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
    except Exception:  # charset_normalizer is a best effort, never a reason to fail
        return None
    if best is None:
        return None
    return _codec(best.encoding)


# --- parsing -----------------------------------------------------------------------------

_TAG = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|div|script|meta|title|p|span|a|iframe|style|link|img|form|table|center|br|font)\b", re.I)
_JS_HINT = re.compile(
    r"\b(?:function\s*\w*\s*\(|var\s+\w+\s*=|let\s+\w+\s*=|const\s+\w+\s*=|document\.|window\.|navigator\.|=>|addEventListener|import\s+\w+\s+from|export\s+default)"
)
# A string literal runs to its closing quote or, when unterminated, to the end of its line (of
# the input for templates) or to a last backslash at the very end of the input. Quantifiers are
# possessive and a literal that has started always matches, so no text is read twice: hostile
# input (a line of 'a\'a\'a\ ending in a backslash) is read in linear time.
_JS_STRING = re.compile(
    r"""'((?:[^'\\\n]|\\.)*+)(?:'|$|\\\Z)|"((?:[^"\\\n]|\\.)*+)(?:"|$|\\\Z)|`((?:[^`\\]|\\.)*+)(?:`|\\?\Z)""",
    re.M | re.S,
)
_MAX_LITERAL = 4000

_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(.)", re.S)
_INNER_TAG = re.compile(r"<[^<>]{0,500}>")
_LETTER = re.compile(r"[A-Za-z\u3040-\u30ff\u3400-\u9fff\uff10-\uff19]")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANKS = re.compile(r"\n\s*\n+")


def _unescape_js(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code:
            try:
                return chr(int(code, 16))
            except (ValueError, OverflowError):
                return ""
        c = m.group(4)
        return {"n": "\n", "t": " ", "r": "", "b": "", "f": "", "v": ""}.get(c, c)

    return _ESCAPE.sub(sub, s)


def script_strings(code: str, limit: int = MAX_STRINGS_CHARS) -> str:
    """String literals of JavaScript source that read like text (one per line, tags removed).

    Scam kits draw their warnings with ``innerHTML = '...'``; this recovers that text without
    running the code.
    """
    out: list[str] = []
    size = 0
    for m in _JS_STRING.finditer(code):
        s = m.group(1) or m.group(2) or m.group(3) or ""
        whole = m.group(0)
        if len(whole) < 2 or whole[-1] != whole[0] or len(s) > _MAX_LITERAL:
            continue  # unterminated, empty or too long to be text
        if "\\" in s:
            s = _unescape_js(s)
        if "<" in s:
            s = _INNER_TAG.sub(" ", s)
        if "&" in s:
            s = htmllib.unescape(s)
        s = _SPACE.sub(" ", s).strip()
        if len(s) < 2 or not _LETTER.search(s):
            continue
        out.append(s)
        size += len(s) + 1
        if size > limit:
            break
    return "\n".join(out)


def guess_kind(text: str) -> PageKind:
    """Tell HTML from code (JS, JSX, PHP) from plain text, by content."""
    head = text[:200_000].lstrip("\ufeff \t\r\n")
    if _STRUCTURE.search(head) and not _JS_START.match(head):
        return "html"
    if head[:5].lower() == "<?php":
        return "script"
    if head.startswith("<") and not head.startswith("<%"):
        return "html"
    js = len(_JS_HINT.findall(head[:50_000]))
    if js >= 3:
        return "script"
    if len(_TAG.findall(head[:50_000])) >= 5:
        return "html"
    return "text"


# code that only runs in Node.js: it loads Node's own modules or browser-automation libraries, or
# reads its command line (UMD's `module.exports` is not a sign: browser libraries carry it too)
_NODE_PROGRAM = re.compile(
    r"""\brequire\s*\(\s*['"](?:node:)?(?:fs|path|child_process|os|http|https|net|readline|worker_threads|"""
    r"""puppeteer(?:-core|-extra)?|playwright(?:-core)?|selenium-webdriver|express|commander|yargs)['"]\s*\)"""
    r"""|\bimport\s[^;\n]{0,200}\bfrom\s*['"](?:node:\w+|fs|child_process|puppeteer|playwright)['"]|\bprocess\.argv\b"""
)
SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".php", ".vbs")


def _script_name(source: str) -> bool:
    """``source`` names a code file (``kit.js``, ``inject.php``, a ZIP member ``a.zip!/x.js``)."""
    return source.lower().rstrip().endswith(SCRIPT_SUFFIXES)


_STRUCTURE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)
# white space and comments, each read once (possessive; a comment ends at its first */): a nested
# lazy comment here was exponential on /**//**//**/...
_JS_START = re.compile(
    r"(?:\s|//[^\n]*+\n|/\*(?:[^*]|\*(?!/))*+\*/)*+(?:import\s|export\s|const\s|let\s|var\s|function\b|\(function|\$\(|document\.|window\.)"
)
_COMMENT_OPEN = re.compile("<!--")
_COMMENT_CLOSE = re.compile("-->")
MAX_COMMENT = 200_000


def _spans(
    text: str, opener: re.Pattern[str], closer: Callable[[re.Match[str]], re.Pattern[str]], limit: int
) -> Iterator[tuple[int, int, int, int]]:
    """``(start, inner_start, inner_end, end)`` of each ``opener … closer`` span, left to right.

    What ``opener(.{0,limit}?)closer`` (dot matching newlines) finds with ``finditer``, in one
    linear pass: the regex would scan up to ``limit`` characters from every opener that has no
    closer in reach (``<!--<!--<!--…``), this remembers where the next closer is instead.
    ``closer`` gives the closing pattern for an opening match (``</script`` for ``<script``).
    """
    pos = 0
    known: dict[re.Pattern[str], re.Match[str] | None] = {}  # the next match of each closer
    while True:
        o = opener.search(text, pos)
        if o is None:
            return
        rx = closer(o)
        c = known.get(rx, False)
        if c is False or (c is not None and c.start() < o.end()):
            c = known[rx] = rx.search(text, o.end())
        if c is not None and c.start() - o.end() <= limit:
            yield o.start(), o.end(), c.start(), c.end()
            pos = c.end()
        else:
            pos = o.start() + 1


def _comments(html: str) -> Iterator[tuple[int, int, int, int]]:
    """``<!-- … -->`` spans (at most :data:`MAX_COMMENT` characters inside), in linear time."""
    return _spans(html, _COMMENT_OPEN, lambda _m: _COMMENT_CLOSE, MAX_COMMENT)


def _cut(text: str, spans: Iterable[tuple[int, int, int, int]], repl: str) -> str:
    """``text`` with each span replaced by ``repl``."""
    out: list[str] = []
    last = 0
    for start, _a, _b, end in spans:
        out.append(text[last:start])
        out.append(repl)
        last = end
    out.append(text[last:])
    return "".join(out)
_PHP_BLOCK = re.compile(r"<\?php(.{0,200000}?)(?:\?>|\Z)", re.S)
_TAG_TEXT = re.compile(r">([^<>{}]{2,2000})<")


def code_markup_text(code: str) -> str:
    """Text between tags inside code: JSX bodies, HTML templates in PHP or JS strings."""
    parts = [m.group(1).strip() for m in _TAG_TEXT.finditer(code[:MAX_BYTES])]
    return "\n".join(htmllib.unescape(p) for p in parts if _LETTER.search(p))


_LINE_EDGES = re.compile(r" *(?:\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]) *")


def _norm_text(s: str) -> str:
    """Collapse runs of spaces, trim every line, drop blank lines."""
    s = _SPACE.sub(" ", s)
    s = _LINE_EDGES.sub("\n", s)
    return _BLANKS.sub("\n", s).strip()


_VISIBLE_ATTRS = ("alt", "placeholder", "aria-label", "value", "title")



MAX_DEPTH = 2000  # Lexbor's tree builder is quadratic in nesting depth; deeper pages are read flat
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})")
_NO_DEPTH = frozenset(
    "area base br col embed hr img input link meta source track wbr p li option td th tr dt dd".split()
)


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Rough element nesting depth, stopping as soon as it exceeds ``limit``."""
    if html.count("<") < limit:
        return 0
    depth = deepest = 0
    for m in _TAG_TOKEN.finditer(html):
        if m.group(1):
            depth = max(0, depth - 1)
        elif m.group(2).lower() not in _NO_DEPTH:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
    return deepest


_BLOCK_OPEN = re.compile(r"<(script|style)\b[^<>]{0,2000}>", re.I)
_BLOCK_CLOSE = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}
_TAG_OPEN = re.compile("<")
_TAG_CLOSE = re.compile(">")
_TITLE_OPEN = re.compile(r"<title[^<>]{0,200}>", re.I)
_TITLE_CLOSE = re.compile("</title", re.I)


def _blocks(html: str) -> Iterator[tuple[int, int, int, int]]:
    """``<script>…</script>`` and ``<style>…</style>`` spans, in linear time."""
    return _spans(html, _BLOCK_OPEN, lambda m: _BLOCK_CLOSE[m.group(1).lower()], len(html))


def _parse_flat(page: Page) -> None:
    """Tree-less extraction for pathological markup: regexes only, linear time."""
    html = page.html
    code = [html[a:b] for _s, a, b, _e in _blocks(html)]
    code.extend(re.findall(r"""\s(on[a-z]{3,30}\s*=\s*(?:"[^"]{0,2000}"|'[^']{0,2000}'))""", html, re.I))
    code.extend("style=" + v for v in re.findall(r"""\sstyle\s*=\s*["']([^"']{0,2000})""", html, re.I))
    page.links.extend(re.findall(r"""(?:href|src|action)\s*=\s*["']([^"'\s]{1,2000})""", html, re.I))
    title = next(_spans(html, _TITLE_OPEN, lambda _m: _TITLE_CLOSE, 2000), None)
    page.title = _norm_text(htmllib.unescape(html[title[1]:title[2]])) if title else ""
    no_code = _cut(html, _blocks(html), " ")
    body = _cut(no_code, _comments(no_code), " ")
    page.text = _norm_text(htmllib.unescape(_cut(body, _spans(body, _TAG_OPEN, lambda _m: _TAG_CLOSE, 5000), "\n")))
    page.script_text = "\n".join(code)
    page.strings = _norm_text(script_strings(page.script_text))


QUOTE_OPEN, QUOTE_CLOSE = "\ue000", "\ue001"  # private-use marks around quoted elements' text
MAX_QUOTES = 500


def _parse_html(page: Page) -> None:
    depth = nesting_depth(page.html)
    if depth > MAX_DEPTH:
        page.notes.append(f"markup nested more than {MAX_DEPTH} levels deep: read without building a tree")
        _parse_flat(page)
        return
    tree = LexborHTMLParser(page.html)
    title_node = tree.css_first("title")
    page.title = _norm_text(title_node.text(deep=True)) if title_node else ""

    code_parts: list[str] = []
    for node in tree.css("script"):
        src = node.attributes.get("src")
        if src:
            page.links.append(src)
        code = node.text(deep=True)
        if code:
            code_parts.append(code)
    for node in tree.css("style"):
        code_parts.append(node.text(deep=True) or "")

    attr_texts: list[str] = []
    for node in tree.css("*"):
        attrs = node.attributes
        if not attrs:
            continue
        for name, value in attrs.items():
            if value is None:
                continue
            lname = name.lower()
            if lname.startswith("on") or lname == "style":
                code_parts.append(f"{lname}={value}")
            elif lname in ("href", "src", "action", "data-src", "content") and (
                lname != "content" or "://" in value or value.startswith("tel:")
            ):
                page.links.append(value)
            if lname in _VISIBLE_ATTRS and node.tag in ("img", "input", "button", "a", "area", "textarea"):
                if lname != "value" or (attrs.get("type") or "").lower() in ("button", "submit", "reset", ""):
                    attr_texts.append(value)

    for form in tree.css("form"):
        inputs = []
        for inp in form.css("input, select, textarea"):
            a = inp.attributes
            inputs.append(
                " ".join(
                    str(a.get(k) or "")
                    for k in ("type", "name", "id", "placeholder", "autocomplete", "aria-label")
                ).strip()
            )
        page.forms.append({"action": form.attributes.get("action") or "", "inputs": inputs, "text": _norm_text(form.text(separator=" "))[:2000]})

    for tag in ("script", "style", "noscript", "template"):
        for node in tree.css(tag):
            node.decompose()
    # quoting elements: their text is marked, so that scare phrases quoted by an article are not
    # read as the page's own claims (scamscope.signals.scare_text.quoted_how)
    for node in tree.css("blockquote, q, figcaption")[:MAX_QUOTES]:
        try:
            node.insert_before(QUOTE_OPEN)
            node.insert_after(QUOTE_CLOSE)
        except Exception:  # noqa: BLE001 - a node Lexbor cannot insert next to: left unmarked
            continue
    body = tree.body or tree.root
    visible = body.text(separator="\n", deep=True) if body is not None else ""
    page.text = _norm_text("\n".join([visible, *attr_texts]))
    # server-side code left in a saved kit (PHP) is code too; commented-out markup is hidden text
    code_parts.extend(m.group(1) for m in _PHP_BLOCK.finditer(page.html))
    page.script_text = "\n".join(code_parts)
    comments = "\n".join(page.html[a:b] for _s, a, b, _e in _comments(page.html) if "<" in page.html[a:b])
    page.strings = _norm_text(script_strings(page.script_text) + "\n" + code_markup_text(comments))


MAX_UNPACKED_FRAGMENTS = 50


def _add_unpacked(page: Page) -> None:
    """Decode packed scripts (:mod:`scamscope.deobfuscate`): their text joins the script-drawn
    strings, their code the code the lock-in signals read, their links the page's links."""
    from scamscope.deobfuscate import unpack

    rec = unpack(page.script_text if page.kind == "html" else page.html)
    if not rec.packers:
        return
    texts = list(rec.text)
    codes = list(rec.code)
    for fragment in rec.html[:MAX_UNPACKED_FRAGMENTS]:
        tree = LexborHTMLParser(fragment)
        if not page.title:  # a whole document written by script: its title is what the tab shows
            title_node = tree.css_first("title")
            if title_node is not None:
                page.title = _norm_text(title_node.text(deep=True))[:300]
        for node in tree.css("script"):
            codes.append(node.text(deep=True) or "")
        for node in tree.css("[href], [src], [action]"):
            for attr in ("href", "src", "action"):
                value = node.attributes.get(attr)
                if value:
                    page.links.append(value[:2000])
        for tag in ("script", "style", "noscript", "template"):
            for node in tree.css(tag):
                node.decompose()
        root = tree.body or tree.root
        texts.append(root.text(separator="\n", deep=True) if root is not None else "")
    code = "\n".join(codes)
    page.unpacked = code
    page.strings = _norm_text("\n".join([page.strings, *texts, script_strings(code)]))
    page.packers = dict(rec.packers)
    page.notes.append("packed script decoded without running it: " + ", ".join(f"{k} ×{v}" for k, v in rec.packers.items()))


def build_page(
    html: str,
    *,
    source: str = "<string>",
    url: str | None = None,
    kind: PageKind | None = None,
    encoding: str = "utf-8",
    truncated: bool = False,
    byte_size: int | None = None,
) -> Page:
    """Split decoded page source into the parts signals read."""
    if QUOTE_OPEN in html or QUOTE_CLOSE in html:  # the page's own copies of the quote marks could fake a quote
        html = html.replace(QUOTE_OPEN, "").replace(QUOTE_CLOSE, "")
    if len(html) > MAX_BYTES:
        html = html[:MAX_BYTES]
        truncated = True
    if kind is None:
        kind = guess_kind(html)
        if kind == "text" and _script_name(source):
            kind = "script"  # a short kit file (one lock call and a key handler) named as code is code
    page = Page(
        source=source,
        kind=kind,
        html=html,
        text="",
        url=url,
        encoding=encoding,
        truncated=truncated,
        byte_size=len(html.encode("utf-8", "replace")) if byte_size is None else byte_size,
    )
    if kind == "html":
        _parse_html(page)
    elif kind == "script":
        page.script_text = html
        page.strings = _norm_text(script_strings(html))
        if _NODE_PROGRAM.search(html[:50_000]):
            # a Node.js program (a crawler, a test, a build script) runs on a server, not in a
            # victim's browser: its plain strings are data (a crawler's keyword list), not text a
            # page shows; markup it writes (an HTML string it serves) is still read as the page text
            page.strings = ""
            page.notes.append("a Node.js program (not run in a browser): its plain strings are data, not page text")
        page.text = _norm_text(code_markup_text(html))
        m = re.search(r"<title[^<>]*>([^<]{1,300})</title", html[:200_000], re.I)
        page.title = _norm_text(htmllib.unescape(m.group(1))) if m else ""
        # kits' JS often embeds whole HTML fragments; their links matter too
        page.links.extend(re.findall(r"""(?:href|src)\s*=\s*\\?["']([^"'\\\s]{3,500})""", html[:MAX_BYTES]))
        page.links.extend(re.findall(r"tel:[+0-9()\-. ]{5,30}", html[:MAX_BYTES]))
    else:
        page.text = _norm_text(html)
    if kind in ("html", "script"):
        _add_unpacked(page)
    if truncated:
        page.notes.append(f"input larger than {MAX_BYTES:,} bytes: analysed the first {MAX_BYTES:,} bytes only")
    visible = page.title + "\n" + page.text
    page.language = detect_language(visible if len(page.text) >= 200 else page.all_text)
    return page


def page_from_bytes(data: bytes, *, source: str = "<bytes>", url: str | None = None) -> Page:
    """Sniff, decode and parse raw bytes. Raises :class:`AcquireError` for unusable input."""
    size = len(data)
    if size == 0:
        raise AcquireError("empty input")
    what = sniff_binary(data[:16384])
    if what in IMAGE_KINDS:
        return page_from_image(data, what, source=source, url=url)
    if what:
        raise AcquireError(f"not a web page or screenshot: the content is {what}")
    truncated = size > MAX_BYTES
    if truncated:
        data = data[:MAX_BYTES]
    text, enc = decode(data)
    if not text.strip():
        raise AcquireError("input holds only white space")
    return build_page(text, source=source, url=url, encoding=enc, truncated=truncated, byte_size=size)


ocr_timeout_s: float | None = None  # set in a bounded worker (scamscope.bounded): OCR ends within its budget


def page_from_image(data: bytes, what: str, *, source: str, url: str | None = None) -> Page:
    """A screenshot or photo of a warning: its OCR text is the page's visible text."""
    from scamscope.ocr import OcrError, ocr_image

    try:
        result = ocr_image(data) if ocr_timeout_s is None else ocr_image(data, timeout=ocr_timeout_s)
    except OcrError as exc:
        raise AcquireError(f"{what}: {exc}") from None
    from scamscope.phones import repair_ocr_digits

    text = repair_ocr_digits(result.text)
    page = build_page(text or " ", source=source, url=url, kind="image", byte_size=len(data))
    page.ocr_text = text
    page.notes.append(f"{what}: text recognised by {result.engine} ({result.languages})")
    page.notes.extend(result.notes)  # downscaled, first frame only, memory ran short
    if not result.text.strip():
        page.notes.append("no text was recognised in the image")
    return page


def read_input(path: str | os.PathLike[str], limit: int = MAX_READ) -> bytes:
    """Read at most ``limit`` bytes of a file, refusing what is not a regular file."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise AcquireError("no such file") from None
    except PermissionError:
        raise AcquireError("permission denied") from None
    except OSError as exc:
        raise AcquireError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise AcquireError("is a directory, not a file")
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISFIFO(st.st_mode) and not stat.S_ISCHR(st.st_mode):
        raise AcquireError("not a regular file")
    try:
        with p.open("rb") as fh:
            return fh.read(limit)
    except PermissionError:
        raise AcquireError("permission denied") from None
    except OSError as exc:
        raise AcquireError(f"cannot read: {exc.strerror or exc}") from None


def page_from_file(path: str | os.PathLike[str], *, url: str | None = None, data: bytes | None = None) -> Page:
    """A page from a file; ``data``: its first :data:`MAX_READ` bytes when already read."""
    data = read_input(path) if data is None else data
    size = len(data)
    try:
        size = max(size, Path(path).stat().st_size)
    except OSError:
        pass
    page = page_from_bytes(data, source=str(path), url=url)
    page.byte_size = size
    if size > MAX_BYTES and not page.truncated:
        page.truncated = True
        page.notes.append(f"input larger than {MAX_BYTES:,} bytes: analysed the first {MAX_BYTES:,} bytes only")
    return page
