"""OCR digit confusions (O/0, l/1, S/5...) repaired inside phone-shaped runs only."""

from __future__ import annotations

import re

# OCR reads digits as look-alike letters (O/o/D for 0, l/I/| for 1, S for 5, B for 8, Z for 2).
# Repaired only inside a phone-shaped run: mostly digits with separators, a few such letters.
_OCR_LETTERS = "OoDlI|SBZ"
_OCR_DIGIT_OF = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}
)
_OCR_RUN = re.compile(
    rf"(?<![A-Za-z0-9])[+(]?[0-9{_OCR_LETTERS}](?:[ \-.()‐-―ー－]{{0,2}}[0-9{_OCR_LETTERS}]){{6,18}}(?![A-Za-z0-9])"
)


_OCR_GROUP_SEP = re.compile(r"[ \-.()‐-―ー－+]+")


def repair_ocr_digits(text: str) -> str:
    """OCR text with look-alike letters read back as digits inside phone-shaped runs ("O50-1234-5678"
    -> "050-1234-5678"); runs with fewer than 7 real digits, more than 3 such letters, or a group
    without any digit are left alone."""

    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        digits = sum(c.isdigit() for c in run)
        letters = sum(c in _OCR_LETTERS for c in run)
        if letters == 0 or letters > 3 or digits < 7:
            return run
        groups = [g for g in _OCR_GROUP_SEP.split(run) if g]
        if any(not any(c.isdigit() for c in g) for g in groups):  # a word ("DOS") between numbers
            return run
        return run.translate(_OCR_DIGIT_OF)

    return _OCR_RUN.sub(fix, text) if text else text
