"""Evasion benchmark: apply one evasion at a time to every whole scam page of a corpus and print the
static recall per transform (and which pages each transform turned from scam into something else).

    .venv/bin/python benchmarks/evasion_bench.py ../shared/corpus [--limit N]

The transforms are the ones kits use (or could use at no cost) against text matching:
zero-width characters inside words, Cyrillic/Greek look-alike letters, full-width digits, phone
numbers split by empty elements, an ordinary article plus a legal footer appended (counter-evidence
padding), the whole body packed into ``document.write(atob(...))``, and the text put in quotes
(a ``<blockquote>`` around the body, 「」 around every text node) so that it reads as quoted.
"""

from __future__ import annotations

import argparse
import base64
import csv
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scamscope.scan import scan_html  # noqa: E402

TEXT_NODE = re.compile(r">([^<>]+)<")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
HOMOGLYPHS = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "i": "і", "O": "О", "C": "С", "T": "Т"})
FULL_DIGITS = str.maketrans({str(d): chr(0xFF10 + d) for d in range(10)})
PADDING = """
<article><h2>今日のおすすめレシピ</h2><p>旬の野菜を使った簡単な煮物の作り方をご紹介します。だしと醤油、みりんで味を調え、
弱火で二十分ほど煮込むだけで、家族みんなが喜ぶ一品になります。季節ごとに具材を変えて楽しんでください。</p>
<h2>Weekend reading</h2><p>Our editors picked five essays on gardening, small-town history and the joy of slow travel.
Each one is a short read for a quiet afternoon, with photographs from our readers.</p></article>
<footer><a href="/company">会社概要</a> | <a href="/privacy">プライバシーポリシー</a> | <a href="/law">特定商取引法に基づく表記</a> |
<a href="/terms">利用規約</a> | <a href="/contact">お問い合わせ</a> © 2024 Example Media Inc. All rights reserved.</footer>
"""


def _in_text(html: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to text nodes outside scripts and styles."""
    out, last = [], 0
    for m in SCRIPT_OR_STYLE.finditer(html):
        out.append(TEXT_NODE.sub(lambda t: ">" + fn(t.group(1)) + "<", html[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(TEXT_NODE.sub(lambda t: ">" + fn(t.group(1)) + "<", html[last:]))
    return "".join(out)


def zero_width(html: str) -> str:
    return _in_text(html, lambda t: re.sub(r"(\w{2})(?=\w{2})", "\\1\u200b", t))


def homoglyphs(html: str) -> str:
    return _in_text(html, lambda t: t.translate(HOMOGLYPHS))


def full_width_digits(html: str) -> str:
    return _in_text(html, lambda t: t.translate(FULL_DIGITS))


def split_digits(html: str) -> str:
    return _in_text(html, lambda t: re.sub(r"(\d)(?=\d)", "\\1<span></span>", t))


def padded(html: str) -> str:
    i = html.lower().rfind("</body")
    return html + PADDING if i < 0 else html[:i] + PADDING + html[i:]


def atob_packed(html: str) -> str:
    m = re.search(r"<body\b[^>]*>(.*)</body\s*>", html, re.S | re.I)
    body = m.group(1) if m else html
    packed = base64.b64encode(body.encode("utf-8")).decode()
    script = f"<script>document.write(decodeURIComponent(escape(atob('{packed}'))))</script>"
    return html[: m.start(1)] + script + html[m.end(1) :] if m else f"<html><body>{script}</body></html>"


def blockquote_body(html: str) -> str:
    m = re.search(r"<body\b[^>]*>", html, re.I)
    i = html.lower().rfind("</body")
    if not m or i < m.end():
        return f"<blockquote>{html}</blockquote>"
    return html[: m.end()] + "<blockquote>" + html[m.end() : i] + "</blockquote>" + html[i:]


def kagi_quotes(html: str) -> str:
    return _in_text(html, lambda t: f"「{t}」" if len(t.strip()) >= 6 else t)


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "none": lambda h: h,
    "zero_width": zero_width,
    "homoglyphs": homoglyphs,
    "full_width_digits": full_width_digits,
    "split_digits": split_digits,
    "padded_article_footer": padded,
    "atob_packed_body": atob_packed,
    "body_in_blockquote": blockquote_body,
    "text_in_kagi_quotes": kagi_quotes,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="at most this many pages (0: all)")
    args = ap.parse_args()
    with (args.corpus / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["label"] == "scam" and r["file"].lower().endswith((".html", ".htm"))]
    if args.limit:
        rows = rows[: args.limit]
    pages = [(r["file"], (args.corpus / "scam" / r["file"]).read_text(encoding="utf-8", errors="replace")) for r in rows]
    base = {name: scan_html(html, input_name=name).verdict for name, html in pages}
    caught = [name for name, v in base.items() if v == "scam"]
    print(f"{len(pages)} whole scam pages, {len(caught)} called scam without any evasion")
    print(f"{'transform':<24} {'recall':>7} {'kept':>9}  lost (scam -> other)")
    t0 = time.perf_counter()
    for tname, fn in TRANSFORMS.items():
        lost = []
        kept = 0
        for name, html in pages:
            if base[name] != "scam":
                continue
            v = scan_html(fn(html), input_name=name).verdict
            if v == "scam":
                kept += 1
            else:
                lost.append(f"{name} ({v})")
        recall = kept / len(pages) if pages else 0.0
        print(f"{tname:<24} {recall:7.3f} {kept:>4}/{len(caught):<4}  {', '.join(lost[:6])}{' ...' if len(lost) > 6 else ''}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
