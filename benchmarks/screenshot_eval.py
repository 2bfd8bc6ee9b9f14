"""Screenshot recall, measured: render every whole page of a corpus in headless Chromium, take a
screenshot of the viewport and scan the screenshot as ``scamscope scan shot.png`` does.

    .venv/bin/python benchmarks/screenshot_eval.py ../shared/corpus [--out DIR] [--limit N]

Each ``full-html`` page (scam and benign, ``.html`` files) is opened offline in Debian's Chromium
(through Playwright, the launch switches of :mod:`scamscope.live.capture`): every request that is
not the file itself or a ``data:``/``blob:`` URL is aborted. JavaScript runs (scam screens are drawn
by script), the viewport is 1366x768, the page gets :data:`SETTLE_S` seconds, one click in the
middle (many kits reveal their screen on click), then the viewport is captured. The PNGs are cached
in ``--out`` (default /tmp/scamscope-shots): a rerun only scores again.

Each screenshot is scored through :class:`scamscope.bounded.StaticPool` (what the CLI uses: OCR,
signals, model) in three variants:

- ``png``: the 1366x768 PNG as it is;
- ``small-jpeg``: scaled down to 600 px wide, JPEG quality 70 (the small pop-ups of issue 10);
- ``dark``: colours inverted (light text on a dark background, like white-on-blue screens).

A render that drew nothing (one colour) is counted and listed apart, not scored. These are
screenshots of corpus pages rendered here, not photographs or screenshots taken on victims' machines.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scamscope.bounded import StaticPool  # noqa: E402
from scamscope.live.capture import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from scamscope.types import ScanResult  # noqa: E402

VIEWPORT = {"width": 1366, "height": 768}
SETTLE_S = 1.5  # after load, before the click; and again after the click
AFTER_CLICK_S = 0.5
PAGE_TIMEOUT_MS = 15_000
SMALL_WIDTH = 600
JPEG_QUALITY = 70
BLANK_SHARE = 0.002  # a screenshot whose pixels other than the commonest colour are below this share is blank
DEFAULT_OUT = Path("/tmp/scamscope-shots")
# The DOM text laid out inside the viewport (visible, not script/style): what the screenshot can
# show as text at best. Scanned as text, it separates what OCR loses from what the render never drew.
ON_SCREEN_TEXT_JS = """() => {
  const out = [], W = innerWidth, H = innerHeight, skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
  const rgba = (c) => { const m = (c || '').match(/[\\d.]+/g) || []; return m.length >= 3 ? [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1] : [0, 0, 0, 0]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  let node, seen = 0;
  while ((node = walker.nextNode()) && seen++ < 50000) {
    const text = node.nodeValue.trim(), el = node.parentElement;
    if (!text || !el || skip.has(el.tagName)) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    const fg = lum(rgba(style.color)), bg = lum(background(el));
    if ((Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) < 1.5) continue;  // text in its background's colour
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const b of range.getClientRects()) {
      if (!(b.width > 0 && b.height > 0 && b.right > 0 && b.bottom > 0 && b.left < W && b.top < H)) continue;
      const hit = document.elementFromPoint(Math.min(W - 1, Math.max(0, b.left + b.width / 2)), Math.min(H - 1, Math.max(0, b.top + b.height / 2)));
      if (!hit || hit === el || el.contains(hit) || hit.contains(el)) { out.push(text); break; }  // not under another element
    }
  }
  return out.join('\\n').slice(0, 200000);
}"""


@dataclass(frozen=True)
class Sample:
    file: str
    label: str  # scam / benign
    language: str
    path: Path


@dataclass
class Score:
    file: str
    label: str
    language: str
    variant: str
    verdict: str | None
    score: float | None
    error: str | None = None
    ocr_text: str = ""
    phones: list[str] = field(default_factory=list)
    shown: str | None = None  # verdict of the on-screen DOM text scanned as text (the reference)


def corpus_pages(corpus: Path) -> list[Sample]:
    """The whole pages of a corpus (manifest kind ``full-html``, ``.html`` files), scam and benign."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = []
    for row in rows:
        if row.get("kind") != "full-html" or not row["file"].lower().endswith(".html"):
            continue
        path = corpus / row["label"] / row["file"]
        out.append(Sample(row["file"], row["label"], row.get("language") or "other", path))
    return out


# --- rendering -------------------------------------------------------------------------------------


def is_blank(png: bytes) -> bool:
    """True when the screenshot is (almost) one colour: the page drew nothing."""
    im = Image.open(io.BytesIO(png)).convert("RGB").resize((341, 192), Image.Resampling.NEAREST)
    colours = im.getcolors(maxcolors=341 * 192) or []
    commonest = max((n for n, _ in colours), default=0)
    return (341 * 192 - commonest) / (341 * 192) < BLANK_SHARE


