"""Durable jobs: enqueue in the caller's transaction, run later, exactly one claimer.

Emails, scheduled releases and reminders are jobs. A job is written in the same
transaction as the change that calls for it, so it exists if and only if that change was
committed. Runners claim due jobs under a lease; a runner that dies loses its lease and
another runner retries the job. Failures back off exponentially with jitter and end in
the `dead` state, keeping the last error, after `max_attempts` tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from messaging import metrics
from messaging.clock import Clock
from messaging.errors import JobNotDueYet, PermanentJobFailure
from messaging.storage import jobs as store
from messaging.storage.database import Database, UnitOfWork
from messaging.storage.jobs import JobRecord

logger = logging.getLogger("interlude.jobs")

Job = JobRecord
JobHandler = Callable[[JobRecord], Awaitable[None]]
# One job's work with what it needs already loaded, ready to run.
PreparedJob = Callable[[], Awaitable[None]]
# Loads what several jobs of one kind need at once; returns each job's work by job id.
JobPreparer = Callable[[list[JobRecord]], Awaitable[dict[int, PreparedJob]]]

DEFAULT_MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 2000


async def enqueue(
    uow: UnitOfWork,
    kind: str,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    clinic_id: uuid.UUID | None = None,
) -> int:
    """Add a job inside the caller's transaction; returns its id.

    With a `dedupe_key` that already names a job, nothing new is stored and the existing
    job's id is returned.
    """
    return await store.insert_job(
        uow.session,
        kind=kind,
        payload=dict(payload),
        run_at=run_at or now,
        max_attempts=max_attempts,
        dedupe_key=dedupe_key,
        clinic_id=clinic_id,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits base * 2**(n-1), capped, then
    scaled by a random factor in [1 - jitter, 1]."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        exponent = min(max(attempt - 1, 0), 30)
        raw: timedelta = min(self.base * (2**exponent), self.cap)
        factor: float = 1 - self.jitter * rng.random()
        return raw * factor


@dataclass(slots=True)
class JobRegistry:
    """Handlers by job kind. A runner claims only kinds it has a handler for.

    A kind registered `concurrent=True` may run beside other jobs of the same batch (an
    email: each stands alone). Every other kind runs one job at a time, in claim order
    (a scheduled release: a thread's messages go out in delivery order).

    A kind may also have a `prepare`, the batch form of its handler: given all the jobs
    of that kind in a claimed batch, it loads what they need in one read (instead of one
    read transaction per job) and returns each job's work, ready to run. A job it leaves
    out runs `handler` on its own, and so does every job of the kind when preparing
    fails; the outcome of each job is its own either way. What it loads is read when the
    batch starts, not just before each job runs (as late as the sends ahead of it take).
    """

    handlers: dict[str, JobHandler] = field(default_factory=dict)
    concurrent_kinds: set[str] = field(default_factory=set)
    preparers: dict[str, JobPreparer] = field(default_factory=dict)

    def register(
        self,
        kind: str,
        handler: JobHandler,
        *,
        concurrent: bool = False,
        prepare: JobPreparer | None = None,
    ) -> None:
        if kind in self.handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self.handlers[kind] = handler
        if concurrent:
            self.concurrent_kinds.add(kind)
        if prepare is not None:
            self.preparers[kind] = prepare

    @property
    def kinds(self) -> list[str]:
        return sorted(self.handlers)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed job, recorded with the rest of its batch."""

    job: JobRecord
    state: str  # done, queued (retry later or not due yet), dead, or released (not started)
    error: str | None = None
    run_at: datetime | None = None
    refund: bool = False

    @property
    def is_plain(self) -> bool:
        """Done, with nothing but that to record."""
        return (
            self.state == "done" and self.error is None and self.run_at is None and not self.refund
        )


@dataclass(slots=True)
class RunnerOptions:
    # Short, so the jobs of a worker that died (SIGKILL, a lost machine) are retried by
    # another within seconds; renewed `heartbeats_per_lease` times per lease while held.
    lease: timedelta = timedelta(seconds=10)
    heartbeats_per_lease: int = 5
    batch_size: int = 20
    poll_interval: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)
    # Jobs of concurrent kinds in flight at once (e.g. one per SMTP connection).
    concurrency: int = 4
    # Called after every pass of the loop (the worker's liveness heartbeat).
    heartbeat: Callable[[], None] | None = None


