"""OCR of screenshots with Tesseract (Debian's ``tesseract-ocr`` with ``jpn`` and ``eng`` data).

A photo or screenshot of a fake warning is acquired as text: the recognised text is scored by the
same signals as a page's visible text. Tesseract runs as a subprocess with a time limit; the image
is passed on standard input and never written anywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

LANGUAGES = ("jpn", "eng")
TIMEOUT_S = 60.0
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-eng"

# Tesseract separates Japanese characters with spaces ("お 使い の コン ピュー ター"): join them.
_CJK = r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK}) +(?={_CJK})")


class OcrError(Exception):
    """OCR could not run; the message is one line for the user."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    languages: str  # what Tesseract was asked for, e.g. "jpn+eng"
    engine: str  # Tesseract's version line


@cache
def tesseract() -> tuple[str, str, frozenset[str]]:
    """(executable, version line, installed languages); raises OcrError when Tesseract is missing."""
    exe = shutil.which("tesseract")
    if not exe:
        raise OcrError(f"image input needs Tesseract OCR, which is not installed ({INSTALL_HINT})")
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrError(f"cannot run Tesseract: {exc}") from None
    line = (version.stdout or version.stderr).splitlines()[0].strip() if (version.stdout or version.stderr) else "tesseract"
    installed = frozenset(x.strip() for x in langs.stdout.splitlines()[1:] if x.strip())
    return exe, line, installed


def clean(text: str) -> str:
    text = _CJK_GAP.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def ocr_image(data: bytes, *, timeout: float = TIMEOUT_S) -> OcrResult:
    """Recognise the text in an image (PNG, JPEG, WebP, GIF, BMP, TIFF)."""
    exe, engine, installed = tesseract()
    langs = [lang for lang in LANGUAGES if lang in installed]
    if not langs:
        raise OcrError(f"Tesseract has neither Japanese nor English data installed ({INSTALL_HINT})")
    # adaptive (Sauvola) thresholding: the global default loses coloured text such as a blue,
    # link-styled phone number, and other adaptive modes lose it again in lossy JPEG/WebP
    cmd = [exe, "stdin", "stdout", "-l", "+".join(langs), "--psm", "3", "-c", "thresholding_method=2"]
    try:
        # one OpenMP thread: Tesseract's own threading is ~4x slower on a 2-core machine, and
        # parallel scans (--jobs) each run their own process anyway
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        proc = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR gave up after {timeout:.0f} s (image too large or too complex)") from None
    except OSError as exc:
        raise OcrError(f"cannot run Tesseract: {exc}") from None
    if proc.returncode != 0:
        err = next((x for x in proc.stderr.decode("utf-8", "replace").splitlines() if x.strip()), "unknown error")
        raise OcrError(f"OCR failed: {err.strip()[:160]}")
    return OcrResult(text=clean(proc.stdout.decode("utf-8", "replace")), languages="+".join(langs), engine=engine)


def crop_regions(png: bytes, regions: list[list[int]], *, gap: int = 16) -> bytes | None:
    """The parts of a screenshot inside ``regions`` ([x, y, w, h]), stacked top to bottom on white.

    Live captures OCR only where the pixels are not DOM text (images, canvas, CSS backgrounds):
    the text of the DOM is read exactly, and Tesseract's time grows with the area it reads.
    Overlapping regions are merged first. ``None`` when no region is left.
    """
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as shot:
        shot = shot.convert("RGB")
        boxes = _merge_boxes([(x, y, x + w, y + h) for x, y, w, h in regions], shot.size)
        if not boxes:
            return None
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
        if area * 1.5 >= (x1 - x0) * (y1 - y0):  # mostly one block: crop it whole, layout kept
            crop = shot.crop((x0, y0, x1, y1))
        else:
            width = max(b[2] - b[0] for b in boxes)
            height = sum(b[3] - b[1] for b in boxes) + gap * (len(boxes) - 1)
            crop = Image.new("RGB", (width, height), "white")
            top = 0
            for b in sorted(boxes, key=lambda b: (b[1], b[0])):
                crop.paste(shot.crop(b), (0, top))
                top += b[3] - b[1] + gap
        out = io.BytesIO()
        crop.save(out, format="PNG")
        return out.getvalue()


def _merge_boxes(boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Clip boxes to the image and merge the ones that overlap (or touch), until none do."""
    w, h = size
    todo = [(max(0, a), max(0, b), min(w, c), min(h, d)) for a, b, c, d in boxes]
    todo = [t for t in todo if t[2] - t[0] >= 8 and t[3] - t[1] >= 8]
    merged: list[tuple[int, int, int, int]] = []
    while todo:
        box = todo.pop()
        changed = True
        while changed:
            changed = False
            for other in list(merged):
                if box[0] <= other[2] and other[0] <= box[2] and box[1] <= other[3] and other[1] <= box[3]:
                    merged.remove(other)
                    box = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
                    changed = True
        merged.append(box)
    return merged
