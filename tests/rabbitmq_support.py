"""A private, real rabbitmq-server for the tests (the Debian package): its own epmd, free loopback
ports, its database, logs and Erlang cookie in a temp folder, no plugins (no management UI).
Restartable on the same database, so durable queues and persistent messages outlive a restart."""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.desk_server import free_port

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # the script itself, not /usr/sbin's wrapper that switches user
EPMD = next(iter(sorted(glob.glob("/usr/lib/erlang/erts-*/bin/epmd"))), "/usr/bin/epmd")


def rabbitmq_installed() -> bool:
    return Path(RABBITMQ_SERVER).is_file() and Path(EPMD).is_file()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


class RabbitServer:
    """A RabbitMQ node ``scamscope<port>@localhost`` on 127.0.0.1:PORT (AMQP) with guest/guest."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.proc: subprocess.Popen[bytes] | None = None
        self.epmd: subprocess.Popen[bytes] | None = None
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "consumer_timeout = 600000\n"  # 10 min, as the README advises (a page takes its budget, well under that)
            "vm_memory_high_watermark.relative = 0.2\n"
            "disk_free_limit.absolute = 50MB\n"
        )
        self.env = {
            **os.environ,
            "HOME": str(folder),  # the Erlang cookie goes here, not in the real home
            "RABBITMQ_NODENAME": f"scamscope{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_BASE": str(folder),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_PID_FILE": str(folder / "rabbit.pid"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),
        }

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in [self.folder / "stdout.log", *sorted((self.folder / "log").glob("*.log"))]
                         if p.is_file())

    def start(self, timeout: float = 60.0) -> None:
        if self.epmd is None or self.epmd.poll() is not None:  # our own epmd, in the foreground: it is ours to stop
            self.epmd = subprocess.Popen([EPMD, "-port", str(self.epmd_port), "-address", "127.0.0.1"], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = (self.folder / "stdout.log").open("ab")
        self.proc = subprocess.Popen([RABBITMQ_SERVER], env=self.env, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while not (_listening(self.port) and "Server startup complete" in self.log()):
            assert self.proc.poll() is None, f"rabbitmq-server exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"rabbitmq-server did not start:\n{self.log()}"
            time.sleep(0.2)

    def stop(self) -> None:
        """As an operator stops it (SIGTERM: the node shuts down cleanly, durable data is kept)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def close(self) -> None:
        self.stop()
        if self.epmd is not None and self.epmd.poll() is None:
            self.epmd.terminate()
            self.epmd.wait(10)
        self.epmd = None
