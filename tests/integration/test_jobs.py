import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from messaging.clock import SystemClock
from messaging.errors import PermanentJobFailure
from messaging.jobs import Backoff, JobRegistry, JobRunner, RunnerOptions, enqueue
from messaging.storage import jobs as store
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from tests.support.clock import FrozenClock
from tests.support.jobs import Recorder, read_job


def runner_for(
    database: Database, clock: FrozenClock | SystemClock, **handlers: object
) -> JobRunner:
    registry = JobRegistry()
    for kind, handler in handlers.items():
        registry.register(kind.replace("_", "."), handler)  # type: ignore[arg-type]
    options = RunnerOptions(
        lease=timedelta(seconds=30),
        backoff=Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=10), jitter=0.5),
    )
    return JobRunner(database, registry, clock, options)


async def add_job(
    database: Database, clock: FrozenClock, kind: str = "test.record", **kw: object
) -> int:
    async with database.unit_of_work() as uow:
        job_id = await enqueue(uow, kind, {"n": 1}, now=clock.now(), **kw)  # type: ignore[arg-type]
        await uow.commit()
    return job_id


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(
    database: Database, clock: FrozenClock
) -> None:
    async with database.unit_of_work() as uow:
        await enqueue(uow, "test.record", {"n": 1}, now=clock.now())
        # leaving without commit: the change that called for the job did not happen

    recorder = Recorder()
    assert await runner_for(database, clock, test_record=recorder).run_due() == 0
    assert recorder.seen == []


async def test_a_committed_job_runs_once_and_is_done(
    database: Database, clock: FrozenClock
) -> None:
    job_id = await add_job(database, clock)
    recorder = Recorder()
    runner = runner_for(database, clock, test_record=recorder)

    assert await runner.run_due() == 1
    assert await runner.run_due() == 0
    assert recorder.seen == [job_id]
    job = await read_job(database, job_id)
    assert (job.state, job.attempts, job.claim_token) == ("done", 1, None)


async def test_a_job_waits_for_its_run_at(database: Database, clock: FrozenClock) -> None:
    job_id = await add_job(database, clock, run_at=clock.now() + timedelta(minutes=5))
    recorder = Recorder()
    runner = runner_for(database, clock, test_record=recorder)

    assert await runner.run_due() == 0
    clock.advance(timedelta(minutes=5))
    assert await runner.run_due() == 1
    assert recorder.seen == [job_id]


async def test_a_dedupe_key_stores_one_job(database: Database, clock: FrozenClock) -> None:
    first = await add_job(database, clock, dedupe_key="notice:user-1:window-7")
    second = await add_job(database, clock, dedupe_key="notice:user-1:window-7")
    other = await add_job(database, clock, dedupe_key="notice:user-1:window-8")

    assert first == second != other
    recorder = Recorder()
    await runner_for(database, clock, test_record=recorder).run_due()
    assert sorted(recorder.seen) == sorted([first, other])


async def test_a_failing_handler_backs_off_then_ends_dead_keeping_its_last_error(
    database: Database, clock: FrozenClock
) -> None:
    calls = 0

    async def flaky(job: JobRecord) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError(f"mail server refused, try {calls}")

    job_id = await add_job(database, clock, kind="test.flaky", max_attempts=4)
    runner = runner_for(database, clock, test_flaky=flaky)
    delays = []
    for attempt in range(1, 4):
        assert await runner.run_due() == 1
        job = await read_job(database, job_id)
        assert (job.state, job.attempts) == ("queued", attempt)
        delay = job.run_at - clock.now()
        raw = timedelta(seconds=10) * 2 ** (attempt - 1)
        assert raw / 2 <= delay <= raw
        delays.append(delay)
        assert await runner.run_due() == 0  # not due yet: it backs off
        clock.set(job.run_at)

    assert await runner.run_due() == 1
    job = await read_job(database, job_id)
    assert (job.state, job.attempts) == ("dead", 4)
    assert job.last_error == "ConnectionError: mail server refused, try 4"
    assert delays == sorted(delays)
    clock.advance(timedelta(days=1))
    assert await runner.run_due() == 0


