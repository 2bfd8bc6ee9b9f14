"""Packed script: code that hides what it shows or does (see :mod:`scamscope.deobfuscate`).

Packing alone is weak evidence: honest sites minify and some obfuscate. What the packing hid is
read by the other signals (the acquire step adds it to the page); this signal only says that a
page hid its content. ``script.packed``: 0.6 when the packing hid a page (HTML written by script)
or code, 0.3 for the obfuscator's string arrays or character-code lists alone; plain data in
base64 (tokens, JSON) is not counted.
"""

from __future__ import annotations

from scamscope.types import Evidence, Observations, Page

NAME = "packing"

_STRONG = ("p.a.c.k.e.r.", "String.fromCharCode", "unescape", "base64 literal", "page in one string literal")


def run(page: Page) -> Observations:
    obs = Observations()
    if not page.packers:
        return obs
    what = ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in page.packers.items())
    strength = 0.6 if page.unpacked or any(k.startswith(_STRONG) for k in page.packers) else 0.3
    obs.evidence.append(Evidence("script.packed", f"script content packed to hide it from filters: {what}", excerpt=what[:120],
                                 strength=strength, source="script"))
    return obs
