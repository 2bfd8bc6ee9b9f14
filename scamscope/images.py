"""Open hostile images within limits, and re-encode them for Tesseract.

A small file can declare a huge image: a 50 KB PNG of 20000x20000 pixels decodes to 400
megapixels. Every limit here is checked on the header, before any pixel is decoded (Pillow opens
images lazily), and Tesseract is only ever given a greyscale PNG re-encoded here, never the
input itself.

Limits (megapixels, MP):

- :data:`OCR_MAX_PIXELS` (40 MP): what Tesseract is given. An 8K screenshot (7680x4320, 33 MP)
  is read at full size; anything larger is downscaled to fit, for PNG, GIF and BMP by 0.79 at
  worst (64 MP; a huge JPEG is reduced more, down to 40 MP whatever its size): text
  20 px high stays 16 px high, which Tesseract reads well (14 px becomes 11 px, read with a few
  errors). No side is longer than 32767 px, Tesseract's own limit.
- :data:`DECODE_MAX_PIXELS` (64 MP): the largest PNG, GIF or BMP decoded at all (up to 7 bytes
  per pixel, ~450 MB, while it is converted to grey). Larger ones are refused with a one-line
  error.
- :data:`WEBP_MAX_PIXELS` (34 MP): libwebp's decoder holds two canvases besides the image, ~16
  bytes per pixel in all; 8K still fits.
- JPEG is decoded already reduced (libjpeg scales by 1/2, 1/4 or 1/8 while decoding, Pillow's
  ``draft``), so any baseline JPEG up to 65535x65535 is read; a progressive (or otherwise
  multi-scan) JPEG needs all its coefficients in memory, 2 bytes per sample, and is refused above
  :data:`JPEG_COEFFICIENT_MAX_BYTES`.
- Only the first frame of an animated GIF, PNG or WebP is decoded; the others are not read.

Only PNG, JPEG, GIF, BMP and WebP are opened (each by its own Pillow plugin, chosen from the
magic bytes): Pillow's other plugins, some of which run external programs, are never reached.
"""

from __future__ import annotations

import io
import math
import struct
import threading
import warnings
from dataclasses import dataclass, field