async def test_a_permanent_failure_goes_dead_at_once(
    database: Database, clock: FrozenClock
) -> None:
    async def refuse(job: JobRecord) -> None:
        raise PermanentJobFailure("550 mailbox unavailable")

    job_id = await add_job(database, clock, kind="test.refuse")
    assert await runner_for(database, clock, test_refuse=refuse).run_due() == 1
    job = await read_job(database, job_id)
    assert (job.state, job.attempts, job.last_error) == ("dead", 1, "550 mailbox unavailable")


async def test_a_dead_job_can_be_requeued(database: Database, clock: FrozenClock) -> None:
    async def refuse(job: JobRecord) -> None:
        raise PermanentJobFailure("550 no such user")

    job_id = await add_job(database, clock, kind="test.refuse")
    await runner_for(database, clock, test_refuse=refuse).run_due()
    async with database.unit_of_work() as uow:
        assert [job.id for job in await store.list_jobs(uow.session, states=["dead"])] == [job_id]
        assert await store.requeue_dead_job(uow.session, job_id=job_id, now=clock.now())
        await uow.commit()

    recorder = Recorder()
    assert await runner_for(database, clock, test_refuse=recorder).run_due() == 1
    assert (await read_job(database, job_id)).state == "done"


async def test_jobs_of_kinds_without_a_handler_are_left_for_another_worker(
    database: Database, clock: FrozenClock
) -> None:
    job_id = await add_job(database, clock, kind="test.elsewhere")
    assert await runner_for(database, clock, test_record=Recorder()).run_due() == 0
    assert (await read_job(database, job_id)).state == "queued"


async def test_two_runners_never_run_the_same_job_twice(
    database_url: str, clock: FrozenClock
) -> None:
    databases = [Database.from_url(database_url) for _ in range(2)]
    try:
        job_ids = set()
        async with databases[0].unit_of_work() as uow:
            for n in range(300):
                job_ids.add(await enqueue(uow, "test.record", {"n": n}, now=clock.now()))
            await uow.commit()

        seen: list[int] = []

        async def record(job: JobRecord) -> None:
            seen.append(job.id)
            await asyncio.sleep(0)

        registry = JobRegistry()
        registry.register("test.record", record)
        options = RunnerOptions(batch_size=7)
        runners = [JobRunner(db, registry, clock, options) for db in databases]

        async def drain(runner: JobRunner) -> None:
            while await runner.run_due():
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(runner) for runner in runners))
        assert len(seen) == len(job_ids)
        assert set(seen) == job_ids
        async with databases[0].unit_of_work() as uow:
            assert await store.count_jobs_by_state(uow.session) == {"done": 300}
    finally:
        for db in databases:
            await db.dispose()


async def test_a_worker_killed_mid_job_leaves_it_to_be_retried_after_its_lease(
    database_url: str, tmp_path: Path
) -> None:
    database = Database.from_url(database_url)
    try:
        start = datetime.now(UTC)
        job_id = await add_job(database, FrozenClock(start), kind="test.hang")
        marker = tmp_path / "started"
        lease_seconds = 5
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.hanging_worker",
                database_url,
                str(marker),
                str(lease_seconds),
            ],
            cwd=Path(__file__).resolve().parents[2],
        )
        try:
            deadline = time.monotonic() + 30
            while not marker.exists():
                assert worker.poll() is None, "the worker exited before taking the job"
                assert time.monotonic() < deadline, "the worker never took the job"
                await asyncio.sleep(0.05)
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        killed_at = datetime.now(UTC)

        claimed = await read_job(database, job_id)
        assert (claimed.state, claimed.attempts) == ("running", 1)

        recorder = Recorder()
        before_expiry = runner_for(database, FrozenClock(killed_at), test_hang=recorder)
        assert await before_expiry.run_due() == 0, "the lease still holds"

        after_expiry = FrozenClock(killed_at + timedelta(seconds=lease_seconds + 1))
        assert await runner_for(database, after_expiry, test_hang=recorder).run_due() == 1
        assert recorder.seen == [job_id]
        job = await read_job(database, job_id)
        assert (job.state, job.attempts) == ("done", 2)
    finally:
        await database.dispose()


