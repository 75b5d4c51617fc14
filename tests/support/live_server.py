"""`interlude serve` (or `interlude worker`) as a real process on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.services import free_port

INTERLUDE = [sys.executable, "-m", "interlude.cli"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def interlude_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INTERLUDE_")}
    env.update(
        INTERLUDE_DATA_DIR=str(data_dir),
        INTERLUDE_DATABASE_URL=database_url,
        INTERLUDE_SECRET_KEY="test-secret-key-" + "x" * 32,
        INTERLUDE_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


@contextmanager
def live_server(
    data_dir: Path,
    database_url: str,
    extra_env: Mapping[str, str] | None = None,
    *,
    port: int | None = None,
) -> Iterator[LiveServer]:
    """The server until the block ends. Pass the `port` of a stopped one to restart it
    where its clients look for it."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = interlude_env(
        data_dir, database_url, **{"INTERLUDE_PUBLIC_URL": url, **(extra_env or {})}
    )
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*INTERLUDE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url, process, log_path)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: LiveServer) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(server.url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become ready:\n{server.log()}")
