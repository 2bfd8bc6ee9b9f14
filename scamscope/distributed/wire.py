"""What travels between producer and worker, as JSON: capture options, results, saved artifacts."""

from __future__ import annotations

import base64
from typing import Any

from scamscope.live.capture import CaptureOptions
from scamscope.types import BrandClaim, Evidence, Phone, ScanResult

# ``--save-warc``: the worker sends the capture's WARC back among the saved files under this name
WARC_FILE = "capture.warc.gz"
MAX_WARC_BYTES = 96 * 1024 * 1024  # bigger WARCs stay unsent (a note says so): bodies are capped at 50 MB by the recorder

_FIELDS = ("input", "verdict", "score", "language", "evidence", "phones", "brands", "error", "url", "kind", "truncated", "notes")


def options_to_dict(opts: CaptureOptions) -> dict[str, Any]:
    return {"profile": opts.profile, "referrer": opts.referrer, "budget_s": opts.budget_s, "allow_private": opts.allow_private,
            "allow_hosts": list(opts.allow_hosts), "click_gate": opts.click_gate, "ocr": opts.ocr}


def options_from_dict(data: dict[str, Any]) -> CaptureOptions:
    opts = CaptureOptions()
    return CaptureOptions(
        profile=str(data.get("profile") or opts.profile),
        referrer=data.get("referrer") or None,
        budget_s=float(data.get("budget_s") or opts.budget_s),
        allow_private=bool(data.get("allow_private")),
        allow_hosts=tuple(str(h) for h in data.get("allow_hosts") or ()),
        click_gate=bool(data.get("click_gate", True)),
        ocr=str(data.get("ocr") or opts.ocr),
    )


def result_from_dict(data: dict[str, Any]) -> ScanResult:
    """The inverse of :meth:`ScanResult.to_dict` (``to_dict`` of the result gives ``data`` back)."""
    return ScanResult(
        input=str(data.get("input") or ""),
        verdict=data.get("verdict"),
        score=data.get("score"),
        language=data.get("language"),
        evidence=[Evidence(signal=e["signal"], detail=e.get("detail", ""), excerpt=e.get("excerpt", ""), weight=float(e.get("weight") or 0.0),
                           source=e.get("source", "text")) for e in data.get("evidence") or []],
        phones=[Phone(raw=p["raw"], e164=p.get("e164"), region=p.get("region"), type=p.get("type", ""), flags=tuple(p.get("flags") or ()),
                      where=p.get("where", "text"), explanation=p.get("explanation", "")) for p in data.get("phones") or []],
        brands=[BrandClaim(brand=b["brand"], where=b.get("where", ""), domain=b.get("domain"), official=b.get("official")) for b in data.get("brands") or []],
        error=data.get("error"),
        url=data.get("url"),
        kind=data.get("kind"),
        truncated=bool(data.get("truncated")),
        notes=[str(n) for n in data.get("notes") or []],
        extra={k: v for k, v in data.items() if k not in _FIELDS},
    )


def pack(files: dict[str, bytes]) -> dict[str, str]:
    return {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}


def unpack(files: dict[str, str] | None) -> dict[str, bytes]:
    return {str(name): base64.b64decode(data) for name, data in (files or {}).items()}
