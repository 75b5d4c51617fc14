"""The batch form of the email jobs: a claimed batch reads its recipients at once, and each
job of the batch still has its own outcome (a vanished recipient, a refused address or a
malformed payload touches no other job)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update

from messaging.jobs import JobRegistry, JobRunner, PreparedJob, RunnerOptions, enqueue
from messaging.settings import load_settings
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from messaging.storage.records import UserRecord
from messaging.storage.tables import clinics, users
from tests.support.clock import FrozenClock
from tests.support.factories import make_person
from tests.support.jobs import read_job
from tests.support.smtp import SmtpSink
from tests.support.statements import statements_run
from worker.handlers import build_registry
from worker.mail import SmtpMailer

# A lease long enough that no renewal runs (and is counted) while a batch sends.
OPTIONS = RunnerOptions(lease=timedelta(minutes=10), batch_size=50)


async def people(database: Database, clock: FrozenClock, count: int) -> list[UserRecord]:
    return [await make_person(database, clock.now()) for _ in range(count)]


async def notify(
    database: Database, clock: FrozenClock, payloads: list[dict[str, Any]]
) -> list[int]:
    async with database.unit_of_work() as uow:
        ids = [
            await enqueue(uow, "email.security_notice", payload, now=clock.now())
            for payload in payloads
        ]
        await uow.commit()
    return ids


def password_changed(person: UserRecord) -> dict[str, Any]:
    return {"user_id": str(person.id), "notice": "password_changed"}


async def run_one_batch(
    database: Database, clock: FrozenClock, smtp: SmtpSink, tmp_path: Path
) -> tuple[int, list[str]]:
    """One pass of the real worker's runner; how many jobs ran and the SQL it took."""
    settings = load_settings(
        {
            "INTERLUDE_DATA_DIR": str(tmp_path),
            "INTERLUDE_SECRET_KEY": "test-secret-key-" + "s" * 32,
            "INTERLUDE_SMTP_URL": smtp.url,
        }
    )
    mailer = SmtpMailer.from_url(smtp.url, timeout=5)
    try:
        runner = JobRunner(
            database, build_registry(settings, database, clock, mailer), clock, OPTIONS
        )
        with statements_run(database) as seen:
            ran = await runner.run_due()
    finally:
        await mailer.close()
    return ran, list(seen)


async def test_a_batch_of_security_notices_costs_the_same_statements_for_3_or_12_people(
    database: Database, clock: FrozenClock, smtp: SmtpSink, tmp_path: Path
) -> None:
    few = await people(database, clock, 3)
    await notify(database, clock, [password_changed(person) for person in few])
    ran_few, statements_few = await run_one_batch(database, clock, smtp, tmp_path)

    many = await people(database, clock, 12)
    await notify(database, clock, [password_changed(person) for person in many])
    ran_many, statements_many = await run_one_batch(database, clock, smtp, tmp_path)

    assert (ran_few, ran_many) == (3, 12)
    # The claim (one update), the recipients with their clinics (one select), the
    # outcomes (one update), plus SQLite's BEGINs: not one read per job.
    assert len(statements_many) == len(statements_few), "\n".join(statements_many)
    assert sum(not s.startswith("BEGIN") for s in statements_many) == 3
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(
        person.email for person in few + many
    )


async def test_a_vanished_recipient_a_refused_address_or_a_bad_payload_fails_alone(
    database: Database, clock: FrozenClock, smtp: SmtpSink, tmp_path: Path
) -> None:
    first, deleted, disabled, refused, busy, last = await people(database, clock, 6)
    ids = await notify(
        database,
        clock,
        [
            password_changed(first),
            password_changed(deleted),
            password_changed(disabled),
            {"notice": "password_changed", "user_id": "not a uuid"},
            password_changed(refused),
            password_changed(busy),
            password_changed(last),
        ],
    )
    async with database.unit_of_work() as uow:
        await uow.session.execute(delete(users).where(users.c.id == deleted.id))
        await uow.session.execute(delete(clinics).where(clinics.c.id == deleted.clinic_id))
        await uow.session.execute(
            update(users).where(users.c.id == disabled.id).values(status="disabled")
        )
        await uow.commit()
    smtp.handler.reject_recipients[refused.email] = "550 5.1.1 No such mailbox"
    smtp.handler.reject_recipients[busy.email] = "451 4.3.0 Try again later"

    ran, _ = await run_one_batch(database, clock, smtp, tmp_path)

    assert ran == 7
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted([first.email, last.email])
    states = [(job.state, job.last_error) for job in [await read_job(database, i) for i in ids]]
    assert states[:3] == [("done", None)] * 3  # sent; gone and disabled: nothing to send
    assert states[3] == ("dead", "job payload has no valid user_id")
    assert states[4] == ("dead", "recipient refused: 550 5.1.1 No such mailbox")
    assert states[5][0] == "queued"  # retried later
    assert "451" in str(states[5][1])
    assert states[6] == ("done", None)


async def test_a_job_its_batch_form_leaves_out_or_fails_on_runs_through_its_handler(
    database: Database, clock: FrozenClock
) -> None:
    async with database.unit_of_work() as uow:
        ids = [
            await enqueue(uow, kind, {"n": n}, now=clock.now())
            for n, kind in enumerate(["test.left_out", "test.left_out", "test.failing"])
        ]
        await uow.commit()
    prepared_ran: list[int] = []
    handler_ran: list[int] = []

    async def handler(job: JobRecord) -> None:
        handler_ran.append(job.id)

    async def leave_out_the_second(batch: list[JobRecord]) -> dict[int, PreparedJob]:
        async def run(job_id: int) -> None:
            prepared_ran.append(job_id)

        return {job.id: partial(run, job.id) for job in batch if job.id != ids[1]}

    async def fail(batch: list[JobRecord]) -> dict[int, PreparedJob]:
        raise ConnectionError(f"database away for {len(batch)} jobs {uuid.uuid4()}")

    registry = JobRegistry()
    registry.register("test.left_out", handler, concurrent=True, prepare=leave_out_the_second)
    registry.register("test.failing", handler, concurrent=True, prepare=fail)
    assert await JobRunner(database, registry, clock, OPTIONS).run_due() == 3

    assert prepared_ran == [ids[0]]
    assert sorted(handler_ran) == [ids[1], ids[2]]
    assert [(await read_job(database, i)).state for i in ids] == ["done"] * 3