class Renderer:
    """One headless Chromium; each page in a fresh context, offline (only its own file is read)."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._launch()

    def _launch(self) -> object:
        return self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)

    def close(self) -> None:
        try:
            self._browser.close()  # type: ignore[attr-defined]
        finally:
            self._pw.stop()

    def shoot(self, path: Path) -> tuple[bytes, str]:
        """The viewport after load, :data:`SETTLE_S`, a click in the middle and a short wait, and the
        DOM text drawn inside the viewport then. Raises on failure."""
        if not self._browser.is_connected():  # type: ignore[attr-defined]
            self._browser = self._launch()
        own = path.resolve().as_uri()
        context = self._browser.new_context(viewport=VIEWPORT, java_script_enabled=True, service_workers="block")  # type: ignore[attr-defined]
        try:
            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if url.split("#", 1)[0] == own or url.startswith(("data:", "blob:")):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    r.abort()  # type: ignore[attr-defined]

            context.route("**/*", route)
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            page = context.new_page()
            page.on("dialog", lambda d: _dismiss(d))
            try:
                page.goto(own, wait_until="load", timeout=PAGE_TIMEOUT_MS)
            except Exception:  # noqa: BLE001 - a page that never finishes loading is still captured
                pass
            page.wait_for_timeout(SETTLE_S * 1000)
            try:
                page.mouse.click(VIEWPORT["width"] // 2, VIEWPORT["height"] // 2)
            except Exception:  # noqa: BLE001 - a click refused by a busy page is not fatal
                pass
            page.wait_for_timeout(AFTER_CLICK_S * 1000)
            png = page.screenshot(type="png", timeout=PAGE_TIMEOUT_MS)
            try:
                text = str(page.evaluate(ON_SCREEN_TEXT_JS))
            except Exception:  # noqa: BLE001 - the page navigated away or died: no reference text
                text = ""
            return png, text
        finally:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - a wedged context: the next page relaunches if needed
                pass


def _dismiss(dialog: object) -> None:
    try:
        dialog.dismiss()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the page may already be gone
        pass


def render_all(samples: Iterable[Sample], out: Path, log: Callable[[str], None] = print) -> dict[str, str]:
    """Render what is not cached yet into ``out``; returns {file: error} for pages that could not be rendered."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [s for s in samples if not (shot_path(out, s).exists() and text_path(out, s).exists())]
    errors: dict[str, str] = {}
    if not todo:
        return errors
    renderer = Renderer()
    try:
        for i, s in enumerate(todo, 1):
            t0 = time.monotonic()
            try:
                png, text = renderer.shoot(s.path)
            except Exception as exc:  # noqa: BLE001 - one page must not stop the run
                errors[s.file] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
                log(f"render {i}/{len(todo)} {s.file}: FAILED {errors[s.file]}")
                continue
            shot_path(out, s).write_bytes(png)
            text_path(out, s).write_text(text, encoding="utf-8")
            log(f"render {i}/{len(todo)} {s.file}: {time.monotonic() - t0:.1f} s")
    finally:
        renderer.close()
    return errors


def shot_path(out: Path, s: Sample) -> Path:
    return out / f"{s.label}__{s.file}.png"


def text_path(out: Path, s: Sample) -> Path:
    return out / f"{s.label}__{s.file}.txt"


# --- variants and scoring --------------------------------------------------------------------------


def small_jpeg(png: bytes) -> bytes:
    im = Image.open(io.BytesIO(png)).convert("RGB")
    h = round(im.height * SMALL_WIDTH / im.width)
    buf = io.BytesIO()
    im.resize((SMALL_WIDTH, h), Image.Resampling.LANCZOS).save(buf, format="JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def dark(png: bytes) -> bytes:
    buf = io.BytesIO()
    ImageOps.invert(Image.open(io.BytesIO(png)).convert("RGB")).save(buf, format="PNG")
    return buf.getvalue()


VARIANTS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "png": ("png", lambda b: b),
    "small-jpeg": ("jpg", small_jpeg),
    "dark": ("png", dark),
}


def score_one(pool: StaticPool, s: Sample, variant: str, png: bytes, shown: str | None = None) -> Score:
    suffix, make = VARIANTS[variant]
    result: ScanResult = pool.scan_bytes(make(png), input_name=f"{s.file}.{variant}.{suffix}")
    return Score(
        file=s.file, label=s.label, language=s.language, variant=variant, verdict=result.verdict, score=result.score,
        error=result.error, ocr_text=str(result.extra.get("ocr_text", "")),
        phones=sorted({p.e164 or p.raw for p in result.phones}), shown=shown,
    )


# --- report ----------------------------------------------------------------------------------------


def summary(scores: list[Score]) -> dict[str, object]:
    scam = [s for s in scores if s.label == "scam"]
    benign = [s for s in scores if s.label == "benign"]

    def share(n: int, d: int) -> str:
        return f"{n / d:.2f}" if d else "–"

    shown = [s for s in scam if s.shown == "scam"]
    return {
        "scam": len(scam),
        "recall": share(sum(s.verdict == "scam" for s in scam), len(scam)),
        "recall+susp": share(sum(s.verdict in ("scam", "suspicious") for s in scam), len(scam)),
        "text scam": len(shown),
        "recall on those": share(sum(s.verdict == "scam" for s in shown), len(shown)),
        "benign": len(benign),
        "FP scam": sum(s.verdict == "scam" for s in benign),
        "suspicious": sum(s.verdict == "suspicious" for s in benign),
        "errors": sum(s.error is not None for s in scores),
    }


