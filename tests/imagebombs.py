"""Hostile images, built cheaply: huge pixel counts in small files (for tests and benchmarks).

None of these builders holds the full image in memory: the PNG is deflated row by row, the JPEG
and WebP are small real images whose size fields are enlarged over a bitstream that decodes to the
same uniform colour at any size, and the many-frame GIF repeats one real frame.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # fonts-noto-cjk (scripts/setup.sh)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, *, rgb: bool = False) -> bytes:
    """A valid all-white PNG of ``width`` x ``height``, built row by row.

    By default 1 bit per pixel with a palette (20000x20000 is ~50 KB); ``rgb=True`` makes it 8-bit
    RGB, what a decoder must hold as 3-4 bytes per pixel (20000x20000 is ~1.2 MB).
    """
    row = b"\x00" + (b"\xff" * 3 * width if rgb else b"\x00" * ((width + 7) // 8))  # filter 0, pixels
    z = zlib.compressobj(9)
    rows_per_chunk = max(1, (1 << 22) // len(row))
    parts: list[bytes] = []
    done = 0
    while done < height:
        n = min(rows_per_chunk, height - done)
        parts.append(z.compress(row * n))
        done += n
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0) if rgb else struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    palette = b"" if rgb else _png_chunk(b"PLTE", b"\xff\xff\xff\x00\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + palette + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b"")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` RGB but whose pixel data is cut short."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 3000)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", data)


def jpeg_bomb(width: int, height: int) -> bytes:
    """A valid baseline greyscale JPEG of uniform grey: 2 bits per 8x8 block (20000x20000 is ~1.6 MB).

    Pillow encodes a small uniform block image with optimised Huffman tables, where the only DC
    symbol (difference 0) and the only AC symbol (end of block) are each coded ``0``; the frame
    size is then enlarged and the entropy-coded data extended with zero bits, one block per 2 bits.
    """
    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, format="JPEG", quality=90, optimize=True)
    small = out.getvalue()
    sof = small.index(b"\xff\xc0")
    sos = small.index(b"\xff\xda")
    scan_start = sos + 2 + struct.unpack(">H", small[sos + 2 : sos + 4])[0]
    head = bytearray(small[:scan_start])
    head[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    return bytes(head) + b"\x00" * ((blocks * 2 + 7) // 8) + b"\xff\xd9"


def webp_bomb(width: int, height: int) -> bytes:
    """A valid lossless WebP (VP8L) of ``width`` x ``height`` white pixels (<= 16384 each) in 34 bytes.

    No transforms, and five prefix codes of a single symbol each (green, red, blue, alpha 255;
    distance 0): a single-symbol code takes no bits, so every pixel is decoded from nothing.
    """
    fields = [(0x2F, 8), (width - 1, 14), (height - 1, 14), (0, 1), (0, 3)]  # signature, size, no alpha, v0
    fields += [(0, 1), (0, 1), (0, 1)]  # no transform, no colour cache, no meta prefix codes
    fields += [x for s in (255, 255, 255, 255, 0) for x in ((1, 1), (0, 1), (1, 1), (s, 8))]
    acc, nbits = 0, 0
    for value, n in fields:  # VP8L packs bits least significant first
        acc |= value << nbits
        nbits += n
    payload = acc.to_bytes((nbits + 7) // 8, "little")
    if len(payload) % 2:
        payload += b"\x00"
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def gif_bomb(width: int, height: int) -> bytes:
    """A valid one-frame GIF of ``width`` x ``height`` white pixels: 20000x20000 is ~270 KB.

    The LZW codes of a uniform image stand for ever longer runs (1, 2, 3, ... pixels, until the
    4096-entry table is cleared), so the file grows with the square root of the run lengths.
    """
    mcs = 2  # minimum code size: two palette entries
    clear, eoi = 1 << mcs, (1 << mcs) + 1
    acc, nbits = 0, 0
    out = bytearray()

    def emit(code: int, nxt: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += max(mcs + 1, (nxt - 1).bit_length())  # the width the decoder, one entry behind, reads
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    nxt, longest, remaining = eoi + 1, 1, width * height
    emit(clear, nxt)
    while remaining:
        run = min(longest, remaining)
        emit(0 if run == 1 else eoi + run - 1, nxt)
        remaining -= run
        if remaining:  # the pixel that follows extends the run: a new table entry
            longest, nxt = longest + 1, nxt + 1
            if nxt == 4096:
                emit(clear, nxt)
                nxt, longest = eoi + 1, 1
    emit(eoi, nxt)
    if nbits:
        out.append(acc & 0xFF)
    blocks = b"".join(bytes([len(out[i : i + 255])]) + out[i : i + 255] for i in range(0, len(out), 255))
    screen = struct.pack("<6sHHBBB", b"GIF89a", width, height, 0x80, 0, 0) + b"\xff\xff\xff\x00\x00\x00"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + bytes([mcs]) + blocks + b"\x00"
    return screen + image + b"\x3b"


def gif_frames(width: int, height: int, frames: int) -> bytes:
    """An animated GIF of ``frames`` identical white frames (one real frame, repeated)."""
    out = io.BytesIO()
    Image.new("P", (width, height), 0).save(out, format="GIF", palette=b"\xff\xff\xff\x00\x00\x00")
    data = out.getvalue()
    start = data.index(b"\x2c", 13 + 6)  # first image descriptor, after the header and palette
    frame = data[start:-1]  # without the trailer
    netscape = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    gce = b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # 1/100 s per frame
    return data[:start] + netscape + (gce + frame) * frames + b"\x3b"


def gif_header_only(width: int, height: int) -> bytes:
    """A GIF whose logical screen and first frame claim ``width`` x ``height``, with one pixel of data."""
    out = io.BytesIO()
    Image.new("P", (1, 1), 0).save(out, format="GIF", palette=b"\xff\xff\xff\x00\x00\x00")
    data = bytearray(out.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    desc = data.index(b"\x2c", 13 + 6)
    data[desc + 5 : desc + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def bmp_header_only(width: int, height: int) -> bytes:
    """An uncompressed 24-bit BMP that claims ``width`` x ``height`` but holds 1 KB of pixels."""
    pixels = b"\xff" * 1024
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    size = 14 + len(info) + len(pixels)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, 14 + len(info)) + info + pixels


def text_screenshot(lines: list[str], size: tuple[int, int] = (1366, 768), *, font_px: int = 28, fmt: str = "PNG") -> bytes:
    """A white screenshot with black text lines, drawn by Pillow with the Noto CJK font."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(CJK_FONT, font_px)
    y = font_px
    for line in lines:
        draw.text((font_px, y), line, font=font, fill="black")
        y += int(font_px * 1.8)
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()
