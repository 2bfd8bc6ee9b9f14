"""Containers a scam page arrives in: ``.gz``, ``.zip`` (a kit archive), MHTML (a page saved by Chrome
or Edge as "single file"), ``.eml`` and ``.msg`` e-mails, and WARC web archives.

:func:`unpack` turns container bytes into :class:`Member` s (name, bytes, the URL they were served
from when known); :func:`scamscope.scan.scan_container` scans each member and gives the container
the worst verdict. Containers are hostile input: every unpacking is bounded by :class:`Limits`
(bytes per member, bytes in all, members, nesting depth, compression ratio), and what a limit cut
or what could not be read is said in ``Unpacked.notes``, never silently dropped.
"""

from __future__ import annotations

import email
import email.policy
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scamscope.acquire import MAX_BYTES

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: an Outlook .msg
WARC_MAGIC = (b"WARC/1.0", b"WARC/1.1")
_MAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"mime-version:", b"return-path:",
                 b"message-id:", b"content-type:", b"delivered-to:", b"reply-to:", b"x-")
# member content types worth scanning: pages, scripts, text, images (screenshots in mails)
_SCANNABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/javascript", "text/javascript",
                    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/zip",
                    "application/x-zip-compressed", "application/gzip", "application/x-gzip", "message/rfc822",
                    "application/vnd.ms-outlook")


@dataclass(frozen=True)
class Limits:
    """Bounds of one unpacking (defaults fit a kit archive or a mail, not a whole web crawl)."""

    member_bytes: int = MAX_BYTES + 1  # a member is read up to here (the scan reads MAX_BYTES of it)
    total_bytes: int = 64 * 1024 * 1024  # unpacked bytes of all members together
    members: int = 200  # members scanned
    depth: int = 3  # containers inside containers
    ratio: int = 200  # unpacked / packed bytes above which a member is a compression bomb
    input_bytes: int = 64 * 1024 * 1024  # container bytes read from a file


LIMITS = Limits()


@dataclass
class Member:
    """One file inside a container. ``name`` is its path inside, with ``!`` between nesting levels."""

    name: str
    data: bytes
    url: str | None = None
    truncated: bool = False


@dataclass
class Unpacked:
    kind: str  # "gzip", "zip", "mhtml", "eml", "msg", "warc"
    members: list[Member] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # links of a mail's body (what the recipient is asked to open)


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0
        self.count = 0
        self.stopped: str | None = None

    def room(self) -> int:
        return max(0, min(self.limits.member_bytes, self.limits.total_bytes - self.used))

    def take(self, n: int) -> None:
        self.used += n
        self.count += 1
        if self.count >= self.limits.members:
            self.stopped = f"stopped after {self.count} members (the limit)"
        elif self.used >= self.limits.total_bytes:
            self.stopped = f"stopped after {self.used:,} unpacked bytes (the limit)"


def container_kind(data: bytes, name: str = "") -> str | None:
    """The container format of ``data`` (by content, the name only breaks ties), or None."""
    head = data[:4096]
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "msg"
    if head.startswith(WARC_MAGIC):
        return "warc"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return _mime_kind(head, name)


def _mime_kind(head: bytes, name: str) -> str | None:
    """MHTML or e-mail: a block of RFC 822 headers at the very start."""
    text = head.lstrip(b"\r\n\t ")
    lines = text.split(b"\n", 60)[:60]
    headers = 0
    mhtml = False
    for raw in lines:
        line = raw.rstrip(b"\r").lower()
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        if b":" not in line or line.startswith(b"<"):
            return None
        if line.startswith(_MAIL_HEADERS):
            headers += 1
        if line.startswith(b"content-type:") and b"multipart/related" in line:
            mhtml = True
        if line.startswith(b"snapshot-content-location:"):
            mhtml = True
    if mhtml and (headers >= 1 or name.lower().endswith((".mht", ".mhtml"))):
        return "mhtml"
    if headers >= 2 and (b"\nsubject:" in b"\n" + text.lower()[:20000] or b"\nfrom:" in b"\n" + text.lower()[:20000]):
        return "eml"
    return None


