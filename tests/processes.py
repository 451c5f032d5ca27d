"""Real server processes that fault tests start, kill and restart themselves.

A fault test never stops the machine's shared PostgreSQL or Redis: it starts its own
``redis-server`` on a free loopback port (``RedisServer``), or its own app server or worker
(``Process``), and kills that. Every process is stopped when its ``with`` block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30,
                  process: subprocess.Popen | None = None) -> None:
    """Until something accepts connections on ``host:port``; fails early if ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before "
                               f"listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


class Process:
    """A child process in its own process group, so ``kill()`` takes its children too.

    Output goes to a log file (``log_path``), read back by ``output()`` when a test fails.
    """

    def __init__(self, args: list[str], *, env: dict | None = None, cwd: Path = ROOT,
                 name: str = "process"):
        self.args, self.cwd = args, cwd
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log")[1])
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (``kill -9`` by default) and reap the leader."""
        if not self.alive:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=20)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Process:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
        self.log_path.unlink(missing_ok=True)


class RedisServer:
    """A private ``redis-server`` on a free port.

    ``kill()`` is a ``kill -9``; ``start()`` again brings it back on the same port: empty, as
    a restarted cache would be, or with every key it had when ``durable`` (each command is
    written to its append-only file before it is answered), as after a blip.
    """

    def __init__(self, port: int | None = None, *, durable: bool = False):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="redis-")
        persistence = (["--appendonly", "yes", "--appendfsync", "always"] if durable
                       else ["--appendonly", "no"])
        self._process = Process([binary, "--bind", "127.0.0.1", "--port", str(self.port),
                                 "--save", "", *persistence, "--dir", self._dir],
                                name="redis")

    def start(self) -> RedisServer:
        self._process.start()
        wait_for_port(self.port, process=self._process.popen)
        return self

    def kill(self) -> None:
        self._process.kill()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self._process.kill()
        self._process.log_path.unlink(missing_ok=True)
        shutil.rmtree(self._dir, ignore_errors=True)


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


class Nginx:
    """A private nginx in the foreground (``daemon off``) with its own prefix folder: its
    configuration, pid, logs and temp files live there, and nothing of the machine's nginx
    is read or written. ``config`` is the ``http`` block's body, listening on ``port``."""

    def __init__(self, config: str, port: int):
        self.port = port
        if NGINX is None:
            raise RuntimeError("nginx is not installed")
        self.prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
        # Run as root, nginx's workers run as nobody: they must reach their temp folders.
        self.prefix.chmod(0o755)
        (self.prefix / "nginx.conf").write_text(
            f"worker_processes 1;\npid {self.prefix}/nginx.pid;\n"
            f"error_log {self.prefix}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            + "".join(f"  {kind}_temp_path {self.prefix}/{kind}_temp;\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  access_log {self.prefix}/access.log;\n{config}\n}}\n")
        self._process = Process([NGINX, "-p", str(self.prefix), "-c",
                                 str(self.prefix / "nginx.conf"), "-e",
                                 str(self.prefix / "error.log"), "-g", "daemon off;"],
                                name="nginx")

    def __enter__(self) -> Nginx:
        self._process.start()
        wait_for_port(self.port, process=self._process.popen)
        return self

    def output(self) -> str:
        logs = (self.prefix / name for name in ("error.log", "access.log"))
        return self._process.output() + "".join(
            path.read_text(errors="replace") for path in logs if path.exists())

    def __exit__(self, *exc) -> None:
        self._process.kill()
        self._process.log_path.unlink(missing_ok=True)
        shutil.rmtree(self.prefix, ignore_errors=True)