class JobRunner:
    """Claims and runs due jobs until asked to stop; finishes the job in hand first."""

    def __init__(
        self,
        database: Database,
        registry: JobRegistry,
        clock: Clock,
        options: RunnerOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._database = database
        self._registry = registry
        self._clock = clock
        self._options = options or RunnerOptions()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due jobs now rather than at the next poll."""
        self._wake.set()

    async def run_until_stopped(self, stop: asyncio.Event) -> None:
        logger.info("job runner started", extra={"kinds": self._registry.kinds})
        while not stop.is_set():
            try:
                ran = await self.run_due(stop)
            except Exception:
                logger.exception("job runner pass failed; retrying after the poll interval")
                ran = 0
            if self._options.heartbeat is not None:
                self._options.heartbeat()
            if ran == 0 and not stop.is_set():
                await self._sleep(stop)
        logger.info("job runner stopped")

    async def _sleep(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(
                waiters, timeout=self._options.poll_interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def run_due(self, stop: asyncio.Event | None = None) -> int:
        """Claim one batch of due jobs, prepare those of kinds with a batch form, run
        them, and record every outcome in one transaction; returns how many ran.

        Jobs of serial kinds run one after another in claim order; jobs of concurrent
        kinds run beside them, at most `concurrency` at a time, those about the same
        person (payload `user_id`) still one after another in claim order. One heartbeat keeps the
        whole batch's lease while it runs. A crash before the outcomes are recorded leaves
        the batch to be claimed again once the lease ends: an email may then go out twice,
        with the same Message-ID (DESIGN.md section 7).
        """
        if not self._registry.handlers:
            return 0
        token = secrets.token_hex(16)
        async with self._database.unit_of_work() as uow:
            claimed = await store.claim_due_jobs(
                uow.session,
                kinds=self._registry.kinds,
                now=self._clock.now(),
                lease=self._options.lease,
                claim_token=token,
                limit=self._options.batch_size,
            )
            await uow.commit()
        if not claimed:
            return 0
        outcomes: list[Outcome] = []
        heartbeat = asyncio.create_task(self._keep_leases([job.id for job in claimed], token))
        try:
            prepared = await self._prepare(claimed)
            await self._run_batch(claimed, prepared, outcomes, stop)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._record(outcomes, token)
        return sum(outcome.state != "released" for outcome in outcomes)

    async def _prepare(self, claimed: list[JobRecord]) -> dict[int, PreparedJob]:
        """Each job's prepared work, for the kinds that have a batch form: one call per
        kind for all its jobs in the batch. A kind whose preparing fails runs its jobs one
        by one through the handler, as if it had no batch form."""
        by_kind: dict[str, list[JobRecord]] = {}
        for job in claimed:
            if job.kind in self._registry.preparers and job.attempts <= job.max_attempts:
                by_kind.setdefault(job.kind, []).append(job)
        prepared: dict[int, PreparedJob] = {}
        for kind, batch in by_kind.items():
            try:
                prepared.update(await self._registry.preparers[kind](batch))
            except Exception:
                logger.warning(
                    "could not prepare a batch of jobs; running them one by one",
                    extra={"kind": kind, "jobs": len(batch)},
                    exc_info=True,
                )
        return prepared

    async def _run_batch(
        self,
        claimed: list[JobRecord],
        prepared: dict[int, PreparedJob],
        outcomes: list[Outcome],
        stop: asyncio.Event | None,
    ) -> None:
        slots = asyncio.Semaphore(max(self._options.concurrency, 1))
        in_flight: set[asyncio.Task[None]] = set()
        lanes: dict[str, asyncio.Lock] = {}

        async def run_in_slot(job: JobRecord) -> None:
            try:
                # Jobs about one person keep their order (two security notices arrive as
                # they were queued); the lock is taken before the first await, so in
                # claim order.
                async with lanes.setdefault(_lane(job), asyncio.Lock()):
                    outcomes.append(await self._outcome(job, prepared.get(job.id)))
            finally:
                slots.release()

        try:
            for index, job in enumerate(claimed):
                if stop is not None and stop.is_set():
                    outcomes.extend(Outcome(rest, "released") for rest in claimed[index:])
                    break
                if job.kind in self._registry.concurrent_kinds:
                    await slots.acquire()
                    task = asyncio.create_task(run_in_slot(job))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                else:
                    outcomes.append(await self._outcome(job, prepared.get(job.id)))
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _outcome(self, job: JobRecord, prepared: PreparedJob | None) -> Outcome:
        """Run one job (its prepared work, else its handler); every failure becomes an
        outcome, never an exception."""
        if job.attempts > job.max_attempts:
            # Claimed again after its worker died on every attempt: stop trying.
            error = job.last_error or "the worker running it stopped before finishing"
            return Outcome(job, "dead", error=error)
        try:
            if prepared is not None:
                await prepared()
            else:
                await self._registry.handlers[job.kind](job)
        except JobNotDueYet as later:
            return Outcome(job, "queued", run_at=later.run_at, refund=True)
        except PermanentJobFailure as failure:
            logger.warning("job failed permanently", extra={"job_id": job.id, "kind": job.kind})
            return Outcome(job, "dead", error=str(failure))
        except Exception as error:  # a handler's failure is recorded, never fatal to the runner
            return self._failure(job, error)
        return Outcome(job, "done")

    def _failure(self, job: JobRecord, error: Exception) -> Outcome:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        if job.attempts >= job.max_attempts:
            logger.warning(
                "job is dead after its last attempt",
                extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts},
            )
            return Outcome(job, "dead", error=message)
        delay = self._options.backoff.delay(job.attempts, self._rng)
        logger.info(
            "job failed; will retry",
            extra={"job_id": job.id, "kind": job.kind, "retry_in_seconds": delay.total_seconds()},
        )
        return Outcome(job, "queued", error=message, run_at=self._clock.now() + delay)

    async def _record(self, outcomes: list[Outcome], token: str) -> None:
        """Write a batch's outcomes in one transaction, each only if this claim still owns
        its job (a claim that lost its lease must not overwrite the new owner's result)."""
        if not outcomes:
            return
        now = self._clock.now()
        plain = [o for o in outcomes if o.is_plain]
        lost = []
        async with self._database.unit_of_work() as uow:
            # The common case, every job done, in one statement.
            done = [o.job.id for o in plain]
            recorded = await store.finish_plain_jobs(
                uow.session, job_ids=done, claim_token=token, state="done", now=now
            )
            lost += [job_id for job_id in done if job_id not in recorded]
            for outcome in outcomes:
                if outcome.is_plain:
                    continue
                if outcome.state == "released":
                    await store.release_job(
                        uow.session, job_id=outcome.job.id, claim_token=token, now=now
                    )
                    continue
                owned = await store.finish_job(
                    uow.session,
                    job_id=outcome.job.id,
                    claim_token=token,
                    state=outcome.state,
                    now=now,
                    run_at=outcome.run_at,
                    error=outcome.error,
                    refund_attempt=outcome.refund,
                )
                if not owned:
                    lost.append(outcome.job.id)
            await uow.commit()
        for job_id in lost:
            logger.warning("job lease was lost before it finished", extra={"job_id": job_id})
        for outcome in outcomes:
            if outcome.state != "released" and outcome.job.id not in lost:
                _count(outcome, now)

    async def _keep_leases(self, job_ids: list[int], token: str) -> None:
        """Renew the batch's lease several times per lease, so a missed beat or two (a
        slow database) costs nothing; finished jobs are no longer renewed."""
        interval = self._options.lease.total_seconds() / self._options.heartbeats_per_lease
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._database.unit_of_work() as uow:
                    await store.extend_leases(
                        uow.session,
                        job_ids=job_ids,
                        claim_token=token,
                        until=self._clock.now() + self._options.lease,
                    )
                    await uow.commit()
            except Exception:
                logger.warning("could not renew a job lease; retrying", exc_info=True)


def _lane(job: JobRecord) -> str:
    """Concurrent jobs in one lane run in claim order: those about the same person, or a
    job alone when its payload names no one."""
    person = job.payload.get("user_id")
    return f"user:{person}" if person is not None else f"job:{job.id}"


def _count(outcome: Outcome, now: datetime) -> None:
    """Metrics for one recorded outcome: by kind and result, and due-to-done latency."""
    job = outcome.job
    if outcome.state == "queued":
        result = "later" if outcome.refund else "retry"
    else:
        result = outcome.state
    metrics.jobs_finished.labels(job.kind, result).inc()
    if outcome.state == "done":
        metrics.job_latency.labels(job.kind).observe(max((now - job.run_at).total_seconds(), 0.0))
