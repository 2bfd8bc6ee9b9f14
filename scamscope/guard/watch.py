"""The in-page watcher the guard adds to pages it could neither pass as safe nor block as scams.

A fake "your PC is infected" page may look harmless to static analysis and still lock the screen
once it runs: full screen with the keyboard locked, an endless alert loop, a siren, a hidden mouse
pointer. :func:`watcher_script` returns the JavaScript (``watch.js`` beside this module) with its
configuration filled in; the guard inserts it first into such a page, as
``<script data-scamscope-guard-watch>...</script>`` (:data:`WATCH_MARK`). In the browser it wraps
the APIs those pages use, and when one of them is used to lock the browser while the page shows
scare text, it defuses the page (leaves full screen, unlocks keys, silences it, stops its timers
and dialogs), replaces it with ``block_html`` and posts a report (token, URL, reasons, title,
phone numbers, text) to ``report_path`` on the page's own origin. See the header of ``watch.js``
for the triggers and the rules the script keeps.

The configuration is JSON placed inside an inline ``<script>``: ``<``, ``>`` and ``&`` are written
as ``\\u003c`` etc. (so ``</script>`` or ``<!--`` in the block page cannot end or derail the
element) and the result is ASCII only, like the template, so it can be inserted as bytes into a
page in any ASCII-compatible charset.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["PLACEHOLDER", "WATCH_MARK", "watcher_script"]

WATCH_MARK = "scamscope-guard-watch"  # <script data-scamscope-guard-watch>
PLACEHOLDER = "/*SCAMSCOPE_CONFIG*/null"
_TEMPLATE = Path(__file__).with_name("watch.js")
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _compact(source: str) -> str:
    """``source`` without its whole-line comments and indentation (it goes into every watched page).

    Only lines that are entirely a comment go (``//`` lines, ``/* ... */`` blocks starting a line);
    comments after code stay, line breaks stay, so no statement can change meaning."""
    out: list[str] = []
    in_block = False
    for raw in source.splitlines():
        line = raw.strip()
        if in_block:
            in_block = "*/" not in line
            continue
        if line.startswith("/*"):
            in_block = "*/" not in line[2:]
            continue
        if not line or line.startswith("//"):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


@cache
def _template() -> str:
    source = _compact(_TEMPLATE.read_text(encoding="utf-8"))
    if source.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{_TEMPLATE} must contain {PLACEHOLDER} exactly once")
    return source


def _script_json(value: object) -> str:
    """JSON that is safe inside an inline <script> and ASCII only."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in _UNSAFE.items():
        text = text.replace(char, escaped)
    return text


def watcher_script(*, token: str, report_path: str, block_html: str, scare_seen: bool) -> str:
    """The watcher's source with its configuration, ready to go between ``<script>`` tags.

    ``token`` proves to the guard that a report comes from a page it injected; ``report_path``
    is the same-origin path the report is posted to (it must start with a single ``/``);
    ``block_html`` is the complete warning page shown instead of a page caught locking the
    browser; ``scare_seen`` says the guard's static analysis already found scare text in the page
    (otherwise the watcher looks for it in the page's text when something suspicious happens).
    """
    if not isinstance(report_path, str) or not report_path.startswith("/") or report_path.startswith("//"):
        raise ValueError(f"report_path must be a same-origin absolute path, not {report_path!r}")
    config = {
        "token": str(token),
        "report_path": report_path,
        "block_html": str(block_html),
        "scare_seen": bool(scare_seen),
    }
    return _template().replace(PLACEHOLDER, _script_json(config), 1)
