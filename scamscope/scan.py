"""The detection pipeline: acquire -> signals -> score. Never raises for bad input.

Use :func:`scan_html` / :func:`scan_text` for strings, :func:`scan_bytes` for raw bytes and
:func:`scan_path` for files. Each returns a :class:`~scamscope.types.ScanResult`; when the
input cannot be analysed, ``result.error`` says why in one line and ``verdict`` is None.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from scamscope.acquire import MAX_READ, AcquireError, build_page, page_from_bytes, page_from_file
from scamscope.score import Model, load_model
from scamscope.signals import all_signals
from scamscope.types import BrandClaim, Observations, Page, Phone, ScanResult

if TYPE_CHECKING:
    from scamscope.bounded import StaticPool
    from scamscope.live.capture import Capture, CaptureOptions, LiveCapturer


def observe(page: Page) -> tuple[Observations, list[str]]:
    """Run every signal on a page. A failing signal is reported in the notes, never fatal."""
    obs = Observations()
    notes: list[str] = []
    for name, run in all_signals():
        try:
            obs.extend(run(page))
        except RecursionError:
            notes.append(f"signal {name} skipped: input nested too deeply")
        except Exception as exc:  # a signal bug must not lose the other signals' results
            notes.append(f"signal {name} failed: {type(exc).__name__}: {str(exc)[:120]}")
    return obs, notes


def scan_page(page: Page, *, model: Model | None = None, input_name: str | None = None, fingerprint: bool = True) -> ScanResult:
    """Signals, score, verdict; ``fingerprint`` False leaves out the kit fingerprints (campaigns need
    them; the in-path guard, which must answer within milliseconds, does not)."""
    model = model or load_model()
    obs, notes = observe(page)
    score, evidence = model.score(obs.evidence)
    notes.extend(model.notes(obs.evidence))
    fingerprints: dict[str, object] = {}
    if fingerprint:
        try:
            from scamscope.fingerprint import fingerprint as kit_fingerprint

            fingerprints = {"fingerprints": kit_fingerprint(page)}
        except RecursionError:
            notes.append("kit fingerprints skipped: input nested too deeply")
        except Exception as exc:  # a fingerprint bug must never fail the scan
            notes.append(f"kit fingerprints failed: {type(exc).__name__}: {str(exc)[:120]}")
    return ScanResult(
        input=input_name or page.source,
        verdict=model.verdict(score),
        score=score,
        language=page.language,
        evidence=evidence,
        phones=_unique_phones(obs),
        brands=_unique_brands(obs),
        url=page.url,
        kind=page.kind,
        truncated=page.truncated,
        notes=[*page.notes, *notes],
        extra={
            **({} if page.ocr_text is None else {"ocr_text": page.ocr_text}),
            **({} if page.live is None else {"live": page.live}),
            **fingerprints,
        },
    )


def _unique_phones(obs: Observations) -> list[Phone]:
    seen: set[tuple[str | None, str]] = set()
    out: list[Phone] = []
    for p in obs.phones:
        key = (p.e164 or p.raw, p.where)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _unique_brands(obs: Observations) -> list[BrandClaim]:
    seen: set[tuple[str, str]] = set()
    out: list[BrandClaim] = []
    for b in obs.brands:
        if (b.brand, b.where) not in seen:
            seen.add((b.brand, b.where))
            out.append(b)
    return out


def error_result(input_name: str, message: str, url: str | None = None) -> ScanResult:
    return ScanResult(input=input_name, verdict=None, score=None, language=None, error=message, url=url)


def _guarded(input_name: str, url: str | None, make_page: Callable[[], Page], model: Model | None, fingerprint: bool = True) -> ScanResult:
    try:
        page = make_page()
        return scan_page(page, input_name=input_name, model=model, fingerprint=fingerprint)
    except AcquireError as exc:
        return error_result(input_name, str(exc), url)
    except RecursionError:
        return error_result(input_name, "input nested too deeply to analyse", url)
    except MemoryError:
        return error_result(input_name, "input too large to analyse in memory", url)
    except Exception as exc:  # last resort: one bad input never stops a batch
        return error_result(input_name, f"internal error while analysing: {type(exc).__name__}: {str(exc)[:160]}", url)


def scan_html(html: str, url: str | None = None, *, input_name: str = "<string>", model: Model | None = None) -> ScanResult:
    """Scan page source given as a string (HTML, JS or text; the kind is sniffed)."""
    return _guarded(input_name, url, lambda: build_page(html, source=input_name, url=url), model)


def scan_text(text: str, url: str | None = None, *, input_name: str = "<text>", model: Model | None = None) -> ScanResult:
    """Scan visible text only (e.g. copied from a screen, or OCR output)."""
    return _guarded(input_name, url, lambda: build_page(text, source=input_name, url=url, kind="text"), model)


def scan_bytes(data: bytes, url: str | None = None, *, input_name: str = "<bytes>", model: Model | None = None, fingerprint: bool = True) -> ScanResult:
    """Scan raw bytes: a page, script, text or screenshot, or a container of them (see :func:`scan_container`)."""
    from scamscope.containers import container_kind

    if container_kind(data, input_name):
        return scan_container(data, url, input_name=input_name, model=model, fingerprint=fingerprint)
    return _guarded(input_name, url, lambda: page_from_bytes(data, source=input_name, url=url), model, fingerprint)


_RANK = {"scam": 3, "suspicious": 2, "benign": 1}


def scan_container(data: bytes, url: str | None = None, *, input_name: str = "<bytes>", model: Model | None = None,
                   fingerprint: bool = True) -> ScanResult:
    """Scan every member of a container (gzip, zip, tar, MHTML, e-mail, WARC; see :mod:`scamscope.containers`).

    Each member gets its own verdict (in ``extra["container"]["members"]``); the container gets the
    worst one, with that member's evidence. A container in which nothing could be scanned is scanned
    as it is (so header-like lines in front of a page cannot hide it), which gives an error for
    binary formats.
    """
    from scamscope.containers import unpack

    try:
        unpacked = unpack(data, input_name)
    except Exception as exc:  # noqa: BLE001 - unreadable container: scanned as it is below
        unpacked = None
        why = f"{type(exc).__name__}: {str(exc)[:160]}"
    members: list[dict[str, object]] = []
    results: list[ScanResult] = []
    for m in unpacked.members if unpacked else []:
        name = f"{input_name}!{m.name}"
        r = _guarded(name, m.url or url, lambda m=m, name=name: page_from_bytes(m.data, source=name, url=m.url or url), model, fingerprint)
        if m.truncated:
            r.notes.append("this member was cut at the unpacking limit: only its first bytes were analysed")
        members.append({"name": m.name, "url": m.url, "verdict": r.verdict, "score": None if r.score is None else round(r.score, 4),
                        "error": r.error, "top": [e.signal for e in r.evidence if e.weight > 0][:3]})
        results.append(r)
    scored = [r for r in results if r.verdict is not None]
    if not scored:
        result = _guarded(input_name, url, lambda: page_from_bytes(data, source=input_name, url=url), model, fingerprint)
        if result.error and unpacked is not None and members:
            errors = "; ".join(sorted({str(x["error"]) for x in members if x["error"]})[:3])
            result.error = (f"a {unpacked.kind} container with no page, script, text or image that could be scanned "
                            f"({len(members)} member(s): {errors})" + "".join(f"; {n}" for n in unpacked.notes[:3]))
        elif result.error and unpacked is not None:
            result.error += "; nothing could be read from it" + "".join(f"; {n}" for n in unpacked.notes[:3])
        elif result.error:
            result.error = f"{result.error} (the container could not be opened: {why})"
        return result
    worst = max(scored, key=lambda r: (_RANK.get(r.verdict or "", 0), r.score or 0.0))
    assert unpacked is not None
    worst.notes[:0] = [f"{unpacked.kind} container: {len(scored)} of {len(members)} member(s) scanned; the verdict is the worst "
                       f"member's ({worst.input.split('!', 1)[-1]})", *unpacked.notes]
    worst.input = input_name
    worst.extra["container"] = {"kind": unpacked.kind, "members": members, "links": unpacked.links}
    return worst


def scan_path(path: str | os.PathLike[str], url: str | None = None, *, model: Model | None = None) -> ScanResult:
    """Scan a file; ``-`` reads standard input."""
    name = str(path)
    if name == "-":
        try:
            data = sys.stdin.buffer.read(MAX_READ)
        except OSError as exc:
            return error_result("-", f"cannot read standard input: {exc}", url)
        return scan_bytes(data, url, input_name="-", model=model)
    from pathlib import Path

    from scamscope.acquire import read_input
    from scamscope.containers import LIMITS, container_kind

    try:
        data = read_input(path)
    except AcquireError as exc:
        return error_result(name, str(exc), url)
    if container_kind(data, name):
        if len(data) >= MAX_READ and Path(path).is_file():  # a container is opened whole, up to its own limit
            try:
                data = read_input(path, LIMITS.input_bytes + 1)
            except AcquireError as exc:
                return error_result(name, str(exc), url)
        result = scan_container(data[: LIMITS.input_bytes], url, input_name=name, model=model)
        if len(data) > LIMITS.input_bytes:
            result.notes.append(f"container larger than {LIMITS.input_bytes:,} bytes: only its first {LIMITS.input_bytes:,} bytes were opened")
        return result
    return _guarded(name, url, lambda: page_from_file(path, url=url, data=data), model)


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def scan_url(
    url: str,
    capturer: LiveCapturer,
    options: CaptureOptions | None = None,
    *,
    model: Model | None = None,
    save: os.PathLike[str] | None = None,
    pool: StaticPool | None = None,
    static_budget_s: float | None = None,
    save_warc: os.PathLike[str] | None = None,
) -> ScanResult:
    """Open ``url`` in headless Chromium (see :mod:`scamscope.live.capture`) and scan what it showed and did.

    ``save``: a folder to keep the capture's artifacts and the verdict in. ``save_warc``: a WARC file
    (or folder) to write the capture to (:mod:`scamscope.live.warc`; turns recording on). What the page gave
    (DOM, text, screenshots) is hostile input too: it is scored in a killable worker of ``pool``
    (default: :func:`scamscope.bounded.shared_pool`) within ``static_budget_s`` seconds.
    """
    from scamscope.live.capture import CaptureOptions
    from scamscope.netguard import RefusedURL, check_url

    opts = options or CaptureOptions()
    if save_warc is not None and not opts.record:
        opts = dataclasses.replace(opts, record=True)
    capture = None
    try:
        check_url(url, allow_private=opts.allow_private, allow_hosts=opts.allow_hosts)
    except RefusedURL as exc:
        result = error_result(url, f"refused: {exc}", url)
    else:
        capture = capturer.capture(url, opts)
        scored = dataclasses.replace(capture, exchanges=[]) if capture.exchanges else capture  # the scorer needs no bodies
        result = _result_of_capture(url, scored, model, opts.ocr, pool=pool, budget_s=static_budget_s)
    if save is not None:
        from pathlib import Path

        from scamscope.live.artifacts import save as save_artifacts

        save_artifacts(Path(save), result, capture)
    if save_warc is not None:
        from scamscope.live.warc import save_warc as write_warc

        try:
            write_warc(save_warc, result, capture)
        except OSError as exc:  # the verdict is kept even when its WARC cannot be written
            result.notes.append(f"WARC not written: {exc.strerror or exc}")
    return result


def _result_of_capture(
    url: str, capture: Capture, model: Model | None, ocr: str = "auto", *, pool: StaticPool | None = None, budget_s: float | None = None
) -> ScanResult:
    from scamscope.bounded import shared_pool
    from scamscope.live.page import live_summary

    if capture.load_error and not capture.auth_prompts:  # a login prompt is the page of an auth trap
        result = error_result(url, f"could not load the page: {capture.load_error}", url)
        result.extra["live"] = live_summary(capture)
    elif not (capture.html or capture.text or capture.screenshots or capture.dialogs or capture.events or capture.auth_prompts):
        result = error_result(url, capture.errors[0] if capture.errors else "nothing could be captured", url)
        result.extra["live"] = live_summary(capture)
    else:
        result = (pool or shared_pool()).scan_capture(url, capture, ocr=ocr, budget_s=budget_s, model=model)
    return result