def unpack(data: bytes, name: str = "", limits: Limits = LIMITS, *, _depth: int = 0, _budget: _Budget | None = None) -> Unpacked:
    """Members of a container. Raises ``ValueError`` when ``data`` is not a container it can read."""
    kind = container_kind(data, name)
    if kind is None:
        raise ValueError("not a container")
    budget = _budget or _Budget(limits)
    out = Unpacked(kind)
    reader = {"gzip": _gzip, "zip": _zip, "tar": _tar, "mhtml": _mime, "eml": _mime, "msg": _msg, "warc": _warc}[kind]
    try:
        for member in reader(data, name, budget, out):
            inner = container_kind(member.data, member.name) if member.data else None
            if inner is not None and _depth + 1 >= limits.depth:
                out.notes.append(f"{member.name}: a {inner} container nested deeper than {limits.depth} levels: not opened")
                continue
            if inner is not None:
                try:
                    nested = unpack(member.data, member.name, limits, _depth=_depth + 1, _budget=budget)
                except ValueError as exc:
                    out.notes.append(f"{member.name}: {exc}")
                    continue
                out.notes += nested.notes
                out.links += nested.links
                for m in nested.members:
                    out.members.append(Member(f"{member.name}!{m.name}", m.data, m.url or member.url, m.truncated))
                continue
            out.members.append(member)
            if budget.stopped:
                break
    except Exception as exc:  # noqa: BLE001 - damaged (or a reader's bug): keep what was read, say why
        if isinstance(exc, MemoryError | RecursionError):
            raise
        out.notes.append(f"{name or kind}: damaged {kind} ({type(exc).__name__}: {str(exc)[:160]}); {len(out.members)} member(s) read before it")
    if budget.stopped and _depth == 0:
        out.notes.append(f"{name or kind}: {budget.stopped}")
    return out


def _bounded_inflate(data: bytes, room: int, ratio: int) -> tuple[bytes, str | None]:
    """Decompress a (possibly multi-member) gzip stream into at most ``room`` bytes."""
    out = bytearray()
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=31)
        chunk = d.decompress(rest, room + 1 - len(out))
        out += chunk
        if len(out) > room:
            return bytes(out[:room]), "cut"
        if len(out) > max(1024 * 1024, ratio * len(data)):
            return bytes(out), "bomb"
        if not d.eof:
            return bytes(out), ("cut" if d.unconsumed_tail else "ends early")
        rest = d.unused_data.lstrip(b"\x00")
        if rest and not rest.startswith(GZIP_MAGIC):
            break
    return bytes(out), None


