"""The ``scamscope`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scamscope import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Detect tech support scams / fake security warnings (サポート詐欺・偽セキュリティ警告).",
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _console(err: bool = False) -> Console:
    """A console for tables; when output goes to a pipe or file, tables get 160 columns, not 80."""
    stream = sys.stderr if err else sys.stdout
    width = None if stream.isatty() else 160
    return Console(stderr=err, highlight=False, soft_wrap=False, width=width)


def _fail(message: str) -> typer.Exit:
    """Print a one-line error on stderr; the exit to raise (status 2)."""
    from rich.markup import escape

    _console(True).print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def _check_allow_hosts(specs: list[str] | None) -> tuple[str, ...]:
    """``--allow-host`` values, each checked (a malformed one ends the command with status 2)."""
    from scamscope.netguard import parse_allow_host

    for spec in specs or []:
        try:
            parse_allow_host(spec)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    return tuple(specs or ())


def _check_broker(broker: str) -> None:
    """End the command with status 2 when ``broker`` is not a usable broker URL or cannot be reached."""
    from scamscope.distributed.producer import broker_problem

    problem = broker_problem(broker)
    if problem is not None:
        raise _fail(problem)


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"scamscope {__version__}")
        raise typer.Exit(0)


@app.command()
def scan(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files (HTML, JS, text, screenshots) or http(s) URLs; '-' reads standard input.")] = None,
    input_list: Annotated[Path | None, typer.Option("-i", "--input-list", help="A file with one input (URL or path) per line; '#' starts a comment.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per input (JSON Lines), in input order.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Inputs scanned at the same time (each URL job has its own browser).")] = 1,
    save: Annotated[Path | None, typer.Option("--save", help="Keep per-input artifacts here: verdict JSON; for URLs also screenshots, DOM, OCR text, behaviour log, redirects, messages.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where a saved page came from (for brand-vs-domain checks).")] = None,
    model: Annotated[Path | None, typer.Option("--model", help="Use this model file instead of the shipped one.")] = None,
    profile: Annotated[str, typer.Option("--profile", help="Live capture: browser profile (windows-ja, windows-en).")] = "windows-ja",
    referrer: Annotated[str | None, typer.Option("--referrer", help="Live capture: Referer sent with the first request.")] = None,
    budget: Annotated[float, typer.Option("--budget", min=2.0, max=300.0, help="Live capture: seconds a page may take before the browser is killed.")] = 15.0,
    timeout: Annotated[float, typer.Option("--timeout", min=0.05, max=3600.0, help="Static analysis: seconds one input may take before its worker process is killed (then its first 100,000 characters are analysed, or it is an error).")] = 20.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Live capture: allow loopback/private addresses (local testing).")] = False,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="Live capture: admit this origin, HOST or HOST:PORT, whatever it resolves to (a local test server); repeatable. Link-local/metadata addresses are never admitted.")] = None,
    ocr: Annotated[str, typer.Option("--ocr", help="Live capture: OCR of the screenshot: auto (where images, canvas and backgrounds are drawn, or all of it when the page has no text), full, off.")] = "auto",
    render: Annotated[bool, typer.Option("--render", help="Open files in the sandboxed browser as well: a kit's .js is loaded by a wrapper page, .html/.php is served as the page (on loopback), and what it shows and does is scanned as for a URL.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write every result to this Apache Parquet file (one row per input, in input order; schema in docs/parquet.md).")] = None,
    save_warc: Annotated[Path | None, typer.Option("--save-warc", help="Live capture: write each URL's capture as WARC, DIR/0001-host-path.warc.gz: request/response records of the page and its resources, screenshots, DOM and the verdict.")] = None,
    broker: Annotated[str | None, typer.Option("--broker", help="Send the inputs to the workers behind this broker (redis://HOST:6379/0; see 'scamscope worker') instead of scanning here; same output, in input order.")] = None,
) -> None:
    """Scan pages, screenshots and URLs; print a verdict, a score and the evidence.

    Files (HTML, JS, text; PNG/JPEG/WebP screenshots through OCR) are scanned statically; http(s)
    URLs are opened in headless Chromium and what the page shows and does is scanned.

    Exit status: 0 nothing found, 1 at least one scam or suspicious page, 2 an input could not be read.
    """
    from scamscope.batch import run_batch
    from scamscope.live.profiles import PROFILES
    from scamscope.report.jsonl import write_result
    from scamscope.report.terminal import render_result
    from scamscope.score import load_model

    if profile not in PROFILES:
        _console(True).print(f"[red]error:[/] unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
        raise typer.Exit(EXIT_ERROR)
    from scamscope.live.page import OCR_MODES

    if ocr not in OCR_MODES:
        _console(True).print(f"[red]error:[/] unknown --ocr mode {ocr!r} (choose from {', '.join(OCR_MODES)})")
        raise typer.Exit(EXIT_ERROR)
    names = list(inputs or [])
    if input_list is not None:
        try:
            lines = input_list.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            _console(True).print(f"[red]error:[/] cannot read {input_list}: {exc.strerror or exc}")
            raise typer.Exit(EXIT_ERROR) from None
        names += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not names:
        _console(True).print("[red]error:[/] nothing to scan: give files or URLs, or -i LIST")
        raise typer.Exit(EXIT_ERROR)
    chosen = None
    if model is not None:
        try:
            chosen = load_model(str(model))
        except (OSError, ValueError, KeyError) as exc:
            _console(True).print(f"[red]error:[/] cannot load model {model}: {exc}")
            raise typer.Exit(EXIT_ERROR) from None

    from rich.markup import escape

    from scamscope.live.capture import CaptureOptions

    hosts = _check_allow_hosts(allow_host)
    options = CaptureOptions(profile=profile, referrer=referrer, budget_s=budget, allow_private=allow_private, allow_hosts=hosts, ocr=ocr)
    if broker is not None:
        if model is not None:
            _console(True).print("[red]error:[/] --model cannot be used with --broker: the workers score with their own shipped model")
            raise typer.Exit(EXIT_ERROR)
        _check_broker(broker)
    console = _console()
    found = errors = 0
    table = None
    if out is not None:
        if out.suffix.lower() != ".parquet":
            _console(True).print(f"[red]error:[/] --out {escape(str(out))}: only .parquet files are written (JSON Lines: --json)")
            raise typer.Exit(EXIT_ERROR)
        from scamscope.report.parquet import ParquetWriter

        try:
            table = ParquetWriter(out)
        except OSError as exc:
            _console(True).print(f"[red]error:[/] cannot write {escape(str(out))}: {escape(str(exc.strerror or exc))}")
            raise typer.Exit(EXIT_ERROR) from None
    try:
        if broker is not None:
            from scamscope.distributed.producer import run_remote_batch

            results = run_remote_batch(names, broker=broker, options=options, url=url, save=save, progress=len(names) > 1,
                                       static_budget_s=timeout, render=render, save_warc=save_warc)
        else:
            results = run_batch(names, jobs=jobs, options=options, url=url, model=chosen, save=save, progress=len(names) > 1,
                                static_budget_s=timeout, render=render, save_warc=save_warc)
        for result in results:
            if result.error:
                errors += 1
            elif result.verdict in ("scam", "suspicious"):
                found += 1
            if table is not None:
                table.write(result)
            if json_out:
                write_result(sys.stdout, result)
            else:
                render_result(console, result)
    finally:
        if table is not None:
            table.close()  # what was scanned is kept, also when the batch is interrupted
    raise typer.Exit(EXIT_ERROR if errors else (EXIT_FOUND if found else EXIT_CLEAN))


@app.command()
def phone(
    text: Annotated[list[str], typer.Argument(help="Text holding phone numbers, e.g. \"0101-844-555-0199\".")],
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the page the text came from (ja, en, ...).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Explain each phone number found in the text: where it really rings, and what is suspicious."""
    from scamscope.phones import explain_text, is_suspicious
    from scamscope.report.terminal import phone_table

    phones = explain_text(" ".join(text), language=lang)
    if json_out:
        typer.echo(json.dumps([p.to_dict() for p in phones], ensure_ascii=False, indent=1))
    elif not phones:
        typer.echo("no phone number found")
    else:
        _console().print(phone_table(phones, title=f"{len(phones)} phone number(s)"))
    raise typer.Exit(EXIT_FOUND if any(is_suspicious(p) for p in phones) else EXIT_CLEAN)


