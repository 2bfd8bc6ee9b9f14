"""The triage run: hash the evidence, open it, run every collector, link, interpret, write the case folder.

``run(target, out)`` does, in order: refuse an output folder inside the evidence -> SHA-256 of every
input file -> open the target read-only (dissect.target) -> every collector, each one's failure
caught and kept as a problem -> merge, UTC, sort, ids E0001../S01.. -> findings, story, leak scope,
advice -> timeline.jsonl/.csv -> SHA-256 again -> findings.json, report.html, report.pdf,
evidence.json. Progress goes to ``progress`` (stderr by default), one line per step.
"""

from __future__ import annotations

import sys
import time
import traceback
from datetime import tzinfo
from pathlib import Path
from typing import Any, TextIO

from scamscope.triage import report
from scamscope.triage.advice import advise
from scamscope.triage.collectors import all_collectors
from scamscope.triage.evidence import EvidenceLog, compare, hash_inputs, now_utc, versions
from scamscope.triage.findings import build_findings, session_window
from scamscope.triage.fmt import local_zone
from scamscope.triage.integrity import image_problems, truncation_hint
from scamscope.triage.leak import assess
from scamscope.triage.link import dedupe, link, normalise_times
from scamscope.triage.passwords import password_stores
from scamscope.triage.result import CollectorRun, TriageResult, first_last_contact
from scamscope.triage.story import reconstruct
from scamscope.triage.types import Collected, Problem

__all__ = ["OUTPUTS", "CollectorRun", "TriageError", "TriageResult", "first_last_contact", "run"]

OUTPUTS = ("report.html", "report.pdf", "findings.json", "timeline.jsonl", "timeline.csv", "evidence.json")


class TriageError(Exception):
    """A triage that cannot start (bad target, output folder inside the evidence, ...): one-line message."""


def _say(progress: TextIO | None, text: str) -> None:
    if progress is not None:
        progress.write(f"triage: {text}\n")
        progress.flush()


def check_out_dir(target: Path, out: Path, force: bool = False) -> None:
    """Refuse a case folder inside (or equal to) the evidence or the folder that holds an evidence
    file, one that is an existing file, and one that already holds something: a report written over
    an older one (a stale report.pdf beside new findings) contradicts itself. With ``force`` a used
    case folder is emptied first, unless the evidence is inside it."""
    t, o = target.resolve(), out.resolve()
    if t.is_dir() and (o == t or t in o.parents):
        raise TriageError(f"refusing to write {out} inside the evidence {target}: choose a case folder outside it")
    if o == t or (t.is_file() and o == t.parent / t.name):
        raise TriageError(f"refusing to write over the evidence {target}")
    if t.is_file() and o == t.parent:
        raise TriageError(f"refusing to write {out}: it is the folder that holds the evidence {target.name}; choose a case folder of its own")
    if o.exists() and not o.is_dir():
        raise TriageError(f"{out} exists and is not a folder")
    if o.is_dir() and any(o.iterdir()):
        if o in t.parents:
            raise TriageError(f"refusing to use {out}: the evidence {target} is inside it; choose an empty case folder")
        if not force:
            raise TriageError(f"{out} is not empty (an earlier case?): choose an empty case folder, or --force to empty it first")
        clear_folder(o)


def clear_folder(folder: Path) -> None:
    """Delete what ``folder`` holds (not the folder): links are removed, never followed."""
    import shutil

    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _system(ctx: Any) -> dict[str, str]:
    out = {"os": "windows" if not ctx.partial else "unknown (partial collection)"}
    for key, attr in (("hostname", "hostname"), ("version", "version")):
        try:
            value = getattr(ctx.target, attr)
            if value:
                out[key] = str(value)
        except Exception:
            pass
    return out


def no_dissect_cache() -> None:
    """Stop dissect from writing plugin caches: it does when a ``.targetcfg.py`` beside (or inside) the
    evidence, in its parents, the working folder or the home folder sets ``CACHE_DIR``."""
    from dissect.target.helpers import cache

    cache.IGNORE_CACHE = True


def run_collectors(ctx: Any, progress: TextIO | None) -> tuple[Collected, list[CollectorRun]]:
    merged = Collected()
    runs = []
    found = all_collectors()
    for i, (name, collect) in enumerate(found, 1):
        t0 = time.perf_counter()
        run = CollectorRun(name, 0.0)
        try:
            got = collect(ctx)
            if not isinstance(got, Collected):
                raise TypeError(f"returned {type(got).__name__}, not Collected")
            merged.extend(got)
            run.counts = {k: len(getattr(got, k)) for k in ("events", "sessions", "software", "visits", "problems")}
            run.counts["visits"] = max(run.counts["visits"], got.visits_read)
        except Exception as exc:  # a collector bug must not end the triage: keep it as a problem
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            run.error = f"{type(exc).__name__}: {str(exc)[:300]}" + (f" ({Path(where.filename).name}:{where.lineno})" if where else "")
            merged.problems.append(Problem(f"collector {name}", f"failed, its results are missing: {run.error}", severity="error"))
        run.seconds = time.perf_counter() - t0
        what = run.error or ", ".join(f"{v} {k}" for k, v in run.counts.items() if v and k != "problems") or "nothing"
        _say(progress, f"[{i}/{len(found)}] {name}: {what} ({run.seconds:.2f} s)")
        runs.append(run)
    return merged, runs


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.source, p.message, p.path)
        if key not in seen:
            seen.add(key)
            out.append(p)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda p: order.get(p.severity, 3))


