"""A worker process's own health and metrics: its loop's heartbeat (what compose's
health check runs) and, with a probe port, /healthz and /metrics."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx

from messaging.storage.database import Database
from tests.e2e.test_metrics import samples, total
from tests.e2e.test_worker_processes import queue_notices, wait_for
from tests.support.live_server import INTERLUDE, interlude_env
from tests.support.services import free_port
from tests.support.smtp import SmtpSink


def worker_health(env: dict[str, str]) -> int:
    return subprocess.run(
        [*INTERLUDE, "worker-health"], env=env, capture_output=True, check=False
    ).returncode


async def test_a_running_worker_reports_health_and_counts_its_emails(
    tmp_path: Path, postgres_url: str, smtp: SmtpSink
) -> None:
    env = interlude_env(tmp_path / "worker", postgres_url, INTERLUDE_SMTP_URL=smtp.url)
    (tmp_path / "worker").mkdir()
    assert worker_health(env) == 1, "no heartbeat before the worker ever ran"
    database = Database.from_url(postgres_url)
    port = free_port()
    try:
        to = await queue_notices(database, 3)
        with (tmp_path / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [*INTERLUDE, "worker", "--probe-port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            await wait_for(
                lambda: sum(1 for m in smtp.messages if m["To"] == to) == 3, 60, "3 emails"
            )
            assert worker_health(env) == 0
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                assert (await http.get("/healthz")).json() == {"status": "alive"}
                found = samples((await http.get("/metrics")).text)
            assert total(found, "interlude_emails_total", outcome="sent") == 3
            assert total(found, "interlude_jobs_finished_total", outcome="done") == 3
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
    finally:
        await database.dispose()
