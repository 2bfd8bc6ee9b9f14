"""CSV of the indicators (``scamscope export --format csv``): UTF-8 with a byte order mark and CRLF
line ends, so that Excel (also a Japanese Excel) opens it as it is.

Values come from hostile pages: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'`` so that a spreadsheet shows it as text instead of running
it as a formula (CSV injection). E.164 numbers (``+81...``: ``+`` and digits only, nothing a
spreadsheet can run) stay as they are; the desk's indicator CSV uses the same :func:`cell`.
"""

from __future__ import annotations

import csv
import io

from scamscope.exchange.indicators import Extraction

COLUMNS = ("type", "value", "first_seen_utc", "last_seen_utc", "scans", "verdicts", "flags", "explanation", "source_ids")
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(("+", "-")) and text[1:].isdigit() and text[1:].isascii():
        return text  # a number such as +81312345678: shown as it is
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(extraction: Extraction) -> str:
    """The CSV text, BOM first (write it as UTF-8 with ``newline=''``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for ind in extraction.indicators:
        value = ind.value if ind.type != "file" else f"{(ind.names[0] if ind.names else '').replace('|', '_')}|{ind.value}"  # name|sha256, as MISP
        explanation = ind.explanation
        if ind.type == "file" and len(ind.names) > 1:
            explanation = "file names: " + ", ".join(ind.names)
        writer.writerow([
            cell(ind.type),
            cell(value),
            f"{ind.first_seen:%Y-%m-%dT%H:%M:%SZ}",
            f"{ind.last_seen:%Y-%m-%dT%H:%M:%SZ}",
            str(ind.count),
            cell(";".join(ind.verdicts)),
            cell(";".join(ind.flags)),
            cell(explanation),
            cell(";".join(ind.scan_ids + [f"case:{c}" for c in ind.cases])),
        ])
    return BOM + out.getvalue()