def _check_collection(target: Path, collection: str | None) -> None:
    """Refuse at once evidence that holds several collections when none was picked (the list says how)."""
    from scamscope.triage.layouts import choose, find_candidates

    if target.is_dir() or target.suffix.lower() in (".zip", ".tar", ".tgz", ".gz"):
        try:
            choose(target, find_candidates(target).candidates, collection)
        except ValueError as exc:
            raise TriageError(str(exc)) from None


def run(target: Path, out: Path, tz: tzinfo | None = None, command: list[str] | None = None,
        progress: TextIO | None = sys.stderr, pdf: bool = True, force: bool = False,
        collection: str | None = None) -> TriageResult:
    """Triage ``target`` into the case folder ``out``. Raises :class:`TriageError` when it cannot start.

    ``collection`` picks one collection or volume when the evidence holds several (see
    :func:`scamscope.triage.context.open_target`)."""
    from scamscope.triage.context import open_target

    target, out = Path(target), Path(out)
    if not target.exists():
        raise TriageError(f"{target}: no such file or directory")
    check_out_dir(target, out, force)
    _check_collection(target, collection)  # several collections and none picked: say so before hours of hashing
    log = EvidenceLog(target=str(target.resolve()), command=list(command or sys.argv), started=now_utc(), versions=versions())
    _say(progress, f"hashing the evidence ({target})")
    log.inputs_before = hash_inputs(target)
    files = [f for f in log.inputs_before if f.kind == "file"]
    if not files:  # "nothing found" on nothing would be a false all-clear
        unreadable = [f for f in log.inputs_before if f.kind != "file"]
        why = f" ({unreadable[0].path}: {unreadable[0].error})" if unreadable else ""
        raise TriageError(f"{target} holds no file that could be read{why}: nothing to examine (an empty or unreadable folder, or a copy that failed?)")
    _say(progress, f"{len(files)} input file(s), {sum(f.size for f in files):,} bytes hashed"
                   + (f"; {len(log.inputs_before) - len(files)} folder(s) could not be listed" if len(files) < len(log.inputs_before) else ""))
    no_dissect_cache()
    try:
        ctx = open_target(target, tz, collection=collection)
    except ValueError as exc:
        hint = truncation_hint(target) if target.is_file() else None
        raise TriageError(str(exc) + (f"; the image is {hint}" if hint else "")) from None
    _say(progress, f"opened: {ctx.opened + ', ' if ctx.opened else ''}{'partial collection (no Windows folder)' if ctx.partial else 'Windows system'}, "
                   f"{len(ctx.user_homes())} user profile(s), time zone {ctx.local_tz or 'unknown'}")
    damage = image_problems(ctx.target)
    for p in damage:
        _say(progress, f"{p.source}: {p.message}")
    collected, runs = run_collectors(ctx, progress)
    stores, pw_problems = password_stores(ctx)
    collected.problems += damage + ctx.problems + pw_problems
    collected.sources_read += [s.ref for s in stores if s.saved is not None]
    naive = normalise_times(collected)
    dropped = dedupe(collected)
    if dropped:
        collected.problems.append(Problem("merge", f"{dropped} duplicate record(s) (the same session or log line reported twice, "
                                          "e.g. one file reached by two paths) were merged", severity="info"))
    if naive:
        collected.problems.append(Problem("time stamps", f"{naive} time stamp(s) had no time zone and were taken as UTC"))
    if ctx.local_tz is None:
        local = any("local" in s.time_note.lower() for s in collected.sessions)
        collected.problems.append(Problem("time zone", "the PC's time zone is unknown (no registry, no --tz): logs written in local "
                                          "time were read as UTC; give --tz (e.g. Asia/Tokyo) if the PC's zone is known",
                                          severity="warning" if local else "info"))
    collected.problems = _dedupe(collected.problems)
    window = session_window()
    links = link(collected, window)
    with local_zone(ctx.local_tz):  # times in the findings' texts: UTC and the PC's local time
        findings = build_findings(collected, links, window)
        story = reconstruct(collected, links, window)
        leak = assess(collected, links, stores, window, collected.problems)
    log.local_tz, log.tz_source, log.tz_confidence, log.opened = str(ctx.local_tz or ""), ctx.tz_source, ctx.tz_confidence, ctx.opened
    result = TriageResult(target=target, out=out, partial=ctx.partial, system=_system(ctx), local_tz=str(ctx.local_tz or "unknown"),
                          tz_source=ctx.tz_source or "none", collected=collected, links=links, runs=runs, stores=stores,
                          findings=findings, story=story, leak=leak, advice=advise(findings, stores), evidence=log, window=window,
                          tz=ctx.local_tz, tz_confidence=ctx.tz_confidence, tz_detail=ctx.tz_detail, opened=ctx.opened)
    out.mkdir(parents=True, exist_ok=True)
    result.outputs.update(report.write_timeline(result))
    _say(progress, f"{len(collected.events)} timeline events, {len(collected.sessions)} session(s), {len(findings)} finding(s)")
    _say(progress, "hashing the evidence again")
    log.inputs_after = hash_inputs(target)
    log.changed = compare(log.inputs_before, log.inputs_after)
    if log.changed:
        collected.problems.insert(0, Problem("evidence", f"{len(log.changed)} input file(s) changed during the triage: "
                                             + "; ".join(log.changed[:5]), severity="error"))
    result.outputs.update(report.write_all(result, pdf=pdf, progress=lambda s: _say(progress, s)))
    if result.chromium:
        log.versions["chromium (report.pdf)"] = result.chromium
    log.ended = now_utc()
    log.write(out / "evidence.json")
    result.outputs["evidence.json"] = out / "evidence.json"
    _say(progress, f"done: {out}")
    return result

