"""``scamscope guard``: run the in-path protection proxy in the foreground until Ctrl+C / SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from scamscope.guard.server import DEFAULT_CONFDIR

EXIT_ERROR = 2


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 <= int(port) <= 65535):
        raise typer.BadParameter(f"expected HOST:PORT, e.g. 127.0.0.1:8080, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def guard_command(
    listen: Annotated[str, typer.Option("--listen", help="Address and port to listen on (HOST:PORT). Listening beyond loopback serves everyone who can reach it: put it behind a firewall.")] = "127.0.0.1:8080",
    tls: Annotated[str, typer.Option("--tls", help="intercept: decrypt HTTPS with the guard's CA (install it on the clients, see the README) and score it; passthrough: never decrypt, block HTTPS by host name only.")] = "intercept",
    block_list: Annotated[list[Path] | None, typer.Option("--block-list", help="Known-bad domains, URL patterns, re:REGEX, tel:NUMBER, one per line; or the desk's indicators CSV. Repeatable; re-read when changed.")] = None,
    passthrough: Annotated[list[Path] | None, typer.Option("--passthrough", help="More hosts never decrypted (one per line), besides the built-in banks, government and health list. Repeatable.")] = None,
    no_default_passthrough: Annotated[bool, typer.Option("--no-default-passthrough", help="Do not use the built-in passthrough list.")] = False,
    log: Annotated[str | None, typer.Option("--log", help="Append every decision as JSON Lines to this file ('-': standard output).")] = None,
    fail: Annotated[str, typer.Option("--fail", help="When a page cannot be scored in time: open (let it through, logged) or closed (hold it back with a notice).")] = "open",
    score_timeout: Annotated[float, typer.Option("--score-timeout", min=0.05, max=60.0, help="Seconds one page's static scoring may take.")] = 2.0,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Scoring worker processes.")] = 2,
    confdir: Annotated[Path, typer.Option("--confdir", help="Where the guard's CA lives (created on first start).")] = DEFAULT_CONFDIR,
    upstream_ca: Annotated[Path | None, typer.Option("--upstream-ca", help="Also trust this CA (PEM) for servers' certificates, e.g. an internal CA.")] = None,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="Admit this HOST or HOST:PORT although it is the guard host's loopback; repeatable. Private (LAN) addresses are always reachable, link-local/metadata never.")] = None,
    no_inject: Annotated[bool, typer.Option("--no-inject", help="Do not add the lock-in watcher to uncertain pages.")] = False,
) -> None:
    """Run a forward HTTP(S) proxy that blocks fake warnings (tech support scams) as they pass.

    HTML pages are scored as they pass: a scam page is replaced by a warning page (Japanese or
    English), an uncertain page gets a small script that stops lock-in (full screen, keyboard
    lock, dialog floods, alarms), benign pages pass unchanged. Known-bad addresses are refused
    before anything is fetched. Every decision is logged to --log.
    """
    import logging

    from scamscope.guard.blocklist import BlockListError

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s scamscope guard %(levelname)s %(message)s", stream=sys.stderr)
    from scamscope.guard.server import Guard, GuardConfig
    from scamscope.netguard import parse_allow_host
    from scamscope.proxy import ProxyStartError

    def fail_with(message: str) -> None:
        typer.echo(f"scamscope guard: {message}", err=True)
        raise typer.Exit(EXIT_ERROR)

    if tls not in ("intercept", "passthrough"):
        fail_with(f"--tls must be intercept or passthrough, not {tls!r}")
    if fail not in ("open", "closed"):
        fail_with(f"--fail must be open or closed, not {fail!r}")
    try:
        host, port = _listen(listen)
    except typer.BadParameter as exc:
        fail_with(str(exc))
    for spec in allow_host or []:
        try:
            parse_allow_host(spec)
        except ValueError as exc:
            fail_with(str(exc))
    if upstream_ca is not None and not upstream_ca.is_file():
        fail_with(f"--upstream-ca {upstream_ca}: no such file")
    config = GuardConfig(
        listen_host=host,
        listen_port=port,
        tls=tls,
        block_lists=[str(p) for p in block_list or []],
        passthrough_files=[str(p) for p in passthrough or []],
        default_passthrough=not no_default_passthrough,
        log_path=log,
        fail=fail,
        score_timeout_s=score_timeout,
        workers=workers,
        confdir=str(confdir),
        upstream_ca=str(upstream_ca) if upstream_ca else None,
        allow_hosts=list(allow_host or []),
        inject=not no_inject,
    )
    try:
        guard = Guard(config)
    except (BlockListError, OSError) as exc:
        fail_with(str(exc))
    count, shown = guard.blocklist.problems
    for line in shown:
        typer.echo(f"scamscope guard: block list: {line}", err=True)
    if count > len(shown):
        typer.echo(f"scamscope guard: block list: ... {count - len(shown)} more problem(s)", err=True)
    try:
        bound = guard.start()
    except ProxyStartError as exc:
        guard.stop()
        fail_with(str(exc))
    typer.echo(f"scamscope guard: listening on {host}:{bound} (TLS {tls}; {guard.blocklist.size} block-list entries; fail {fail})", err=True)
    if tls == "intercept" and guard.ca_files:
        typer.echo(f"scamscope guard: clients must trust the CA {guard.ca_files[0]} (Windows: the .cer next to it; see the README)", err=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            if guard.runner._thread is not None and not guard.runner._thread.is_alive():
                typer.echo(f"scamscope guard: the proxy stopped: {guard.runner.error or 'unknown reason'}", err=True)
                guard.stop()
                raise typer.Exit(EXIT_ERROR)
    finally:
        if stop.is_set():
            guard.stop()
            counts = ", ".join(f"{k} {v}" for k, v in sorted(guard.decisions.counts.items())) or "no decisions"
            typer.echo(f"scamscope guard: stopped ({counts})", err=True)
    sys.exit(0)
