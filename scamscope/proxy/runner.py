"""Run mitmproxy in-process, in a thread with its own event loop (by default on an ephemeral loopback port).

Only the addons a forward proxy needs are loaded (no console, no flow storage, no scripts) plus
the caller's (the :class:`~scamscope.proxy.guard.EgressGuard`, the in-path guard's addon). HTTPS
is intercepted with a CA kept in ``confdir`` (a private folder of the caller, never
``~/.mitmproxy``). For live capture upstream certificates are not verified (``verify_upstream``
False: the sites scanned are hostile and often badly configured); an in-path proxy in front of
people verifies them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

STREAM_LARGE_BODIES = "2m"  # larger bodies are streamed through, never held in memory
START_TIMEOUT_S = 20.0


class ProxyStartError(RuntimeError):
    """The proxy did not start; the message is one line."""


class _Ready:
    """Addon: tells the runner the port once the listening socket is up."""

    def __init__(self, runner: ProxyRunner) -> None:
        self.runner = runner

    def running(self) -> None:
        from mitmproxy import ctx

        addrs = ctx.master.addons.get("proxyserver").listen_addrs()
        self.runner.port = int(addrs[0][1]) if addrs else None
        if not addrs:
            self.runner.error = f"could not listen on {self.runner.host}"
        self.runner.ready.set()


def _quiet_exceptions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Connections still open at shutdown end with CancelledError: not worth a traceback. Anything
    else goes to the log, not to the terminal."""
    exc = context.get("exception")
    if isinstance(exc, asyncio.CancelledError):
        return
    logging.getLogger("scamscope.proxy").warning("proxy event loop: %s%s", context.get("message", ""), f": {exc!r}" if exc else "")


class ProxyRunner:
    """``start()`` returns the port; ``stop()`` shuts the proxy down. One per process (mitmproxy keeps global state)."""

    def __init__(
        self,
        addons: list[Any],
        confdir: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verify_upstream: bool = False,
        options: dict[str, Any] | None = None,
        name: str = "egress proxy",
    ) -> None:
        self.addons = addons
        self.confdir = confdir
        self.host = host
        self.listen_port = port
        self.verify_upstream = verify_upstream
        self.options = dict(options or {})  # more mitmproxy options, e.g. ssl_verify_upstream_trusted_ca
        self.name = name
        self.port: int | None = None
        self.ready = threading.Event()
        self.error: str | None = None
        self._master: Any = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = START_TIMEOUT_S) -> int:
        logger = logging.getLogger("mitmproxy")  # its per-connection chatter is not the user's business
        logger.propagate = False
        logger.addHandler(logging.NullHandler())
        self._thread = threading.Thread(target=self._run, name=self.name.replace(" ", "-"), daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout) or self.port is None:
            self.stop()
            raise ProxyStartError(f"the {self.name} did not start: {self.error or 'timed out'}")
        return self.port

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            self.error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        finally:
            self.ready.set()

    async def _main(self) -> None:
        asyncio.get_running_loop().set_exception_handler(_quiet_exceptions)
        from mitmproxy import options
        from mitmproxy.addons import core, next_layer, proxyserver, tlsconfig
        from mitmproxy.master import Master

        opts = options.Options(
            listen_host=self.host,
            listen_port=self.listen_port,
            confdir=self.confdir,
            ssl_insecure=not self.verify_upstream,
            upstream_cert=False,  # no early connection to fetch the server's certificate
            http3=False,
        )
        master = Master(opts)
        master.addons.add(core.Core(), proxyserver.Proxyserver(), next_layer.NextLayer(), tlsconfig.TlsConfig())
        master.addons.add(*self.addons, _Ready(self))
        opts.update(**{"connection_strategy": "lazy", "stream_large_bodies": STREAM_LARGE_BODIES, **self.options})
        self._master = master
        await master.run()

    def stop(self) -> None:
        master, thread = self._master, self._thread
        if master is not None:
            try:
                master.shutdown()
            except RuntimeError:
                pass  # its loop is gone already
        if thread is not None:
            thread.join(10)
