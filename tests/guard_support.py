"""Test scaffolding for ``scamscope guard``: origin servers (HTTP and HTTPS) that count what reaches
them, test CAs made with ``cryptography``, a browser profile (NSS database) that trusts a CA, and
real Chromium launched with ``--proxy-server`` and ``--proxy-bypass-list=<-loopback>``."""

from __future__ import annotations

import datetime as dt
import json
import os
import ssl
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SCAMSCOPE_CHROMIUM", "/usr/bin/chromium")  # as scamscope/live/capture.py
TIMEOUT_MS = 15_000
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

Page = tuple[int, Mapping[str, str], bytes]


@dataclass
class Origin:
    """A web server on 127.0.0.1 serving ``pages`` (path -> (status, headers, body)); ``hits`` lists
    every request that reached it as (method, host header, path)."""

    pages: dict[str, Page]
    hits: list[tuple[str, str, str]] = field(default_factory=list)
    posts: list[tuple[str, bytes]] = field(default_factory=list)
    port: int = 0

    def base(self, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}"


@contextmanager
def serve(pages: dict[str, Page], tls: ssl.SSLContext | None = None) -> Iterator[Origin]:
    origin = Origin(pages)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them

        def _answer(self, with_body: bool) -> None:
            origin.hits.append((self.command, self.headers.get("host", ""), self.path))
            status, headers, body = origin.pages.get(self.path.split("?", 1)[0], (404, {"Content-Type": "text/plain"}, b"not found"))
            self.send_response(status)
            chunked = headers.get("Transfer-Encoding") == "chunked"  # the length is not said in advance
            for name, value in headers.items():
                self.send_header(name, value)
            if not chunked:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body and chunked:
                for i in range(0, len(body), 65536):
                    piece = body[i : i + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            elif with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(False)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            origin.posts.append((self.path, self.rfile.read(length)))
            self._answer(True)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    origin.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield origin
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- certificates -------------------------------------------------------------------------------


def make_ca(folder: Path, name: str) -> tuple[Path, Any, Any]:
    """A self-signed CA: (PEM path, key, certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, key, cert


def server_context(folder: Path, ca_key: Any, ca_cert: Any, names: list[str]) -> ssl.SSLContext:
    """A TLS server context with a certificate for ``names`` issued by the CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


def trusting_home(folder: Path, cas: Mapping[str, Path]) -> Path:
    """A HOME whose NSS database (what Chromium on Linux trusts) holds the given CAs, as an
    administrator does for the guard's CA."""
    home = folder / "home"
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True, timeout=60)
    for nick, pem in cas.items():
        subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", nick, "-t", "C,,", "-i", str(pem)], check=True, capture_output=True, timeout=60)
    return home


@contextmanager
def headless_chromium(args: list[str] | None = None) -> Iterator[Any]:
    """Debian's Chromium through Playwright, closed when the block ends (for module-scoped fixtures).
    Both are installed by scripts/setup.sh: a missing one is a broken setup, which must fail."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"Debian's Chromium is missing at {CHROMIUM} (scripts/setup.sh installs it)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS if args is None else args)
        try:
            yield browser
        finally:
            browser.close()


def launch(pw: Any, proxy_port: int, home: Path | None = None) -> Any:
    env = {**os.environ, "HOME": str(home)} if home is not None else None
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*LAUNCH_ARGS, f"--proxy-server=http://127.0.0.1:{proxy_port}", "--proxy-bypass-list=<-loopback>"],
        env=env,
        timeout=TIMEOUT_MS * 2,
    )


NAVIGATION = {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}


def navigate(proxy_port: int, url: str, lang: str = "en", timeout: float = 60) -> tuple[int, bytes]:
    """GET ``url`` through the proxy the way a browser navigates to it: (status, body)."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{proxy_port}"}))
    req = urllib.request.Request(url, headers={**NAVIGATION, "Accept-Language": lang})
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
