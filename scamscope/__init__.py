"""scamscope: detect, triage and advise on tech support scams (サポート詐欺 / 偽セキュリティ警告).

Python API::

    import scamscope
    result = scamscope.scan_html(html, url="https://example.test/")
    result.verdict, result.score, result.evidence, result.phones
"""

from __future__ import annotations

__version__ = "0.1.0"

from scamscope.scan import scan_bytes, scan_html, scan_path, scan_text
from scamscope.types import BrandClaim, Evidence, Page, Phone, ScanResult

__all__ = [
    "BrandClaim",
    "Evidence",
    "Page",
    "Phone",
    "ScanResult",
    "__version__",
    "scan_bytes",
    "scan_html",
    "scan_path",
    "scan_text",
]
