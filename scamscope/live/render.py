"""Render a kit *file* in the sandboxed browser: ``scamscope scan --render FILE.js|.php|.html``.

A kit script found on a server or in an archive shows its lock-in only when a page loads it. The
file is served on a loopback port of its own (only that file and a one-line wrapper page; any
other path is a 404) and captured by the normal live path: the egress guard admits exactly that
``127.0.0.1:PORT`` besides the internet, the page has the usual budget, and what it showed and did
is scored as for a URL. ``.js``/``.jsx``/``.ts``/``.mjs`` files are loaded by the wrapper page;
anything else is served as the page itself (HTML; a PHP kit renders its markup, its PHP shows as
text, as it would on a server without PHP).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from scamscope.acquire import AcquireError, read_input
from scamscope.scan import error_result, scan_url
from scamscope.types import ScanResult

if TYPE_CHECKING:
    from scamscope.bounded import StaticPool
    from scamscope.live.capture import CaptureOptions, LiveCapturer
    from scamscope.score import Model

SCRIPT_SUFFIXES = (".js", ".jsx", ".mjs", ".ts")
WRAPPER = "<!doctype html><html><head><meta charset=utf-8><title></title></head><body><script src='/{name}'></script></body></html>"


def _handler(pages: dict[str, tuple[str, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            ctype, body = pages.get(path, ("text/plain", b"not found"))
            self.send_response(200 if path in pages else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815 - a kit's beacon gets the same answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

    return Handler


@contextmanager
def serve_file(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """Serve ``data`` (and a wrapper page for scripts) on 127.0.0.1; yield (page URL, HOST:PORT)."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name) or "kit"
    if safe.lower().endswith(SCRIPT_SUFFIXES):
        pages = {f"/{safe}": ("text/javascript; charset=utf-8", data),
                 "/": ("text/html; charset=utf-8", WRAPPER.format(name=safe).encode())}
    else:
        pages = {"/": ("text/html", data), f"/{safe}": ("text/html", data)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="scamscope-render", daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield f"http://127.0.0.1:{port}/", f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def render_file(
    path: str | Path,
    capturer: LiveCapturer,
    options: CaptureOptions,
    *,
    model: Model | None = None,
    pool: StaticPool | None = None,
    save: Path | None = None,
) -> ScanResult:
    """Capture ``path`` in the browser as a page (or a script loaded by one) and scan it."""
    name = str(path)
    try:
        data = read_input(path)
    except AcquireError as exc:
        return error_result(name, str(exc))
    return render_bytes(name, data, capturer, options, model=model, pool=pool, save=save)


def render_bytes(
    name: str,
    data: bytes,
    capturer: LiveCapturer,
    options: CaptureOptions,
    *,
    model: Model | None = None,
    pool: StaticPool | None = None,
    save: Path | None = None,
    static_budget_s: float | None = None,
) -> ScanResult:
    """Capture the file ``name`` whose content is ``data`` (a worker gets the bytes from the producer)."""
    if not data.strip():
        return error_result(name, "empty file: nothing to render")
    with serve_file(name, data) as (url, host):
        opts = replace(options, allow_hosts=(*options.allow_hosts, host), rendered_script=name.lower().endswith(SCRIPT_SUFFIXES))
        result = scan_url(url, capturer, opts, model=model, pool=pool, save=save, static_budget_s=static_budget_s)
    result.input = name
    result.url = None
    how = "loaded by a wrapper page" if name.lower().endswith(SCRIPT_SUFFIXES) else "as a page"
    result.notes.insert(0, f"rendered in the sandboxed browser ({how}, served on loopback)")
    if result.error:
        result.error = result.error.replace(url, name)
    return result
