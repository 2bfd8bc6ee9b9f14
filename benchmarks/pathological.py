"""Static scan time on pathological inputs, to show it grows linearly with the input size.

    .venv/bin/python benchmarks/pathological.py [--sizes 100,400,2000] [--only NAME,...] [--cap-s 20]

Each generator builds a page of the given size (in KB; 2000 KB is the 2 MB cap of
``scamscope.acquire.MAX_BYTES``) from a small repeated unit: the shapes that make backtracking
regexes or tree builders go quadratic (unterminated string literals ending in a backslash, quote
and backslash floods, ``<`` floods, deep nesting, giant attributes, digit/hyphen runs for phone
extraction, entity floods, CSS brace floods, ...), beside an ordinary page of the same size.

The whole static pipeline runs in this process (``scamscope.scan.scan_bytes``: sniff, decode,
parse, every signal, score): no worker and no budget, so the figure is the analysis itself. For
each generator it prints ms per 100 KB at each size and the ratio of the largest to the smallest
(about 1.0 when time grows linearly; 5.0 would mean time grows with the square of the size between
100 KB and 500 KB). A generator whose run exceeds ``--cap-s`` seconds is not run at larger sizes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scamscope.scan import scan_bytes  # noqa: E402


def _fill(head: str, unit: str, tail: str, size: int) -> bytes:
    """``head + unit * k + tail`` of about ``size`` bytes (UTF-8)."""
    body = size - len((head + tail).encode())
    k = max(1, body // max(1, len(unit.encode())))
    return (head + unit * k + tail).encode()


_ORDINARY_UNIT = (
    "<div class='post'><h2>Release notes</h2><p>The library now parses dates in ISO 8601 form, "
    "keeps time zones and reports errors with the offending line. See the <a href='/docs/api'>API "
    "reference</a> and the changelog for version 2.4.1.</p><ul><li>Faster start-up</li>"
    "<li>Fewer allocations</li></ul><script>var n = 1; function f(x) { return x + n; }</script></div>\n"
)

GENERATORS: dict[str, Callable[[int], bytes]] = {
    "ordinary page": lambda n: _fill("<!doctype html><html><head><title>Notes</title></head><body>", _ORDINARY_UNIT, "</body></html>", n),
    "js: unterminated 'a\\ literals": lambda n: _fill("<html><body><script>", "'a\\", "", n),
    "js file: unterminated 'a\\": lambda n: _fill("var s = ", "'a\\", "", n),
    "js: template `a\\ flood": lambda n: _fill("<html><body><script>", "`a\\", "", n),
    "js: quote/backslash flood": lambda n: _fill("<html><body><script>", "'\"\\", "", n),
    "js: \\' flood in a literal": lambda n: _fill("<html><body><script>x='", "\\'", "", n),
    "html: < flood": lambda n: _fill("<html><body>", "<", "", n),
    "html: <a flood": lambda n: _fill("<html><body>", "<a ", "", n),
    "html: deep nesting": lambda n: _fill("<html><body>", "<div>", "", n),
    "html: giant attribute": lambda n: _fill("<html><body><div title=\"", "a", "\">x</div></body></html>", n),
    "html: unterminated attribute": lambda n: _fill("<html><body><img src=\"", "a b=", "", n),
    "html: comment flood": lambda n: _fill("<html><body>", "<!--", "", n),
    "html: entity flood": lambda n: _fill("<html><body><p>", "&amp;&#", "</p></body></html>", n),
    "css: brace flood": lambda n: _fill("<html><head><style>", "a{", "</style></head><body>x</body></html>", n),
    "text: digit run": lambda n: _fill("", "0", "", n),
    "text: digit/hyphen run": lambda n: _fill("", "0-", "", n),
    "text: spaced digits": lambda n: _fill("", "01 ", "", n),
    "text: 0101-number flood": lambda n: _fill("", "0101-844-555-0199 ", "", n),
    "text: word/space flood": lambda n: _fill("", "a ", "", n),
    "js: identifier/= flood": lambda n: _fill("<html><body><script>", "a=", "", n),
    "js: newline/= flood": lambda n: _fill("<html><body><script>x", "\n=", "", n),
    "js: /**/ comments before <html": lambda n: _fill("", "/**/", "<html><body>x</body></html>", n),
    "deep + < flood (tree-less path)": lambda n: _fill("<div>" * 2100, "<", "", n),
    "deep + comment flood": lambda n: _fill("<div>" * 2100, "<!--", "", n),
    "deep + <script> flood": lambda n: _fill("<div>" * 2100, "<script>", "", n),
    "deep + <title flood": lambda n: _fill("<div>" * 2100, "<title>", "", n),
    "text: digit run + scare words": lambda n: _fill("", "0", " 個の 件の viruses problems seconds virus", n),
    "text: 0,0, run + scare words": lambda n: _fill("", "0,", " 個の 件の viruses problems virus", n),
    "text: oxox flood + error code": lambda n: _fill("error code ", "ox", " 0x1234", n),
    "html: <input with a 1190-char name": lambda n: _fill("<html><body><form>", "<input " + "-" * 1190 + ">", "", n),
    "html: <link/<meta with 590-char names": lambda n: _fill("<html><head>", "<link " + "-" * 590 + "><meta " + "-" * 590 + ">", "", n),
    "html: <img with 590-char attribute": lambda n: _fill("<html><body>", "<img " + "a" * 590, "", n),
}


def measure(make: Callable[[int], bytes], kb: int) -> float:
    data = make(kb * 1000)
    start = time.perf_counter()
    result = scan_bytes(data, input_name="bench")
    elapsed = time.perf_counter() - start
    if result.error:
        print(f"    ({kb} KB: {result.error})", file=sys.stderr)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,500,2000", help="sizes in KB, comma-separated (default 100,500,2000)")
    ap.add_argument("--only", default="", help="comma-separated substrings of generator names to run")
    ap.add_argument("--cap-s", type=float, default=20.0, help="skip larger sizes once a run takes longer than this")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    scan_bytes(GENERATORS["ordinary page"](50_000))  # warm-up: model, data files, imports
    header = "".join(f"{f'{kb} KB':>12}" for kb in sizes)
    print(f"{'generator':34}{header}{'ratio':>9}   (ms per 100 KB; ratio = largest size / smallest size)")
    for name, make in GENERATORS.items():
        if wanted and not any(w in name for w in wanted):
            continue
        per100: list[float] = []
        cells: list[str] = []
        for kb in sizes:
            if per100 and per100[-1] * kb / 100 / 1000 > args.cap_s * 4:
                cells.append(f"{'skipped':>12}")
                continue
            elapsed = measure(make, kb)
            per100.append(elapsed * 1000 / (kb / 100))
            cells.append(f"{per100[-1]:12.1f}")
            if elapsed > args.cap_s:
                cells.extend(f"{'skipped':>12}" for _ in sizes[len(cells):])
                break
        ratio = per100[-1] / per100[0] if len(per100) > 1 and per100[0] > 0 else float("nan")
        print(f"{name:34}{''.join(cells)}{ratio:9.2f}", flush=True)


if __name__ == "__main__":
    main()
