"""``--save-warc DIR``: a live capture as one WARC file (WARC/1.1, gzipped per record), for replay and evidence.

Written with ``warcio``; any WARC tool reads it back. Records, in this order:

* ``warcinfo``: the software, the capture's options, the recording's caps and what they cut, when.
* For every exchange the egress proxy forwarded for the page (captured with
  ``CaptureOptions(record=True)``; see :mod:`scamscope.proxy.recorder`), in the order the requests
  were made: a ``response`` then its ``request`` (whose ``WARC-Concurrent-To`` is the response's
  record id). An exchange that got no response (the server could not be reached, the page was
  closed first) is a ``request`` alone with ``WARC-Scamscope-Error``. Requests the egress guard
  refused have no records of their own: nothing was sent for them; they are listed in the
  capture metadata (``blocked_requests``).
* ``resource`` records: each screenshot (``urn:scamscope:screenshot:NAME``, ``image/png``), the
  final DOM (``urn:scamscope:dom``, ``text/html``) and the rendered text (``urn:scamscope:text``).
* ``metadata`` records (``application/json``): ``urn:scamscope:verdict`` is the verdict
  (``ScanResult.to_dict()``), ``urn:scamscope:capture`` the final URL, redirects, navigations,
  blocked requests, downloads, dialogs, pop-ups, errors and the recording summary.

Bodies are the entity as the server sent it: ``Content-Encoding`` is kept; the chunked transfer
coding is removed by the proxy, so the ``Transfer-Encoding`` header is dropped. HTTP/2 exchanges
are written in HTTP/1.1 form (the only form ``application/http`` has) with ``WARC-Protocol: h2``.
A body cut by a cap has ``WARC-Truncated: length`` (``disconnect`` when the exchange ended early)
and a ``WARC-Scamscope-Note`` saying how much of how much was kept.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from scamscope.live.artifacts import folder_for
from scamscope.live.capture import Capture
from scamscope.types import ScanResult

WARC_VERSION = "1.1"
_UNSAFE_URI = re.compile(rb"[^\x21-\x7e]")  # spaces, controls and non-ASCII bytes are percent-encoded
_HOP_BY_HOP = {"transfer-encoding"}


def warc_path(root: Path, index: int, name: str) -> Path:
    """``root/0001-host-path.warc.gz``: the same stem as the ``--save`` folder of that input."""
    return root / f"{folder_for(root, index, name).name}.warc.gz"


def save_warc(target: os.PathLike[str] | str, result: ScanResult, capture: Capture | None = None, *, index: int | None = None) -> Path:
    """Write ``capture`` and ``result`` as one ``.warc.gz``; return its path.

    ``target``: a file name ending in ``.warc.gz`` (or ``.warc``), or a folder, where the file is
    named after the input (with ``index``, as ``--save`` does). The file appears whole or not at
    all (written aside, then renamed). ``capture`` None (a URL refused before any capture): the
    verdict alone. Raises OSError when the file cannot be written.
    """
    from warcio.warcwriter import WARCWriter

    path = Path(target)
    if not path.name.endswith((".warc.gz", ".warc")):
        path = warc_path(path, index, result.input) if index is not None else path / f"{folder_for(path, 0, result.input).name[5:]}.warc.gz"
    write_whole(path, lambda out: _write(WARCWriter(out, gzip=path.name.endswith(".gz"), warc_version=WARC_VERSION), path.name, result, capture))
    return path


def write_whole(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` whole or not at all: ``fill`` writes a file beside it, which is then renamed.
    Raises OSError when it cannot be written (nothing is left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
        os.replace(part, path)
    except BaseException:
        try:
            os.unlink(part)
        except OSError:
            pass
        raise


def _write(writer: Any, filename: str, result: ScanResult, capture: Capture | None) -> None:
    from scamscope import __version__

    when = capture.started_at if capture is not None and capture.started_at else time.time()
    info: dict[str, Any] = {
        "software": f"scamscope/{__version__}",
        "format": "WARC File Format 1.1",
        "description": "live capture of a page by scamscope: its HTTP exchanges, screenshots, DOM and verdict",
        "scamscope-input": _header_text(result.input),
        "scamscope-captured": _date(when),
        "scamscope-options": json.dumps(capture.options if capture is not None else {}, sort_keys=True),
        "scamscope-recording": json.dumps(capture.recording if capture is not None and capture.recording is not None else {"record": False}, sort_keys=True),
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    if capture is not None:
        for exchange in sorted(capture.exchanges, key=lambda e: e.get("seq", 0)):
            _write_exchange(writer, exchange)
        for name, data in sorted(capture.screenshots.items()):
            _resource(writer, f"urn:scamscope:screenshot:{_uri_part(name)}", data, "image/png", when)
        if capture.html:
            _resource(writer, "urn:scamscope:dom", _utf8(capture.html), "text/html; charset=utf-8", when)
        if capture.text:
            _resource(writer, "urn:scamscope:text", _utf8(capture.text), "text/plain; charset=utf-8", when)
    _json_record(writer, "urn:scamscope:verdict", result.to_dict(), when)
    if capture is not None:
        _json_record(writer, "urn:scamscope:capture", _capture_summary(capture), when)


def _write_exchange(writer: Any, ex: dict[str, Any]) -> None:
    from warcio.statusandheaders import StatusAndHeaders

    uri = _uri(ex.get("url") or "")
    date = _date(ex.get("started") or 0.0)
    common = {"WARC-Target-URI": uri, "WARC-Date": date}
    if ex.get("server_ip"):
        common["WARC-IP-Address"] = _header_text(ex["server_ip"])
    h2 = str(ex.get("http_version", "")).upper().startswith("HTTP/2")
    if h2:
        common["WARC-Protocol"] = "h2"
    request_headers = _headers(ex.get("request_headers") or [])
    if not any(k.lower() == "host" for k, _ in request_headers):
        request_headers.insert(0, ("Host", _host_of(uri)))
    target = _request_target(uri)
    method = re.sub(r"[^!#$%&'*+.^_`|~0-9A-Za-z-]", "", str(ex.get("method") or "")) or "GET"
    req_http = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers, is_http_request=True)
    req_body = ex.get("request") or {}
    req_warc = dict(common)
    if ex.get("error"):
        req_warc["WARC-Scamscope-Error"] = _header_text(ex["error"])
    _truncation(req_warc, req_body)
    req_data = req_body.get("body") or b""
    request = writer.create_warc_record(uri, "request", payload=BytesIO(req_data), length=len(req_data), http_headers=req_http, warc_headers_dict=req_warc)
    resp = ex.get("response")
    if resp is None:
        writer.write_record(request)
        return
    status = int(resp.get("status") or 0)
    reason = resp.get("reason") or _phrase(status)
    headers = [(k, v) for k, v in _headers(resp.get("headers") or []) if k.lower() not in _HOP_BY_HOP]
    resp_http = StatusAndHeaders(f"{status} {_header_text(reason)}".strip(), headers, protocol="HTTP/1.1")
    resp_warc = dict(common)
    _truncation(resp_warc, resp)
    data = resp.get("body") or b""
    response = writer.create_warc_record(uri, "response", payload=BytesIO(data), length=len(data), http_headers=resp_http, warc_headers_dict=resp_warc)
    writer.write_request_response_pair(request, response)  # the response first; the request points to it


def _truncation(warc_headers: dict[str, str], body: dict[str, Any]) -> None:
    cut = body.get("cut")
    if cut:
        warc_headers["WARC-Truncated"] = "disconnect" if cut.startswith(("incomplete", "the exchange ended")) else "length"
        warc_headers["WARC-Scamscope-Note"] = _header_text(cut)


def _resource(writer: Any, uri: str, data: bytes, content_type: str, when: float) -> None:
    record = writer.create_warc_record(uri, "resource", payload=BytesIO(data), length=len(data), warc_content_type=content_type, warc_headers_dict={"WARC-Date": _date(when)})
    writer.write_record(record)


def _json_record(writer: Any, uri: str, data: Any, when: float) -> None:
    payload = json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8", "replace")
    record = writer.create_warc_record(uri, "metadata", payload=BytesIO(payload), length=len(payload), warc_content_type="application/json", warc_headers_dict={"WARC-Date": _date(when)})
    writer.write_record(record)


def _capture_summary(capture: Capture) -> dict[str, Any]:
    return {
        "url": capture.url,
        "final_url": capture.final_url,
        "title": capture.title,
        "redirects": capture.redirects,
        "navigations": capture.navigations,
        "blocked_requests": capture.blocked,
        "downloads": capture.downloads,
        "dialogs": capture.dialogs,
        "popups": capture.popups,
        "auth_prompts": capture.auth_prompts,
        "load_error": capture.load_error,
        "timed_out": capture.timed_out,
        "browser_killed": capture.killed,
        "errors": capture.errors,
        "seconds": capture.seconds,
        "options": capture.options,
        "recording": capture.recording if capture.recording is not None else {"record": False},
        "exchanges": len(capture.exchanges),
    }


# --- making hostile values fit WARC and HTTP headers ---


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")  # lone surrogates (from JavaScript strings) become '?'


def _header_text(value: Any, limit: int = 2000) -> str:
    """One line of printable text (header values come from hostile servers and pages)."""
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)[:limit]


def _uri(url: str) -> str:
    """The URL in printable ASCII: other bytes percent-encoded (mitmproxy keeps undecodable bytes as surrogates)."""
    try:
        raw = url.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = url.encode("utf-8", "replace")
    return _UNSAFE_URI.sub(lambda m: b"%%%02X" % m.group()[0], raw).decode("ascii")


def _uri_part(name: str) -> str:
    return _uri(name).replace(":", "%3A")


def _headers(fields: list[tuple[str, str]] | list[list[str]]) -> list[tuple[str, str]]:
    out = []
    for name, value in fields:
        name = re.sub(r"[^!#$%&'*+.^_`|~0-9A-Za-z-]", "", str(name))
        if name:
            out.append((name, _header_text(value, 16384)))
    return out


def _host_of(uri: str) -> str:
    rest = uri.split("://", 1)[-1]
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _request_target(uri: str) -> str:
    rest = uri.split("://", 1)[-1]
    slash = re.search(r"[/?]", rest)
    target = rest[slash.start() :] if slash else "/"
    return target if target.startswith("/") else "/" + target


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_member(path: os.PathLike[str] | str, uri: str) -> bytes | None:
    """The block of the first resource or metadata record for ``uri`` (e.g. ``urn:scamscope:dom``), or None."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        return _first(ArchiveIterator(stream), uri)


def _first(records: Any, uri: str) -> bytes | None:
    for record in records:
        if record.rec_type in ("resource", "metadata") and record.rec_headers.get_header("WARC-Target-URI") == uri:
            data: bytes = record.content_stream().read()
            return data
    return None

