"""Turn a live :class:`~scamscope.live.capture.Capture` into a :class:`~scamscope.types.Page`.

The rendered DOM is parsed like a saved page (so the static signals see script-drawn text and
code); the visible text is what the browser rendered, plus the OCR of the screenshot (text drawn
in images); the behaviour events become evidence through :mod:`scamscope.signals.behaviour`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scamscope.acquire import build_page
from scamscope.live.capture import Capture
from scamscope.types import Page

OCR_MODES = ("auto", "full", "off")
MIN_DOM_TEXT = 40  # characters: below this, the page drew its text some other way: read it all


def _ocr(capture: Capture, mode: str = "auto") -> tuple[str | None, str | None]:
    """OCR of the screenshot (after the click, else before).

    ``auto`` reads only the regions drawn by images, canvas and CSS backgrounds (the DOM text is
    already exact), or the whole screenshot when the DOM has almost no text; ``full`` reads it all;
    ``off`` none.
    """
    shot = capture.screenshots.get("after") or capture.screenshots.get("before")
    if not shot or mode == "off":
        return None, None
    from scamscope.ocr import OcrError, crop_regions, ocr_image

    try:
        if mode == "auto" and len(capture.text.strip()) >= MIN_DOM_TEXT:
            shot = crop_regions(shot, capture.image_regions) if capture.image_regions else None
            if shot is None:
                return None, None
        from scamscope.phones import repair_ocr_digits

        return repair_ocr_digits(ocr_image(shot).text), None
    except OcrError as exc:
        return None, f"screenshot OCR: {exc}"
    except (OSError, ValueError) as exc:  # a screenshot Pillow cannot read
        return None, f"screenshot OCR: unreadable screenshot ({exc})"
    except ImportError as exc:  # OCR is an extra: the rest of the page is still scored
        return None, f"screenshot OCR: {exc}"


def live_summary(capture: Capture) -> dict[str, Any]:
    """What the page did, for the report (JSON-friendly, bounded)."""
    return {
        "final_url": capture.final_url,
        "redirects": capture.redirects,
        "navigations": capture.navigations,
        "dialogs": capture.dialogs[:50],
        "popups": capture.popups[:50],
        "auth_prompts": capture.auth_prompts,
        "downloads": capture.downloads[:20],
        "blocked_requests": capture.blocked[:50],
        "console": capture.console[:50],
        "events": len(capture.events),
        "screenshots": sorted(capture.screenshots),
        "screenshot_sha256": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(capture.screenshots.items())},
        "load_error": capture.load_error,
        "timed_out": capture.timed_out,
        "browser_killed": capture.killed,
        "seconds": capture.seconds,
        "errors": capture.errors,
    }


def page_from_capture(capture: Capture, *, ocr: str = "auto") -> Page:
    url = capture.final_url or capture.url
    source = capture.html or capture.text or "\n".join(a.get("realm", "") for a in capture.auth_prompts)
    page = build_page(source or " ", source=capture.url, url=url, kind="html" if capture.html else "text")
    if capture.title and not page.title:
        page.title = capture.title
    ocr_text, ocr_error = _ocr(capture, ocr)
    dialog_text = "\n".join(
        dict.fromkeys([d.get("message", "") for d in capture.dialogs[:50]] + [a.get("realm", "") for a in capture.auth_prompts])
    )
    rendered = "\n".join(t for t in (capture.text, dialog_text, ocr_text) if t)
    if rendered:
        page.text = rendered if not capture.html else "\n".join((page.text, rendered))
    page.ocr_text = ocr_text
    page.behaviour = list(capture.events)
    page.live = live_summary(capture)
    if capture.options.get("rendered_script"):  # a kit script in our wrapper page: its own page would supply the rest
        page.live["rendered_script"] = True
    page.notes.extend(capture.errors)
    if ocr_error:
        page.notes.append(ocr_error)
    if not source:
        page.notes.append("the page gave no DOM or text before the budget ran out")
    return page
