"""An account deletion run by `interlude worker` processes on PostgreSQL: a worker killed
with SIGKILL in the middle of erasing leaves a job that the next worker finishes."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from messaging import deletion, jobs
from messaging.clock import SystemClock
from messaging.storage import deletion as deletion_store
from messaging.storage.database import Database
from messaging.storage.tables import account_deletions, messages, thread_members, threads
from tests.e2e.test_worker_processes import start_worker
from tests.support.factories import make_person
from tests.support.smtp import SmtpSink

MESSAGES = 8000


async def person_with_history(database: Database) -> tuple[uuid.UUID, str]:
    now = SystemClock().now()
    person = await make_person(database, now)
    thread_id = uuid.uuid4()
    async with database.unit_of_work() as uow:
        await uow.session.execute(
            threads.insert().values(
                id=thread_id,
                clinic_id=person.clinic_id,
                kind="direct",
                client_id=person.id,
                created_by=person.id,
                created_at=now,
                current_epoch=0,
                needs_rekey=False,
                title_envelope=None,
                last_seq=MESSAGES,
                last_message_at=now,
            )
        )
        await uow.session.execute(
            thread_members.insert().values(
                thread_id=thread_id, user_id=person.id, role="client", joined_epoch=0, read_seq=0
            )
        )
        await uow.session.execute(
            messages.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "thread_id": thread_id,
                    "seq": seq,
                    "sender_id": person.id,
                    "client_message_id": secrets.token_bytes(16),
                    "epoch": 0,
                    "envelope": secrets.token_bytes(300),
                    "state": "visible",
                    "created_at": now,
                }
                for seq in range(1, MESSAGES + 1)
            ],
        )
        await deletion_store.request_deletion(uow.session, person, None, now)
        await jobs.enqueue(
            uow,
            deletion.DELETE_KIND,
            {"user_id": str(person.id)},
            now=now,
            clinic_id=person.clinic_id,
        )
        await uow.commit()
    return person.id, person.email


class Progress:
    def __init__(self, database: Database, user_id: uuid.UUID) -> None:
        self.database = database
        self.user_id = user_id
        self.remaining = MESSAGES
        self.done = False

    async def poll(self) -> None:
        async with self.database.unit_of_work() as uow:
            self.remaining = int(
                await uow.session.scalar(
                    select(func.count())
                    .select_from(messages)
                    .where(messages.c.sender_id == self.user_id, messages.c.envelope.is_not(None))
                )
                or 0
            )
            completed = await uow.session.scalar(
                select(account_deletions.c.completed_at).where(
                    account_deletions.c.user_id == self.user_id
                )
            )
            self.done = completed is not None


async def test_a_worker_killed_mid_deletion_is_resumed_by_the_next_and_nothing_remains(
    tmp_path: Path, postgres_url: str, smtp: SmtpSink
) -> None:
    database = Database.from_url(postgres_url)
    try:
        user_id, email = await person_with_history(database)
        progress = Progress(database, user_id)
        first = start_worker(tmp_path, postgres_url, smtp, "first")
        try:
            deadline = time.monotonic() + 60
            while progress.remaining == MESSAGES:
                assert time.monotonic() < deadline, "the first worker never started erasing"
                await progress.poll()
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        await progress.poll()
        assert 0 < progress.remaining < MESSAGES, "killed in the middle of erasing"
        assert not progress.done

        second = start_worker(tmp_path, postgres_url, smtp, "second")
        try:
            deadline = time.monotonic() + 90
            while not progress.done:
                assert time.monotonic() < deadline, "the second worker never finished"
                await asyncio.sleep(0.1)
                await progress.poll()
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
        assert progress.done
        assert progress.remaining == 0
        assert [m["To"] for m in smtp.messages] == [email], "one confirmation"
    finally:
        await database.dispose()