def _gzip(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    room = budget.room()
    body, why = _bounded_inflate(data, room, budget.limits.ratio)
    inner = name[:-3] if name.lower().endswith(".gz") else name[:-4] + ".tar" if name.lower().endswith(".tgz") else (name or "gzip") + "~"
    if why == "ends early":
        out.notes.append(f"{name or 'gzip'}: the compressed stream ends early (a truncated download?): {len(body):,} bytes read before the end")
    if why == "bomb":
        out.notes.append(f"{name or 'gzip'}: compression ratio above {budget.limits.ratio}:1 (a decompression bomb): only {len(body):,} bytes read")
    budget.take(len(body))
    yield Member(inner or "content", body, truncated=why in ("cut", "bomb"))


def _zip(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > budget.limits.members:
            out.notes.append(f"{name or 'zip'}: {len(infos)} files; only the first {budget.limits.members} are looked at")
        for info in infos[: budget.limits.members]:
            if budget.stopped:
                return
            if info.flag_bits & 0x1:
                out.notes.append(f"{info.filename}: encrypted in the archive: not read")
                continue
            if info.compress_size and info.file_size > max(1024 * 1024, budget.limits.ratio * info.compress_size):
                out.notes.append(f"{info.filename}: compression ratio above {budget.limits.ratio}:1 (a decompression bomb): not read")
                continue
            room = budget.room()
            try:
                with zf.open(info) as fh:
                    body = fh.read(room + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError, EOFError) as exc:
                out.notes.append(f"{info.filename}: could not be read from the archive ({type(exc).__name__}: {str(exc)[:120]})")
                continue
            cut = len(body) > room
            body = body[:room]
            budget.take(len(body))
            yield Member(info.filename, body, truncated=cut)


def _tar(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        for info in tf:
            if budget.stopped:
                return
            if not info.isfile():
                continue
            room = budget.room()
            fh = tf.extractfile(info)  # read in memory; nothing is written to disk
            if fh is None:
                continue
            body = fh.read(room + 1)
            cut = len(body) > room
            body = body[:room]
            budget.take(len(body))
            yield Member(info.name, body, truncated=cut)


def _scannable(content_type: str, filename: str) -> bool:
    low = filename.lower()
    return content_type.startswith(_SCANNABLE_TYPES) or low.endswith(
        (".html", ".htm", ".js", ".txt", ".php", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".zip", ".gz", ".tgz", ".tar", ".eml", ".msg", ".mht", ".mhtml"))


def _mime(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if out.kind == "eml":
        for header in ("subject", "from", "reply-to"):
            value = msg.get(header)
            if value:
                out.notes.append(f"mail {header}: {str(value)[:200]}")
    parts = list(msg.walk()) if msg.is_multipart() else [msg]
    n = 0
    for part in parts:
        if part.is_multipart():
            continue
        ctype = (part.get_content_type() or "").lower()
        filename = part.get_filename() or ""
        location = str(part.get("Content-Location") or "") or None
        if not _scannable(ctype, filename) and not ctype.startswith("message/"):
            continue
        try:
            body = part.get_payload(decode=True) or b""
        except Exception as exc:  # a broken transfer encoding
            out.notes.append(f"part {n + 1} ({ctype}): could not be decoded ({type(exc).__name__})")
            continue
        n += 1
        label = filename or (f"body.{'html' if 'html' in ctype else 'txt'}" if out.kind == "eml" and not filename and ctype.startswith("text/") else "")
        label = label or (location.rsplit("/", 1)[-1][:80] if location else "") or f"part{n}"
        if ctype.startswith("text/html") and out.kind == "eml":
            out.links += _links(body)
        room = budget.room()
        cut = len(body) > room
        body = body[:room]
        budget.take(len(body))
        yield Member(label, body, url=location if location and location.startswith(("http://", "https://")) else None, truncated=cut)
        if budget.stopped:
            return


def _links(html: bytes) -> list[str]:
    from selectolax.lexbor import LexborHTMLParser

    try:
        tree = LexborHTMLParser(html[:MAX_BYTES].decode("utf-8", "replace"))
    except Exception:
        return []
    links = []
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if href.lower().startswith(("http://", "https://", "tel:")) and href not in links:
            links.append(href[:2000])
        if len(links) >= 100:
            break
    return links


def _msg(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    import extract_msg

    try:
        msg: Any = extract_msg.openMsg(data)
    except Exception as exc:  # not an Outlook item, or a damaged one
        raise ValueError(f"an OLE compound file that extract-msg cannot read as a message ({type(exc).__name__})") from None
    try:
        for header, value in (("subject", getattr(msg, "subject", None)), ("from", getattr(msg, "sender", None))):
            if value:
                out.notes.append(f"mail {header}: {str(value)[:200]}")
        html = getattr(msg, "htmlBody", None)
        body = getattr(msg, "body", None)
        if html:
            out.links += _links(html)
            budget.take(min(len(html), budget.room()))
            yield Member("body.html", html[: budget.limits.member_bytes])
        elif body:
            raw = body.encode("utf-8") if isinstance(body, str) else body
            budget.take(min(len(raw), budget.room()))
            yield Member("body.txt", raw[: budget.limits.member_bytes])
        for att in getattr(msg, "attachments", [])[: budget.limits.members]:
            if budget.stopped:
                return
            fname = getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or "attachment"
            payload = getattr(att, "data", None)
            if not isinstance(payload, bytes | bytearray):
                continue
            room = budget.room()
            budget.take(min(len(payload), room))
            yield Member(str(fname), bytes(payload[:room]), truncated=len(payload) > room)
    finally:
        try:
            msg.close()
        except Exception:
            pass


def _warc(data: bytes, name: str, budget: _Budget, out: Unpacked) -> Iterator[Member]:
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type not in ("response", "resource"):
            continue
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.http_headers is not None:
            if record.http_headers.get_statuscode() not in ("200", "203", "206"):
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
        else:
            ctype = (record.rec_headers.get_header("Content-Type") or "").lower()
        if not _scannable(ctype, uri.split("?", 1)[0]):
            continue
        room = budget.room()
        body = record.content_stream().read(room + 1)
        cut = len(body) > room
        body = body[:room]
        budget.take(len(body))
        yield Member(uri[:300] or f"record{budget.count}", body, url=uri if uri.startswith(("http://", "https://")) else None, truncated=cut)
        if budget.stopped:
            return
