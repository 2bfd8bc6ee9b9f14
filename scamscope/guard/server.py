"""Assemble and run the guard: mitmproxy (via :class:`~scamscope.proxy.ProxyRunner`), the egress
guard (the proxy host's own loopback services and cloud metadata stay out of reach), the in-path
addon and a pool of scoring workers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scamscope.bounded import StaticPool
from scamscope.guard.addon import GuardOptions, InPathGuard
from scamscope.guard.blocklist import BlockList, BlockListError
from scamscope.guard.decisions import DecisionLog
from scamscope.guard.settings import settings
from scamscope.netguard import Policy, Resolver, resolve
from scamscope.proxy import EgressGuard, ProxyRunner

DEFAULT_CONFDIR = Path.home() / ".scamscope" / "guard"
CA_FILES = ("mitmproxy-ca-cert.pem", "mitmproxy-ca-cert.cer", "mitmproxy-ca-cert.p12")


@dataclass
class GuardConfig:
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    tls: str = "intercept"
    block_lists: list[str] = field(default_factory=list)
    passthrough_files: list[str] = field(default_factory=list)
    default_passthrough: bool = True
    log_path: str | None = None
    fail: str = "open"
    score_timeout_s: float = 2.0
    max_html_bytes: int = 8 * 1024 * 1024  # larger pages stream through unscored (or are held back, fail closed)
    workers: int = 2
    confdir: str = str(DEFAULT_CONFDIR)
    upstream_ca: str | None = None
    allow_hosts: list[str] = field(default_factory=list)
    inject: bool = True
    scoring: bool = True  # False: the same proxy without the in-path addon (benchmarks)
    resolver: Resolver | None = None  # how host names are resolved (default: the system's; tests map names to loopback)


def read_host_file(path: str) -> list[str]:
    """Hosts, one per line (``#`` comments, ``*.`` allowed)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise BlockListError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [line.strip().removeprefix("*.").lower() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class Guard:
    """A running guard: ``start()`` returns the port; ``stop()``."""

    def __init__(self, config: GuardConfig) -> None:
        self.config = config
        passthrough = set(settings().passthrough) if config.default_passthrough else set()
        for path in config.passthrough_files:
            passthrough.update(read_host_file(path))
        self.blocklist = BlockList(config.block_lists, protected_hosts=passthrough)
        self.decisions = DecisionLog(config.log_path)
        self.pool = StaticPool(config.workers, budget_s=config.score_timeout_s)
        options = GuardOptions(
            tls=config.tls,  # type: ignore[arg-type]
            fail=config.fail,  # type: ignore[arg-type]
            score_timeout_s=config.score_timeout_s,
            max_html_bytes=config.max_html_bytes,
            passthrough=frozenset(passthrough),
            inject=config.inject,
        )
        self.addon = InPathGuard(options, self.blocklist, self.decisions, self._score, workers=config.workers)
        self.egress = EgressGuard(resolver=config.resolver or resolve, open_policy=Policy.of(allow_private=True, allow_hosts=config.allow_hosts, allow_loopback=False))
        os.makedirs(config.confdir, mode=0o700, exist_ok=True)
        mitm_options: dict[str, object] = {"stream_large_bodies": self.addon.stream_limit}
        if config.upstream_ca:
            mitm_options["ssl_verify_upstream_trusted_ca"] = config.upstream_ca
        # the in-path addon first: a blocked address gets the block page, not the egress guard's silent refusal
        addons: list[object] = ([self.addon] if config.scoring else []) + [self.egress]
        self.runner = ProxyRunner(addons, config.confdir, config.listen_host, config.listen_port, verify_upstream=True, options=mitm_options, name="guard proxy")

    def _score(self, body: bytes, url: str, budget_s: float):  # noqa: ANN202 - ScanResult
        return self.pool.scan_bytes(body, url, input_name=url, budget_s=budget_s, prefix_retry=False, fingerprint=False)

    @property
    def ca_files(self) -> list[str]:
        return [str(Path(self.config.confdir) / name) for name in CA_FILES if (Path(self.config.confdir) / name).exists()]

    def start(self) -> int:
        if self.config.scoring:
            self.pool.warm()
        return self.runner.start()

    def stop(self) -> None:
        self.runner.stop()
        self.pool.close()
        self.decisions.close()