COLUMNS = ("scam", "recall", "recall+susp", "text scam", "recall on those", "benign", "FP scam", "suspicious", "errors")


def table(rows: list[tuple[str, dict[str, object]]], first: str) -> str:
    head = f"| {first} | " + " | ".join(COLUMNS) + " |"
    sep = "|" + "---|" * (len(COLUMNS) + 1)
    body = [f"| {name} | " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for name, r in rows]
    return "\n".join([head, sep, *body])


def report(scores: list[Score], blank: list[Sample], failed: dict[str, str], variants: list[str]) -> str:
    lines = [table([(v, summary([s for s in scores if s.variant == v])) for v in variants], "variant"),
             "text scam: scam pages whose on-screen DOM text, scanned as text, is scam (what the render drew);"
             " recall on those: screenshot recall on them", ""]
    languages = sorted({s.language for s in scores})
    for v in variants:
        lines.append(f"## {v}: per language")
        lines.append(table([(lang, summary([s for s in scores if s.variant == v and s.language == lang])) for lang in languages], "language"))
        misses = [s for s in scores if s.variant == v and s.label == "scam" and s.verdict != "scam"]
        alarms = [s for s in scores if s.variant == v and s.label == "benign" and s.verdict != "benign"]
        lines.append(f"misses ({len(misses)}):")
        lines += [f"  {s.verdict or 'error'} {s.score if s.score is None else round(s.score, 3)} {s.file}"
                  f" (on-screen text: {s.shown}){' ' + s.error if s.error else ''}" for s in misses]
        lines.append(f"benign not called benign ({len(alarms)}):")
        lines += [f"  {s.verdict or 'error'} {s.score if s.score is None else round(s.score, 3)} {s.file}{' ' + s.error if s.error else ''}" for s in alarms]
        lines.append("")
    lines.append(f"blank renders, not scored ({len(blank)}: {sum(s.label == 'scam' for s in blank)} scam, {sum(s.label == 'benign' for s in blank)} benign):")
    lines += [f"  {s.label} {s.file}" for s in blank]
    lines.append(f"render failures ({len(failed)}):")
    lines += [f"  {name}: {why}" for name, why in failed.items()]
    return "\n".join(lines)


def evaluate(samples: list[Sample], out: Path, variants: list[str], *, jobs: int = 1,
             log: Callable[[str], None] = print) -> tuple[list[Score], list[Sample], dict[str, str]]:
    """Render (what is not cached), then score every non-blank screenshot in each variant."""
    failed = render_all(samples, out, log)
    shots = [(s, shot_path(out, s).read_bytes()) for s in samples if shot_path(out, s).exists()]
    blank = [s for s, png in shots if is_blank(png)]
    blank_files = {s.file for s in blank}
    scores: list[Score] = []
    with StaticPool(max(1, jobs)) as pool:
        from concurrent.futures import ThreadPoolExecutor

        from scamscope.scan import scan_text

        shown = {s.file: scan_text(text_path(out, s).read_text(encoding="utf-8") if text_path(out, s).exists() else "",
                                   input_name=s.file).verdict for s, _ in shots if s.file not in blank_files}
        todo = [(s, v, png, shown[s.file]) for s, png in shots if s.file not in blank_files for v in variants]
        with ThreadPoolExecutor(max(1, jobs)) as ex:
            for i, sc in enumerate(ex.map(lambda t: score_one(pool, *t), todo), 1):
                scores.append(sc)
                if i % 25 == 0 or i == len(todo):
                    log(f"scored {i}/{len(todo)}")
    return scores, blank, failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="screenshot cache (default %(default)s)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--only", default="", help="only files whose name contains this")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    ap.add_argument("--jobs", type=int, default=1, help="scoring workers")
    ap.add_argument("--json", type=Path, help="write every score (with its OCR text) to this JSON-lines file")
    args = ap.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s): {', '.join(unknown)}")
    if not (args.corpus / "MANIFEST.tsv").is_file():
        ap.error(f"{args.corpus} has no MANIFEST.tsv")
    samples = [s for s in corpus_pages(args.corpus) if args.only in s.file]
    if args.limit:
        samples = samples[: args.limit]
    t0 = time.monotonic()
    scores, blank, failed = evaluate(samples, args.out, variants, jobs=args.jobs, log=lambda m: print(m, file=sys.stderr))
    if args.json:
        with args.json.open("w", encoding="utf-8") as fh:
            for sc in scores:
                fh.write(json.dumps(asdict(sc), ensure_ascii=False) + "\n")
    print(f"# {len(samples)} whole pages of {args.corpus}, screenshots in {args.out}, {time.monotonic() - t0:.0f} s")
    print(report(scores, blank, failed, variants))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