@pytest.mark.postgres_only
async def test_a_long_job_keeps_its_lease_while_its_handler_runs(postgres_url: str) -> None:
    database = Database.from_url(postgres_url)
    try:
        clock = SystemClock()
        lease = timedelta(seconds=1)
        job_id = await add_job(database, FrozenClock(clock.now()), kind="test.slow")
        stolen = Recorder()
        rival = JobRunner(
            database, _registry("test.slow", stolen), clock, RunnerOptions(lease=lease)
        )

        async def slow(job: JobRecord) -> None:
            await asyncio.sleep(2.5 * lease.total_seconds())
            assert await rival.run_due() == 0, "another runner took a job still in hand"

        owner = JobRunner(database, _registry("test.slow", slow), clock, RunnerOptions(lease=lease))
        assert await owner.run_due() == 1
        assert stolen.seen == []
        assert (await read_job(database, job_id)).state == "done"
    finally:
        await database.dispose()


async def test_stopping_a_runner_returns_unstarted_claims_without_spending_attempts(
    database: Database, clock: FrozenClock
) -> None:
    stop = asyncio.Event()
    first = await add_job(database, clock, kind="test.stopper")
    second = await add_job(database, clock, kind="test.stopper")

    async def stop_after_first(job: JobRecord) -> None:
        stop.set()

    runner = runner_for(database, clock, test_stopper=stop_after_first)
    assert await runner.run_due(stop) == 1
    assert (await read_job(database, first)).state == "done"
    job = await read_job(database, second)
    assert (job.state, job.attempts, job.claim_token) == ("queued", 0, None)


def _registry(kind: str, handler: object) -> JobRegistry:
    registry = JobRegistry()
    registry.register(kind, handler)  # type: ignore[arg-type]
    return registry


async def test_jobs_of_a_concurrent_kind_run_beside_each_other_up_to_the_limit(
    database: Database, clock: FrozenClock
) -> None:
    for _ in range(9):
        await add_job(database, clock, kind="test.email")
    running, most = 0, 0
    finished: list[int] = []

    async def email(job: JobRecord) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        finished.append(job.id)

    registry = JobRegistry()
    registry.register("test.email", email, concurrent=True)
    runner = JobRunner(database, registry, clock, RunnerOptions(concurrency=3))
    assert await runner.run_due() == 9
    assert most == 3
    assert len(finished) == 9
    async with database.unit_of_work() as uow:
        assert await store.count_jobs_by_state(uow.session) == {"done": 9}


async def test_jobs_of_a_serial_kind_run_one_at_a_time_in_claim_order(
    database: Database, clock: FrozenClock
) -> None:
    ids = []
    for minutes in (3, 1, 2):
        ids.append(
            await add_job(
                database,
                clock,
                kind="test.release",
                run_at=clock.now() - timedelta(minutes=minutes),
            )
        )
    running, most = 0, 0
    order: list[int] = []

    async def release(job: JobRecord) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        order.append(job.id)
        running -= 1

    registry = JobRegistry()
    registry.register("test.release", release)
    runner = JobRunner(database, registry, clock, RunnerOptions(concurrency=8))
    assert await runner.run_due() == 3
    assert most == 1
    assert order == [ids[0], ids[2], ids[1]]  # oldest run_at first