from PIL import (
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageFile,
    ImageFilter,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

OCR_MAX_PIXELS = 40_000_000
DECODE_MAX_PIXELS = 64_000_000
WEBP_MAX_PIXELS = 34_000_000
JPEG_COEFFICIENT_MAX_BYTES = 256 * 1024 * 1024
MAX_SIDE = 32767  # Tesseract refuses an image with a longer side

# Pillow warns (on stderr) from 89 MP up, for GIF frames even before scamscope sees the size; the
# limits here are stricter than that warning for everything decoded, so it says nothing new.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning, module=r"PIL\.Image")
# One big decode at a time per process: with several OCR threads (--jobs, the web app's pool) the
# peak is one image at the limit, not one per thread.
_DECODE_LOCK = threading.Lock()


class ImageError(Exception):
    """The image is refused or unreadable; the message is one line for the user."""


@dataclass(frozen=True)
class Prepared:
    data: bytes  # 8-bit grey PNG within OCR_MAX_PIXELS, for Tesseract
    size: tuple[int, int]  # of ``data``
    source_size: tuple[int, int]  # what the input's header declared
    notes: tuple[str, ...] = field(default=())
    inverted: bytes | None = None  # the dark regions of ``data`` inverted, the rest blank (light text on dark/blue)


def _mp(pixels: float) -> str:
    return f"{pixels / 1e6:.0f} MP" if pixels >= 10e6 else f"{pixels / 1e6:.1f} MP"


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """Canvas size from a WebP header (VP8, VP8L or VP8X), read before libwebp allocates anything."""
    kind = data[12:16]
    if kind == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


_PLUGINS: dict[str, type[ImageFile.ImageFile]] = {
    "PNG": PngImagePlugin.PngImageFile,
    "JPEG": JpegImagePlugin.JpegImageFile,
    "GIF": GifImagePlugin.GifImageFile,
    "BMP": BmpImagePlugin.BmpImageFile,
    "WEBP": WebPImagePlugin.WebPImageFile,
}


def _jpeg_buffered(data: bytes) -> bool:
    """True when libjpeg must hold every coefficient of the image: progressive, or a first scan
    that does not interleave all components. Unparseable markers count as buffered."""
    i, components, progressive = 2, 0, False
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return True
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length field
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and i + 10 <= len(data):
            progressive = marker in (0xC2, 0xC6, 0xCA, 0xCE)
            components = data[i + 9]
        elif marker == 0xDA:
            return progressive or i + 5 > len(data) or data[i + 4] < components
        i += 2 + max(length, 2)
    return True


def _jpeg_coefficient_bytes(im: JpegImagePlugin.JpegImageFile) -> int:
    """Memory libjpeg needs for a buffered JPEG's coefficients: 64 x 2 bytes per 8x8 block."""
    w, h = im.size
    layers = getattr(im, "layer", None) or [("", 1, 1, 0)] * max(1, len(im.mode))
    hmax = max(lay[1] for lay in layers) or 1
    vmax = max(lay[2] for lay in layers) or 1
    blocks = sum(math.ceil(w * lay[1] / hmax / 8) * math.ceil(h * lay[2] / vmax / 8) for lay in layers)
    return blocks * 64 * 2


_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


def open_checked(data: bytes) -> tuple[ImageFile.ImageFile, tuple[int, int]]:
    """Open an image lazily (header only) and check its declared size against the limits.

    Returns the image and the size its header declares. JPEGs too large to decode whole are set
    to decode reduced (``draft``). Raises :class:`ImageError` for refused, unknown or unreadable
    images; no pixel has been decoded then.
    """
    fmt = _format(data)
    if fmt is None:
        raise ImageError("OCR failed: not a PNG, JPEG, GIF, BMP or WebP image")
    if fmt == "WEBP":  # libwebp allocates its canvases when the file is opened: check before
        size = _webp_size(data)
        if size is None:
            raise ImageError("OCR failed: unreadable image (no size in its WebP header)")
        _check_pixels(size, WEBP_MAX_PIXELS, " for WebP")
    try:
        im = _PLUGINS[fmt](io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # Pillow's own, looser, limit (GIF frames)
        raise ImageError(f"too large for OCR: {str(exc).split(',')[0]}; not decoded") from None
    except (*_READ_ERRORS, MemoryError) as exc:
        raise ImageError(f"OCR failed: unreadable image ({_first_line(exc)})") from None
    declared = w, h = im.size
    if w < 1 or h < 1:
        raise ImageError(f"OCR failed: unreadable image (size {w}x{h})")
    if not isinstance(im, JpegImagePlugin.JpegImageFile):
        _check_pixels(declared, WEBP_MAX_PIXELS if fmt == "WEBP" else DECODE_MAX_PIXELS, " for WebP" if fmt == "WEBP" else "")
        return im, declared
    if _jpeg_buffered(data) and _jpeg_coefficient_bytes(im) > JPEG_COEFFICIENT_MAX_BYTES:
        raise ImageError(
            f"too large for OCR: a progressive or multi-scan JPEG of {w}x{h} pixels ({_mp(w * h)}) needs"
            f" {_jpeg_coefficient_bytes(im) >> 20} MB for its coefficients, over the {JPEG_COEFFICIENT_MAX_BYTES >> 20} MB limit; not decoded"
        )
    scale = next((s for s in (1, 2, 4, 8) if math.ceil(w / s) * math.ceil(h / s) <= DECODE_MAX_PIXELS), 0)
    if not scale:
        raise ImageError(f"too large for OCR: {w}x{h} pixels ({_mp(w * h)}), over the {_mp(DECODE_MAX_PIXELS)} limit even decoded at 1/8 scale; not decoded")
    if scale > 1:
        try:
            im.draft("L", (w // scale, h // scale))
        except (OSError, ValueError) as exc:
            raise ImageError(f"OCR failed: unreadable image ({_first_line(exc)})") from None
        _check_pixels(im.size, DECODE_MAX_PIXELS, " decoded at reduced scale")
    return im, declared


def _check_pixels(size: tuple[int, int], limit: int, which: str) -> None:
    w, h = size
    if w * h > limit:
        raise ImageError(f"too large for OCR: {w}x{h} pixels ({_mp(w * h)}), over the {_mp(limit)} limit{which}; not decoded")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:120]


def _animated(im: ImageFile.ImageFile) -> bool:
    """Whether there is a second frame (a GIF is walked to it without decoding; then back to 0)."""
    try:
        return bool(getattr(im, "is_animated", False))
    except _READ_ERRORS:
        return False
    finally:
        try:
            if im.tell() != 0:
                im.seek(0)
        except _READ_ERRORS:
            pass


def _grey(im: Image.Image) -> Image.Image:
    """8-bit greyscale (ITU-R 601 luma); transparency is laid on white, as Tesseract does.

    At most 3 bytes per pixel besides the decoded image: its alpha, its grey, the result.
    """
    mode = im.mode
    if mode.startswith("I"):  # 16- or 32-bit grey
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im if mode == "RGBA" else im.convert("RGBA")
        alpha = rgba.getchannel("A")
        grey = rgba.convert("L")
        del rgba
        out = Image.new("L", im.size, 255)
        out.paste(grey, mask=alpha)
        return out
    return im if mode == "L" else im.convert("L")


def _fit(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    """The largest size with the same proportions within ``max_pixels`` and Tesseract's 32767 px sides."""
    w, h = size
    scale = min(1.0, math.sqrt(max_pixels / (w * h)), MAX_SIDE / w, MAX_SIDE / h)
    if scale >= 1.0:
        return size
    return max(1, math.floor(w * scale)), max(1, math.floor(h * scale))


def _decode_lock(timeout: float | None) -> None:
    if not _DECODE_LOCK.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
        raise ImageError("OCR gave up: its time ran out while other images were being decoded")


def _decode(im: ImageFile.ImageFile, declared: tuple[int, int]) -> Image.Image:
    try:
        im.load()
    except Image.DecompressionBombError as exc:
        raise ImageError(f"too large for OCR: {str(exc).split(',')[0]}") from None
    except MemoryError:
        raise ImageError(f"too large for OCR: {declared[0]}x{declared[1]} pixels do not fit in memory") from None
    except _READ_ERRORS as exc:
        raise ImageError(f"OCR failed: unreadable image ({_first_line(exc)})") from None
    return im


def prepare(data: bytes, *, max_pixels: int = OCR_MAX_PIXELS, timeout: float | None = None) -> Prepared:
    """Decode the first frame within the limits and re-encode it for Tesseract.

    The result is an 8-bit grey PNG of at most ``max_pixels``, downscaled when the image is larger.
    Decoding holds a per-process lock, waited for at most ``timeout`` seconds.
    """
    im, declared = open_checked(data)
    notes: list[str] = []
    if _animated(im):
        notes.append(f"animated {im.format}: only its first frame was read")
    if im.size != declared:
        notes.append(f"JPEG of {declared[0]}x{declared[1]} pixels decoded at {im.size[0]}x{im.size[1]}")
    _decode_lock(timeout)
    try:
        grey = _grey(_decode(im, declared))
        del im
        target = _fit(grey.size, max_pixels)
        if target != grey.size:
            notes.append(f"image of {grey.size[0]}x{grey.size[1]} pixels downscaled to {target[0]}x{target[1]} for OCR ({_mp(max_pixels)} limit)")
            grey = grey.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        elif max(grey.size) < SMALL_SIDE and grey.size[0] * grey.size[1] * UPSCALE**2 <= max_pixels:
            # a small pop-up (about 600 px) gives Tesseract glyphs too small to read: 2x first
            notes.append(f"small image of {grey.size[0]}x{grey.size[1]} pixels upscaled {UPSCALE}x for OCR")
            grey = grey.resize((grey.size[0] * UPSCALE, grey.size[1] * UPSCALE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # fastest for both sides (an 8K screenshot: Tesseract reads a PGM or a stored PNG ~30% slower)
        grey.save(out, format="PNG", compress_level=1)
        inverted = None
        dark = dark_regions_inverted(grey)  # white text on blue or black is lost by thresholding
        if dark is not None:
            inv = io.BytesIO()
            dark.save(inv, format="PNG", compress_level=1)
            inverted = inv.getvalue()
    except MemoryError:
        raise ImageError(f"too large for OCR: {declared[0]}x{declared[1]} pixels do not fit in memory") from None
    except _READ_ERRORS as exc:  # a colour mode Pillow cannot convert
        raise ImageError(f"OCR failed: unreadable image ({_first_line(exc)})") from None
    finally:
        _DECODE_LOCK.release()
    return Prepared(data=out.getvalue(), size=grey.size, source_size=declared, notes=tuple(notes), inverted=inverted)


SMALL_SIDE = 1000  # images whose longer side is below this are upscaled for OCR
UPSCALE = 2
DARK_FRACTION = 0.01  # share of the image in dark regions from which a second, inverted OCR pass is made
DARK_LEVEL = 100  # grey level below which a background counts as dark
LIGHT_LEVEL = 150  # grey level from which a pixel inside a dark region counts as (light) text
# Share of light pixels in the dark regions for a pass: white text on a dark box or screen covers
# 0.05-16% of it (the screens of the development corpus, small JPEGs too); the cores of large bold black letters
# on white, which a median also finds dark, leave 25-50% light (their gaps and counters).
LIGHT_SHARE = (0.0005, 0.22)
CELL = 4  # px: the dark-region map is made on the image reduced by this
WINDOW = 9  # cells: a region is dark where the median of the WINDOW x WINDOW cells around is dark
MAP_MAX_PIXELS = 1_000_000  # the map is made on at most this many cells (an 8K image: coarser cells)


def dark_regions_inverted(grey: Image.Image) -> Image.Image | None:
    """The image with its dark regions inverted and everything else white, or None when it has none.

    Tesseract's thresholding loses light text on a dark background (white on blue, a dark pop-up box
    on a white page). A region is dark where the *median* of the surrounding ~36 px is dark: the
    background of a dark box, not the strokes of black text on white (ordinary text covers far less
    than half of such a window; large bold letters are told apart by the light left between them,
    :data:`LIGHT_SHARE`). Regions that hold (almost) no light pixels (a dark photo, a black bar) are
    not worth a pass; neither are regions under :data:`DARK_FRACTION` of the image.
    """
    w, h = grey.size
    cell = max(CELL, math.ceil(math.sqrt(w * h / MAP_MAX_PIXELS)))
    small = grey.reduce(cell) if cell > 1 else grey
    if small.size[0] < WINDOW or small.size[1] < WINDOW:
        return None
    median = small.filter(ImageFilter.MedianFilter(WINDOW))
    mask = median.point(lambda v: 255 if v < DARK_LEVEL else 0).filter(ImageFilter.MaxFilter(3))  # and their edges
    covered = mask.histogram()[255] / (mask.size[0] * mask.size[1])
    if covered < DARK_FRACTION:
        return None
    full = mask.resize(grey.size, Image.Resampling.NEAREST)
    hist = grey.histogram(mask=full)  # the grey levels inside the dark regions
    del full
    share = sum(hist[LIGHT_LEVEL:]) / max(1, sum(hist))
    if not LIGHT_SHARE[0] <= share <= LIGHT_SHARE[1]:  # no text drawn in the dark; or it is black text on white
        return None
    # 2 bytes per pixel besides the image: the inverted copy, and the mask of what is blanked
    out = ImageOps.invert(grey)
    out.paste(255, mask=ImageOps.invert(mask).resize(grey.size, Image.Resampling.NEAREST))
    return out


def load_rgb(data: bytes, *, timeout: float | None = None) -> Image.Image:
    """The first frame as RGB, within the decode limits (for cropping a screenshot)."""
    im, declared = open_checked(data)
    _decode_lock(timeout)
    try:
        return _decode(im, declared).convert("RGB")
    except MemoryError:
        raise ImageError(f"too large for OCR: {declared[0]}x{declared[1]} pixels do not fit in memory") from None
    except _READ_ERRORS as exc:
        raise ImageError(f"OCR failed: unreadable image ({_first_line(exc)})") from None
    finally:
        _DECODE_LOCK.release()
