"""report.pdf: report.html printed by real headless Chromium (Debian's ``chromium``, driven by Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("SCAMSCOPE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 60_000


class PdfError(Exception):
    """The PDF could not be made (no Chromium, Playwright failure): one-line reason."""


def html_to_pdf(html: Path, pdf: Path) -> str:
    """Print ``html`` to ``pdf`` (A4, backgrounds, page numbers); return the Chromium version used.

    The page is loaded from its file: URL; every request to anything else is blocked, so the PDF
    shows exactly the HTML file and nothing is fetched from the network.
    """
    if not Path(CHROMIUM).exists():
        raise PdfError(f"Chromium not found at {CHROMIUM} (install Debian's chromium or set SCAMSCOPE_CHROMIUM)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PdfError(f"playwright is not installed ({exc})") from None
    url = html.resolve().as_uri()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS, timeout=TIMEOUT_MS)
            try:
                page = browser.new_page(java_script_enabled=False)
                page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
                page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
                page.pdf(path=str(pdf), format="A4", print_background=True, display_header_footer=True,
                         header_template="<span></span>",
                         footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                                         '<span class="pageNumber"></span> / <span class="totalPages"></span></div>',
                         margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
                return browser.version
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(f"Chromium failed: {str(exc).splitlines()[0][:200]}") from None
