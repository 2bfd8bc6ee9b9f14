"""Kit fingerprints: what stays the same when one scam kit is deployed again with another number.

Scam kits are copied from host to host with a new phone number, new wording or a new file name;
their code, markup structure and media files stay. :func:`fingerprint` reduces a
:class:`~scamscope.types.Page` to a few short hashes that campaigns
(:mod:`scamscope.exchange.campaigns`) compare:

``scripts``
    sorted SHA-256 (first 16 hex digits) of each inline script body after normalisation (white
    space removed, every run of digits, with the separators numbers are written with, as one
    ``0``, so a kit with another number or random id keeps its hash; bodies shorter than :data:`MIN_INLINE` characters are left out, they say
    nothing about a kit), and of ``"src:" + basename`` of each external script.
    ``scripts_inline`` counts the inline entries.
``dom``
    hash of the markup *structure*: the sequence of tag names, each with its sorted class names,
    of the first :data:`MAX_ELEMENTS` elements; text and other attributes are left out.
``dom_shape``
    a coarser hash of only the tag names, so that renamed classes still match.
``elements``
    how many elements went into ``dom`` (small pages share structures by chance).
``images``
    sorted names of image and audio assets: basenames of ``img``/``audio``/``video``/``source``
    sources, CSS ``url()`` targets and media file names quoted in scripts; ``data:`` URIs as
    ``data:`` + a hash of the URI. At most :data:`MAX_ASSETS`.
``title_hash``
    hash of the normalised title (lower case, spaces collapsed, digits as ``0``), or None.

Hostile pages are the normal case: everything is bounded (elements, scripts, assets, class names
and lengths read), regexes on page text run on RE2 (:mod:`scamscope.rx`), and markup nested
deeper than the tree builder takes is read with a flat tag scan instead (as :mod:`scamscope.acquire`
does).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from scamscope import rx
from scamscope.acquire import MAX_BYTES, MAX_DEPTH, nesting_depth
from scamscope.types import Page

VERSION = 1
HEX = 16  # hex digits kept of each SHA-256 (64 bits)
MAX_ELEMENTS = 2000
MAX_SCRIPTS = 200
MAX_SCRIPT_CHARS = 400_000  # of one inline script body
MAX_ASSETS = 200
MAX_CLASSES = 16  # class names kept per element
MAX_CLASS_CHARS = 400  # of one class attribute read
MIN_INLINE = 32
MAX_NAME = 120  # characters of an asset basename kept
MAX_SCAN_CHARS = 1_000_000  # of script/style text searched for url() and media names

# CSS url(...) targets, and media file names quoted in code: one RE2 pass over the code
_ASSET_REF = rx.compile(
    r"""url\(\s*["']?([^"'()\s]+)|["'(]([^"'()\s<>]*\.(?:mp3|wav|ogg|oga|m4a|aac|png|jpe?g|gif|svg|webp|ico|bmp))(?:[?#][^"'()\s<>]*)?["')]""",
    ignore_case=True,
)
_FLAT_TAG = rx.compile(r"<([a-zA-Z][a-zA-Z0-9-]{0,30})([^<>]*)>")
_FLAT_CLASS = rx.compile(r"""\sclass\s*=\s*(?:"([^"]*)|'([^']*)|([^\s"'>]+))""", ignore_case=True)
_FLAT_SRC = rx.compile(r"""\ssrc\s*=\s*["']?([^"'\s>]+)""", ignore_case=True)
_SCRIPT_AND_MEDIA = "script, img, audio, video, source, embed, input[type=image]"


def _h(text: str | bytes) -> str:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return hashlib.sha256(data).hexdigest()[:HEX]


_TO_ZERO = str.maketrans("123456789", "000000000")


_JOINS = ("00", "0-0", "0 0", "0.0", "(0)", "+0", "0)0")


def _zero_digits(text: str) -> str:
    """Every run of digits, with the separators phone numbers are written with, as one ``0``.

    ``0101-844-555-0199`` and ``050-3123-4567`` both become ``0``. str methods only: each
    pass is linear and halves the runs, so a hostile run of digits costs a logarithmic number
    of passes.
    """
    text = text.translate(_TO_ZERO)
    while True:
        before = len(text)
        for j in _JOINS:
            if j in text:
                text = text.replace(j, "0")
        if len(text) == before:
            return text


_CODE_TABLE = bytes.maketrans(b"123456789", b"000000000")
_CODE_JOINS = (b"00", b"0-0", b"0.0", b"(0)", b"+0", b"0)0")


def _norm_code(code: str) -> bytes:
    """Script source for hashing: white space removed, digit runs (phone numbers, ids) as ``0``.

    On bytes: one C-level translate, then replacements that each halve the runs (linear passes).
    """
    data = code[:MAX_SCRIPT_CHARS].encode("utf-8", "replace").translate(_CODE_TABLE, b" \t\r\n\f\v")
    while True:
        before = len(data)
        for j in _CODE_JOINS:
            if j in data:
                data = data.replace(j, b"0")
        if len(data) == before:
            return data


def basename(ref: str) -> str:
    """The file name of a URL or path (no query or fragment); ``data:`` URIs as ``data:HASH``."""
    ref = ref.strip()
    if ref[:5].lower() == "data:":
        return "data:" + _h(ref)
    try:
        path = urlsplit(ref[:2000]).path
    except ValueError:
        path = ref[:2000].split("?", 1)[0].split("#", 1)[0]
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    return name[:MAX_NAME]


def _classes(value: str) -> str:
    if " " not in value and len(value) <= MAX_CLASS_CHARS and "\t" not in value and "\n" not in value:
        return value
    return ".".join(sorted(set(value[:MAX_CLASS_CHARS].split()))[:MAX_CLASSES])


class _Collect:
    def __init__(self) -> None:
        self.scripts: set[str] = set()
        self.inline: set[str] = set()
        self.assets: set[str] = set()

    def script(self, body: str | None, src: str | None) -> None:
        if len(self.scripts) >= MAX_SCRIPTS:
            return
        if src and src.strip():
            name = basename(src)
            if name:
                self.scripts.add(_h("src:" + name))
            return
        norm = _norm_code(body or "")
        if len(norm) >= MIN_INLINE:
            h = _h(norm)
            self.scripts.add(h)
            self.inline.add(h)

    def asset(self, ref: str | None) -> None:
        if ref and len(self.assets) < MAX_ASSETS:
            name = basename(ref)
            if name and name not in (".", ".."):
                self.assets.add(name)

    def assets_in_code(self, code: str) -> None:
        for m in _ASSET_REF.finditer(code[:MAX_SCAN_CHARS]):
            if len(self.assets) >= MAX_ASSETS:
                return
            self.asset(m.group(1) or m.group(2))


def _tree_dom(html: str, c: _Collect) -> tuple[list[str], list[str]]:
    tree = LexborHTMLParser(html)
    full: list[str] = []
    shape: list[str] = []
    root = tree.root
    if root is not None:
        for node in root.traverse(include_text=False):
            tag = node.tag
            if not tag or tag.startswith(("-", "_")):  # comments, doctype
                continue
            shape.append(tag)
            cls = node.attributes.get("class")
            full.append(tag + "." + _classes(cls) if cls else tag)
            if len(shape) >= MAX_ELEMENTS:
                break
    scripts = assets = 0
    for node in tree.css(_SCRIPT_AND_MEDIA):
        a = node.attributes
        if node.tag == "script":
            if scripts < MAX_SCRIPTS * 2:
                scripts += 1
                c.script(None if a.get("src") else node.text(deep=True), a.get("src"))
        elif assets < MAX_ASSETS * 2:
            assets += 1
            c.asset(a.get("src") or a.get("data-src"))
        elif scripts >= MAX_SCRIPTS * 2:
            break
    return full, shape


def _flat_dom(html: str, c: _Collect) -> tuple[list[str], list[str]]:
    """Tags read without a tree (pathologically nested markup): linear, bounded."""
    full: list[str] = []
    shape: list[str] = []
    for m in _FLAT_TAG.finditer(html):
        tag = m.group(1).lower()
        shape.append(tag)
        cm = _FLAT_CLASS.search(m.group(2)) if "class" in m.group(2).lower() else None
        full.append(tag + "." + _classes(cm.group(1) or cm.group(2) or cm.group(3) or "") if cm else tag)
        if tag in ("img", "audio", "video", "source", "embed"):
            sm = _FLAT_SRC.search(m.group(2))
            if sm:
                c.asset(sm.group(1))
        if len(shape) >= MAX_ELEMENTS:
            break
    # scripts: bytes.find on an ASCII-lowered copy (a regex search from each position would
    # re-read the text for every script)
    raw = html.encode("utf-8", "replace")
    low = raw.lower()
    pos = 0
    for _ in range(MAX_SCRIPTS):
        start = low.find(b"<script", pos)
        if start < 0:
            break
        close = low.find(b">", start)
        if close < 0:
            break
        end = low.find(b"</script", close)
        stop = end if end >= 0 else len(raw)
        attrs = raw[start + 7 : min(close, start + 2000)].decode("utf-8", "replace")
        sm = _FLAT_SRC.search(attrs) if "src" in attrs.lower() else None
        c.script(None if sm else raw[close + 1 : stop].decode("utf-8", "replace"), sm.group(1) if sm else None)
        pos = stop + 1
    return full, shape


def fingerprint(page: Page) -> dict[str, Any]:
    """The page's kit fingerprint (see the module docstring). Never reads more than it must."""
    c = _Collect()
    full: list[str] = []
    shape: list[str] = []
    html = page.html[:MAX_BYTES]
    if page.kind == "html":
        if nesting_depth(html) > MAX_DEPTH:
            full, shape = _flat_dom(html, c)
        else:
            full, shape = _tree_dom(html, c)
        c.assets_in_code(page.script_text)
    elif page.kind == "script":
        c.script(html, None)
        c.assets_in_code(html)
    title = " ".join(page.title[:2000].lower().split())
    return {
        "version": VERSION,
        "scripts": sorted(c.scripts),
        "scripts_inline": len(c.inline),
        "dom": _h("\n".join(full)) if full else None,
        "dom_shape": _h(" ".join(shape)) if shape else None,
        "elements": len(shape),
        "images": sorted(c.assets),
        "title_hash": _h(_zero_digits(title)) if title else None,
    }