async def test_a_batch_records_each_jobs_own_outcome(
    database: Database, clock: FrozenClock
) -> None:
    ok = await add_job(database, clock, kind="test.email")
    flaky = await add_job(database, clock, kind="test.email")
    broken = await add_job(database, clock, kind="test.email")

    async def email(job: JobRecord) -> None:
        if job.id == flaky:
            raise ConnectionError("relay away")
        if job.id == broken:
            raise PermanentJobFailure("550 no such mailbox")

    registry = JobRegistry()
    registry.register("test.email", email, concurrent=True)
    assert await JobRunner(database, registry, clock, RunnerOptions()).run_due() == 3
    assert (await read_job(database, ok)).state == "done"
    retried = await read_job(database, flaky)
    assert (retried.state, retried.claim_token) == ("queued", None)
    assert retried.last_error == "ConnectionError: relay away"
    assert retried.run_at > clock.now()
    dead = await read_job(database, broken)
    assert (dead.state, dead.last_error) == ("dead", "550 no such mailbox")


async def test_a_runner_that_lost_its_lease_does_not_overwrite_the_new_owners_outcome(
    database: Database, clock: FrozenClock
) -> None:
    job_id = await add_job(database, clock)
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow(job: JobRecord) -> None:
        started.set()
        await finish.wait()

    async def failing(job: JobRecord) -> None:
        raise ConnectionError("the new owner's relay is away")

    first = asyncio.create_task(runner_for(database, clock, test_record=slow).run_due())
    await started.wait()
    clock.advance(timedelta(seconds=31))  # the first claim's lease ran out
    assert await runner_for(database, clock, test_record=failing).run_due() == 1
    finish.set()
    await first  # finishes "done" under a claim it no longer holds

    job = await read_job(database, job_id)
    assert (job.state, job.last_error) == (
        "queued",
        "ConnectionError: the new owner's relay is away",
    )


async def test_concurrent_jobs_about_one_person_keep_their_order(
    database: Database, clock: FrozenClock
) -> None:
    async with database.unit_of_work() as uow:
        ids = [
            await enqueue(uow, "test.email", {"user_id": person}, now=clock.now())
            for person in ("ana", "ben", "ana", "ana", "ben")
        ]
        await uow.commit()
    order: list[int] = []

    async def email(job: JobRecord) -> None:
        # the first job about each person is the slowest, so only a lane keeps order
        await asyncio.sleep(0.03 if job.id in (ids[0], ids[1]) else 0)
        order.append(job.id)

    registry = JobRegistry()
    registry.register("test.email", email, concurrent=True)
    assert await JobRunner(database, registry, clock, RunnerOptions(concurrency=5)).run_due() == 5
    assert [i for i in order if i in (ids[0], ids[2], ids[3])] == [ids[0], ids[2], ids[3]]
    assert [i for i in order if i in (ids[1], ids[4])] == [ids[1], ids[4]]


@pytest.mark.postgres_only
async def test_jobs_waiting_behind_a_slow_one_keep_their_lease(postgres_url: str) -> None:
    database = Database.from_url(postgres_url)
    try:
        clock = SystemClock()
        lease = timedelta(seconds=1)
        first = await add_job(database, FrozenClock(clock.now()), kind="test.slow")
        second = await add_job(database, FrozenClock(clock.now()), kind="test.slow")
        stolen = Recorder()
        rival = JobRunner(
            database, _registry("test.slow", stolen), clock, RunnerOptions(lease=lease)
        )
        seen: list[int] = []

        async def slow(job: JobRecord) -> None:
            seen.append(job.id)
            if job.id == first:
                await asyncio.sleep(2.5 * lease.total_seconds())
                assert await rival.run_due() == 0, "another runner took a claimed job"

        owner = JobRunner(database, _registry("test.slow", slow), clock, RunnerOptions(lease=lease))
        assert await owner.run_due() == 2
        assert seen == [first, second]
        assert stolen.seen == []
    finally:
        await database.dispose()


def test_by_default_a_crashed_workers_jobs_wait_seconds_not_a_minute() -> None:
    options = RunnerOptions()
    assert options.lease <= timedelta(seconds=10)
    assert options.lease / options.heartbeats_per_lease <= timedelta(seconds=2)
