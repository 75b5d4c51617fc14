"""`interlude worker` processes on PostgreSQL sending real email: one killed with SIGKILL
in the middle and restarted loses nothing; two at once send nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from messaging import jobs
from messaging.clock import SystemClock
from messaging.storage.database import Database
from tests.support.factories import make_person
from tests.support.live_server import INTERLUDE, interlude_env
from tests.support.smtp import SmtpSink


async def queue_notices(database: Database, count: int) -> str:
    now = SystemClock().now()
    person = await make_person(database, now)
    async with database.unit_of_work() as uow:
        for _ in range(count):
            await jobs.enqueue(
                uow,
                "email.security_notice",
                {"user_id": str(person.id), "notice": "password_changed"},
                now=now,
                clinic_id=person.clinic_id,
            )
        await uow.commit()
    return person.email


def start_worker(
    tmp_path: Path, database_url: str, smtp: SmtpSink, name: str
) -> subprocess.Popen[bytes]:
    env = interlude_env(
        tmp_path / name, database_url, INTERLUDE_SMTP_URL=smtp.url, INTERLUDE_JOB_LEASE_SECONDS="5"
    )
    (tmp_path / name).mkdir(parents=True, exist_ok=True)
    with (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [*INTERLUDE, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def message_ids(smtp: SmtpSink, to: str) -> Counter[str]:
    return Counter(m["Message-ID"] for m in smtp.messages if m["To"] == to)


async def test_a_worker_killed_mid_batch_then_restarted_delivers_every_email(
    tmp_path: Path, postgres_url: str, smtp: SmtpSink
) -> None:
    database = Database.from_url(postgres_url)
    try:
        to = await queue_notices(database, 200)
        first = start_worker(tmp_path, postgres_url, smtp, "first")
        try:
            await wait_for(lambda: len(message_ids(smtp, to)) >= 50, 60, "the first 50 emails")
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        assert len(message_ids(smtp, to)) < 200, "killed in the middle"

        second = start_worker(tmp_path, postgres_url, smtp, "second")
        try:
            await wait_for(lambda: len(message_ids(smtp, to)) == 200, 90, "all 200 emails")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
        received = message_ids(smtp, to)
        assert len(received) == 200
        duplicates = {mid: n for mid, n in received.items() if n > 1}
        total = sum(received.values())
        assert total == 200 + sum(n - 1 for n in duplicates.values())
    finally:
        await database.dispose()


async def test_two_workers_send_500_emails_without_a_duplicate(
    tmp_path: Path, postgres_url: str, smtp: SmtpSink
) -> None:
    database = Database.from_url(postgres_url)
    try:
        to = await queue_notices(database, 500)
        workers = [start_worker(tmp_path, postgres_url, smtp, name) for name in ("a", "b")]
        try:
            await wait_for(lambda: sum(message_ids(smtp, to).values()) >= 500, 120, "500 emails")
            await asyncio.sleep(0.5)  # anything extra would show up now
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                assert worker.wait(timeout=30) == 0
        received = message_ids(smtp, to)
        assert len(received) == 500
        assert set(received.values()) == {1}
        logs = [(tmp_path / f"{name}.log").read_text() for name in ("a", "b")]
        assert all("job runner started" in log for log in logs), "both workers took part"
    finally:
        await database.dispose()
