"""OCR on hard screenshots (real Tesseract): small JPEG pop-ups are upscaled, light text on a dark or
blue band gets a second, inverted pass, and look-alike letters inside phone numbers are read back
as digits (only there)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from scamscope import images, ocr
from scamscope.phones import repair_ocr_digits
from scamscope.scan import scan_bytes

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core (a Chromium dependency)


def _popup() -> bytes:
    """A 600 px JPEG pop-up with 8 px text, as kits show in a small window."""
    im = Image.new("RGB", (600, 260), "white")
    draw, font = ImageDraw.Draw(im), ImageFont.truetype(FONT, 8)
    lines = ["Windows Security Alert", "Your PC is infected with a Trojan virus", "Do not close this window",
             "Call support: +1-888-555-0142", "Error code 0x80070424"]
    for i, line in enumerate(lines):
        draw.text((10, 8 + i * 13), line, fill="black", font=font)
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=60)
    return out.getvalue()


def _png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _blue_band() -> bytes:
    """A white screen with a blue band of white text (a fake Defender banner)."""
    im = Image.new("RGB", (1366, 768), "white")
    draw, font = ImageDraw.Draw(im), ImageFont.truetype(FONT, 14)
    draw.text((20, 20), "Microsoft Windows", fill="black", font=font)
    draw.rectangle((0, 300, 1366, 520), fill=(0, 120, 215))
    draw.text((40, 330), "Windows Defender: Trojan Spyware detected", fill="white", font=font)
    draw.text((40, 380), "Call Microsoft Support 0101-844-555-0199", fill="white", font=font)
    return _png(im)


def _dark_box() -> bytes:
    """A white page with one small dark pop-up box of white text (under 10% of the image is dark)."""
    im = Image.new("RGB", (1366, 768), "white")
    draw, font = ImageDraw.Draw(im), ImageFont.truetype(FONT, 16)
    draw.text((20, 700), "Windows Security", fill="black", font=font)
    draw.rounded_rectangle((300, 0, 1100, 140), radius=6, fill=(34, 34, 34))
    draw.text((320, 20), "Your computer has been locked. Trojan spyware was found.", fill="white", font=font)
    draw.text((320, 50), "Call Windows Support now: +1-877-611-8429", fill="white", font=font)
    return _png(im)


def _bold_black_text() -> bytes:
    """Dark text on white only, in a large bold face: no dark region, no second pass."""
    im = Image.new("RGB", (1366, 768), "white")
    draw = ImageDraw.Draw(im)
    big = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 64)
    draw.text((20, 20), "BREAKING NEWS TODAY", fill="black", font=big)
    draw.text((20, 140), "Weather: sunny, 21 C", fill="black", font=ImageFont.truetype(FONT, 16))
    return _png(im)


def _numbers(text: str) -> set[str | None]:
    from scamscope.phones import explain_text

    return {p.e164 for p in explain_text(text, language="en")}


def test_small_popup_is_upscaled_and_its_number_read() -> None:
    r = ocr.ocr_image(_popup())
    assert "+18885550142" in _numbers(r.text) and any("upscaled 2x" in n for n in r.notes), r.text
    scanned = scan_bytes(_popup(), input_name="popup.jpg")
    assert any(p.e164 == "+18885550142" for p in scanned.phones)


def test_white_text_on_a_blue_band_is_read_from_the_inverted_pass() -> None:
    r = ocr.ocr_image(_blue_band())
    assert "0101-844-555-0199" in r.text and any("inverted copy" in n for n in r.notes)
    scanned = scan_bytes(_blue_band(), input_name="banner.png")
    assert scanned.verdict == "scam" and any("jp_international_disguised" in p.flags for p in scanned.phones)


def test_a_small_dark_box_on_a_white_page_gets_the_inverted_pass() -> None:
    r = ocr.ocr_image(_dark_box())
    assert "+18776118429" in _numbers(r.text) and any("inverted copy" in n for n in r.notes), r.text
    scanned = scan_bytes(_dark_box(), input_name="box.png")
    assert any(p.e164 == "+18776118429" for p in scanned.phones)


def test_without_the_passes_these_numbers_are_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The images above are hard: plain OCR misses their numbers (so the tests above can fail)."""
    monkeypatch.setattr(images, "SMALL_SIDE", 0)
    monkeypatch.setattr(images, "DARK_FRACTION", 2.0)
    assert "+18885550142" not in _numbers(ocr.ocr_image(_popup()).text)
    assert "0101-844-555-0199" not in ocr.ocr_image(_blue_band()).text
    assert "+18776118429" not in _numbers(ocr.ocr_image(_dark_box()).text)


def test_bold_black_text_is_not_a_dark_region() -> None:
    assert images.prepare(_bold_black_text()).inverted is None
    assert images.prepare(_dark_box()).inverted is not None


def test_light_pages_get_one_pass() -> None:
    prepared = images.prepare(_popup())
    assert prepared.inverted is None and prepared.size == (1200, 520)


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("お電話 O50-1234-5678", "お電話 050-1234-5678"),
        ("サポート 0l20-123-456", "サポート 0120-123-456"),
        ("call +1 (8SS) 555-0199", "call +1 (855) 555-0199"),
        ("0101-844-S55-0199", "0101-844-555-0199"),
        ("Order SOLD OUT 2024", "Order SOLD OUT 2024"),
        ("Model B12 S300 I5", "Model B12 S300 I5"),
        ("Windows 10 DOS 1990-2000", "Windows 10 DOS 1990-2000"),
        ("ID 5O5O5O5", "ID 5O5O5O5"),
        ("SOS OIL BIOS", "SOS OIL BIOS"),
    ],
)
def test_ocr_digit_confusions_are_repaired_inside_phone_numbers_only(text: str, repaired: str) -> None:
    assert repair_ocr_digits(text) == repaired
