"""``--save DIR``: keep what a scan saw, one folder per input, for the record and for review."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scamscope.live.capture import Capture
from scamscope.types import ScanResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folder_for(root: Path, index: int, name: str) -> Path:
    """``root/0001-host-path`` style folder names: ordered, readable, safe."""
    slug = _UNSAFE.sub("-", re.sub(r"^[a-z]+://", "", name)).strip("-")[:80] or "input"
    return root / f"{index:04d}-{slug}"


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def save(folder: Path, result: ScanResult, capture: Capture | None = None) -> None:
    """Write the verdict JSON and, for a live capture, screenshots, DOM, OCR text, behaviour log,
    redirect chain and console/dialog messages."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder / "verdict.json", result.to_dict())
    ocr_text = result.extra.get("ocr_text")
    if ocr_text is not None:
        (folder / "ocr.txt").write_text(ocr_text, encoding="utf-8")
    if capture is None:
        return
    for name, data in capture.screenshots.items():
        (folder / f"screenshot-{name}.png").write_bytes(data)
    if capture.html:
        (folder / "dom.html").write_text(capture.html, encoding="utf-8")
    if capture.text:
        (folder / "text.txt").write_text(capture.text, encoding="utf-8")
    _write_json(folder / "behaviour.json", capture.events)
    _write_json(folder / "redirects.json", {"redirects": capture.redirects, "navigations": capture.navigations, "final_url": capture.final_url})
    _write_json(folder / "messages.json", {"dialogs": capture.dialogs, "console": capture.console, "popups": capture.popups})
    _write_json(folder / "network.json", {"downloads": capture.downloads, "blocked": capture.blocked, "errors": capture.errors})