def _load_corpus(corpus_dir: Path, label: str | None = None):  # type: ignore[no-untyped-def]
    from scamscope.corpus import CorpusError, read_corpus, read_folder

    try:
        return read_folder(corpus_dir, label) if label else read_corpus(corpus_dir)
    except CorpusError as exc:
        _console(True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_ERROR) from None


@app.command("eval")
def eval_cmd(
    corpus_dir: Annotated[Path, typer.Argument(help="Corpus folder with MANIFEST.tsv, scam/ and benign/.")],
    cv: Annotated[int, typer.Option("--cv", help="K-fold cross-validation (grouped by kit family): train on K-1 folds, judge the rest. 0 uses the shipped model as is.")] = 0,
    repeats: Annotated[int, typer.Option("--repeats", help="With --cv: redo the split with this many seeds and average each page's out-of-fold probability.")] = 5,
    label: Annotated[str | None, typer.Option("--label", help="No manifest: take every page file under CORPUS_DIR as this label (e.g. 'benign' for a folder of ordinary pages).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Precision, recall, F1 and false-positive rate, overall, per language and per kind, plus the misclassified files."""
    from scamscope.evaluate import Outcome, manifest_kinds, metrics
    from scamscope.report.eval import render_metrics
    from scamscope.score import load_model
    from scamscope.train import corpus_fingerprint, cross_validate, extract

    if label and cv:
        _console(True).print("[red]error:[/] --cv needs a labelled corpus with both classes, not --label")
        raise typer.Exit(EXIT_ERROR)
    samples = _load_corpus(corpus_dir, label)
    data = extract(samples, progress=not json_out)
    model = load_model()
    notes = []
    if cv:
        probs = cross_validate(data, k=cv, repeats=repeats)
        mode = f"{cv}-fold cross-validation grouped by family, {repeats} repeat(s), mean out-of-fold probability"
    else:
        probs = [d.result.score if d.result.score is not None else 0.0 for d in data]
        mode = "shipped model"
        if model.meta.get("corpus_manifest_sha256_16") == corpus_fingerprint(corpus_dir):
            notes.append("this corpus is the shipped model's training data: figures are optimistic, use --cv K")
    kinds = manifest_kinds(corpus_dir)
    outcomes = [
        Outcome(
            d.sample.file, d.sample.label, d.sample.language or d.result.language or "",
            None if d.result.error else model.verdict(p), None if d.result.error else p, d.result.error,
            kinds.get(d.sample.file, ""),
        )
        for d, p in zip(data, probs, strict=True)
    ]
    figures = metrics(outcomes)
    figures["mode"] = mode
    figures["notes"] = notes
    if json_out:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        render_metrics(_console(), figures)


@app.command()
def train(
    corpus_dir: Annotated[Path, typer.Argument(help="Corpus folder with MANIFEST.tsv, scam/ and benign/.")],
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: the package's model.json).")] = None,
    cv: Annotated[int, typer.Option("--cv", help="Also print K-fold cross-validated figures (0: skip).")] = 5,
) -> None:
    """Train the scorer (logistic regression over signal features) on a labelled corpus."""
    from scamscope.evaluate import Outcome, metrics
    from scamscope.report.eval import render_metrics
    from scamscope.train import cross_validate, extract
    from scamscope.train import train as train_model

    samples = _load_corpus(corpus_dir)
    data = [d for d in extract(samples, progress=True) if d.result.error is None]
    model = train_model(data, corpus_dir)
    if cv:
        probs = cross_validate(data, k=cv, repeats=5)
        outcomes = [Outcome(d.sample.file, d.sample.label, d.sample.language, model.verdict(p), p) for d, p in zip(data, probs, strict=True)]
        figures = metrics(outcomes)
        figures["mode"] = f"{cv}-fold cross-validation grouped by family, 5 repeats, mean out-of-fold probability"
        model.meta["cv"] = {k: figures[k] for k in ("overall", "per_language", "flagged_overall", "brier")}
        render_metrics(_console(True), figures)
    target = out or Path(__file__).parent / "model" / "model.json"
    model.save(target)
    _console(True).print(f"model written to {target} ({len(model.features)} features, {len(data)} samples)")


@app.command()
def bench(
    corpus_dir: Annotated[Path, typer.Argument(help="A corpus folder (MANIFEST.tsv) or any folder of pages.")],
    repeat: Annotated[int, typer.Option("--repeat", help="Timed passes over the pages.")] = 3,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Static-scan speed: pages per second and p50/p95 latency, one process, warm."""
    from scamscope.bench import run_bench

    figures = run_bench(corpus_dir, repeat=repeat)
    if json_out:
        typer.echo(json.dumps(figures, indent=1))
    else:
        for k, v in figures.items():
            typer.echo(f"{k:>22}: {v}")


@app.command()
def triage(
    target: Annotated[Path, typer.Argument(help="Disk image (E01, raw/dd, VMDK, VHD/VHDX), KAPE/acquire/Velociraptor collection, or a folder holding a copy of a Windows volume (or of its Users/ and ProgramData/).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Case folder to write report.html/.pdf, findings.json, timeline.jsonl/.csv and evidence.json into (never inside the evidence).")],
    tz: Annotated[str | None, typer.Option("--tz", help="The PC's time zone (e.g. Asia/Tokyo) for logs written in local time, when the registry does not say it.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print findings.json's content on stdout instead of the summary.")] = False,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Do not print report.html to report.pdf (no Chromium needed).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Use a case folder that is not empty: empty it first (never when the evidence is inside it).")] = False,
    collection: Annotated[str | None, typer.Option("--collection", help="When the evidence holds several collections or volumes (listed when it does): the one to triage, by its number in that list or its path.")] = None,
) -> None:
    """Forensic triage of a scam victim's Windows PC: remote-access sessions, software, browser history, a report.

    The evidence may be a disk image, a collection, or a folder, zip or tar(.gz) holding one at any depth;
    when it holds several, they are listed and --collection picks one.

    The evidence is only read; SHA-256 of every input file is taken before and after (evidence.json).
    Progress goes to stderr.

    Exit status: 0 nothing found in the user profiles examined, 1 scam indicators or a remote-access tool found,
    2 the triage could not run, or found nothing but could not read part of the evidence (a truncated image,
    a failed collector, no user profile found at all).
    """
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from rich.markup import escape

    from scamscope.triage.pipeline import TriageError, run
    from scamscope.triage.report.findings_json import findings_doc
    from scamscope.triage.report.terminal import summary_lines

    err = _console(True)
    zone = None
    if tz:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            err.print(f"[red]error:[/] unknown time zone {escape(repr(tz))} (use an IANA name such as Asia/Tokyo or UTC)", markup=True, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None
    try:
        result = run(target, out, tz=zone, command=["scamscope", *sys.argv[1:]], pdf=not no_pdf, force=force,
                     collection=collection)
    except TriageError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    except OSError as exc:
        err.print(f"[red]error:[/] {escape(str(exc.filename or ''))}: {escape(str(exc.strerror or exc))}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # never a traceback for the user; SCAMSCOPE_DEBUG=1 shows it
        if os.environ.get("SCAMSCOPE_DEBUG"):
            raise
        err.print(f"[red]error:[/] triage failed: {type(exc).__name__}: {escape(str(exc)[:300])}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    if json_out:
        typer.echo(json.dumps(findings_doc(result), ensure_ascii=False, indent=1))
    else:
        for line in summary_lines(result):
            typer.echo(line)
    incomplete = any(p.severity == "error" for p in result.problems)
    raise typer.Exit(EXIT_FOUND if result.found else (EXIT_ERROR if incomplete else EXIT_CLEAN))


@app.command()
def advise(
    lang: Annotated[str, typer.Option("--lang", help="Language of the questions and the advice: ja or en.")] = "ja",
    on_screen: Annotated[bool | None, typer.Option("--on-screen/--not-on-screen", help="The fake warning is (not) still on the screen.")] = None,
    called: Annotated[bool | None, typer.Option("--called/--not-called", help="Called (did not call) the number on the warning.")] = None,
    installed_remote: Annotated[bool, typer.Option("--installed-remote", help="Installed a remote-control tool (AnyDesk, TeamViewer, ...).")] = False,
    installed_fake: Annotated[bool, typer.Option("--installed-fake", help="Installed so-called security software (Auto Fixer Pro, Smart PC Care, ...).")] = False,
    installed_unknown: Annotated[bool, typer.Option("--installed-unknown", help="Installed something, not known what.")] = False,
    remote_control: Annotated[bool | None, typer.Option("--remote-control/--no-remote-control", help="Let (did not let) someone control the PC.")] = None,
    paid: Annotated[list[str] | None, typer.Option("--paid", help="How money was paid: card, emoney (electronic money, gift cards), bank, convenience (store); repeat or separate with commas.")] = None,
    personal_data: Annotated[bool | None, typer.Option("--gave-personal-data/--no-personal-data", help="Gave (did not give) name, address, phone or other personal data.")] = None,
    passwords: Annotated[bool | None, typer.Option("--gave-passwords/--no-passwords", help="Told or typed (did not) passwords or codes during the call or session.")] = None,
    sources: Annotated[bool, typer.Option("--sources", help="Print the sources under each step.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output: lang, answers, steps (id, priority, title, reason, details, sources), contacts.")] = False,
) -> None:
    """What to do now, as an ordered checklist with a reason for each step (for a person facing a support scam).

    Without answer flags, asks the questions in the terminal (prompts on stderr, answers from stdin);
    with any of them, asks nothing and takes what was not given as not answered.

    Exit status: 0 advice printed, 2 bad input.
    """
    from dataclasses import asdict
    from typing import NoReturn

    from rich.markup import escape

    from scamscope.advice import Answers
    from scamscope.advice import advise as make_advice
    from scamscope.advice.model import LANGS, PAID_VALUES, UnknownChoice, parse_choices
    from scamscope.advice.terminal import InputEnded, ask, render

    err = _console(True)

    def fail(message: str) -> NoReturn:
        err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR)

    if lang not in LANGS:
        fail(f"unknown --lang {lang!r} (choose ja or en)")
    try:
        paid_values = parse_choices(paid or [], "paid")
    except UnknownChoice as exc:
        fail(f"unknown --paid value {exc.value!r} (choose from {', '.join(PAID_VALUES)})")
    flagged = any(x is not None for x in (on_screen, called, remote_control, personal_data, passwords))
    if flagged or installed_remote or installed_fake or installed_unknown or paid:
        installed = [v for v, on in (("remote_tool", installed_remote), ("fake_security", installed_fake), ("unknown", installed_unknown)) if on]
        answers = Answers(on_screen=on_screen, called=called, installed=installed, remote_control=remote_control,
                          paid=paid_values, personal_data=personal_data, passwords=passwords)
    else:
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")  # odd bytes typed in become a bad answer, not a traceback
        try:
            answers = ask(lang, sys.stdin, sys.stderr)
        except InputEnded as exc:
            fail(f"{exc} (answer flags such as --called skip the questions)")
    result = make_advice(answers, lang)
    if json_out:
        typer.echo(json.dumps({"lang": lang, "answers": asdict(answers), **result.to_dict()}, ensure_ascii=False, indent=1))
    else:
        typer.echo(render(result, sources=sources), nl=False)


@app.command()
def worker(
    broker: Annotated[str, typer.Option("--broker", help="The broker to take inputs from: redis://HOST:6379/0 (the producers' --broker).")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Inputs scanned at the same time: pages open at once in the one browser, and analysis processes.")] = 1,
    budget: Annotated[float, typer.Option("--budget", min=2.0, max=300.0, help="Most seconds a page may take in the browser; a task asking for more gets this.")] = 15.0,
    timeout: Annotated[float, typer.Option("--timeout", min=0.05, max=3600.0, help="Most seconds one static analysis may take before its process is killed.")] = 20.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Admit tasks' --allow-private and --allow-host (local testing); without it, tasks get neither.")] = False,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="Admit a task's --allow-host for this origin only (HOST or HOST:PORT); repeatable.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Worker name (default scamscope-PID@HOSTNAME).")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery log level: DEBUG, INFO, WARNING, ERROR.")] = "INFO",
) -> None:
    """Run a scan worker: one warm headless Chromium with --jobs pages at once, plus static and OCR analysis.

    Takes the inputs that 'scamscope scan --broker' and 'scamscope serve --broker' send. Start one per
    machine (or more). SIGTERM finishes the pages in hand first; the pages of a worker that dies go
    back to the queue and another worker captures them.
    """
    from scamscope.distributed.tasks import Limits
    from scamscope.distributed.worker import run_worker

    hosts = _check_allow_hosts(allow_host)
    _check_broker(broker)
    limits = Limits(max_budget_s=budget, static_budget_s=timeout, allow_private=allow_private, allow_hosts=hosts, jobs=jobs)
    run_worker(broker, limits, name=name, loglevel=loglevel.upper())


@app.command()
def workers(
    broker: Annotated[str, typer.Option("--broker", help="The broker the workers listen on.")],
    json_out: Annotated[bool, typer.Option("--json", help="JSON output: one object per worker.")] = False,
    wait: Annotated[float, typer.Option("--wait", min=0.2, max=60.0, help="Seconds to wait for the workers' answers.")] = 1.0,
) -> None:
    """List the live scan workers with their load: pages in hand, waiting, done; errors; the browser's process.

    Exit status: 0 at least one worker answered, 1 none did, 2 the broker cannot be reached.
    """
    from rich.markup import escape
    from rich.table import Table

    from scamscope.distributed.app import make_app
    from scamscope.distributed.health import list_workers
    _check_broker(broker)
    celery_app = make_app(broker)
    try:
        found = list_workers(celery_app, timeout=wait)
    finally:
        celery_app.close()
    if json_out:
        typer.echo(json.dumps([w.to_dict() for w in found], ensure_ascii=False, indent=1))
    elif not found:
        _console(True).print("no worker answered")
    else:
        table = Table("worker", "active", "reserved", "done", "errors", "gave up", "jobs", "browser pid", "up (s)")
        for w in found:
            h = w.health
            table.add_row(escape(w.name), str(w.active), str(w.reserved), str(w.done), str(h.get("errors", "")), str(h.get("gave_up", "")),
                          str(h.get("jobs", "")), str(h.get("browser_pid") or "-"), str(h.get("uptime_s", "")))
        _console().print(table)
    raise typer.Exit(EXIT_CLEAN if found else EXIT_FOUND)


# the desk web app (scamscope/web/cli.py): 'scamscope serve', 'scamscope purge', 'scamscope user add|passwd|list'
from scamscope.web.cli import purge_command, serve_command, user_app  # noqa: E402

app.command("serve")(serve_command)
app.command("purge")(purge_command)
app.add_typer(user_app, name="user")

# the in-path protection proxy (scamscope/guard/cli.py)
from scamscope.guard.cli import guard_command  # noqa: E402

app.command("guard")(guard_command)

# sharing: exports, campaigns and report drafts (scamscope/exchange/)
from scamscope.exchange.campaigns_cli import campaigns_command, draft_command  # noqa: E402
from scamscope.exchange.export_cli import export_command  # noqa: E402

app.command("export")(export_command)
app.command("campaigns")(campaigns_command)
app.command("draft")(draft_command)

# rule files: every rule loads and its examples behave (scamscope/rulecheck.py)
from scamscope.rulecheck_cli import check_data_command  # noqa: E402

app.command("check-data")(check_data_command)


if __name__ == "__main__":
    app()
