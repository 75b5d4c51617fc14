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

from messaging.clock import Clock
from messaging.errors import JobNotDueYet, PermanentJobFailure
from messaging.storage import jobs as store
from messaging.storage.database import Database, UnitOfWork
from messaging.storage.jobs import JobRecord

logger = logging.getLogger("interlude.jobs")

Job = JobRecord
JobHandler = Callable[[JobRecord], Awaitable[None]]

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
    """Handlers by job kind. A runner claims only kinds it has a handler for."""

    handlers: dict[str, JobHandler] = field(default_factory=dict)

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self.handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self.handlers[kind] = handler

    @property
    def kinds(self) -> list[str]:
        return sorted(self.handlers)


@dataclass(slots=True)
class RunnerOptions:
    # Short, so the jobs of a worker that died (SIGKILL, a lost machine) are retried by
    # another within seconds; renewed `heartbeats_per_lease` times per lease while held.
    lease: timedelta = timedelta(seconds=10)
    heartbeats_per_lease: int = 5
    batch_size: int = 20
    poll_interval: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)


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
        """Claim one batch of due jobs and run them in order; returns how many ran."""
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
        ran = 0
        # The whole batch keeps its lease, not only the job in hand: jobs waiting behind a
        # slow one must not be taken (and sent twice) by another runner meanwhile.
        heartbeat = asyncio.create_task(self._keep_leases([job.id for job in claimed], token))
        try:
            for index, job in enumerate(claimed):
                if stop is not None and stop.is_set():
                    await self._release(claimed[index:], token)
                    break
                await self._run(job, token)
                ran += 1
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return ran

    async def _run(self, job: JobRecord, token: str) -> None:
        if job.attempts > job.max_attempts:
            # Claimed again after its worker died on every attempt: stop trying.
            error = job.last_error or "the worker running it stopped before finishing"
            await self._finish(job, token, "dead", error=error)
            return
        handler = self._registry.handlers[job.kind]
        try:
            await handler(job)
        except JobNotDueYet as later:
            await self._finish(job, token, "queued", run_at=later.run_at, refund=True)
        except PermanentJobFailure as failure:
            await self._finish(job, token, "dead", error=str(failure))
            logger.warning("job failed permanently", extra={"job_id": job.id, "kind": job.kind})
        except Exception as error:  # a handler's failure is recorded, never fatal to the runner
            await self._fail(job, token, error)
        else:
            await self._finish(job, token, "done")

    async def _fail(self, job: JobRecord, token: str, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        if job.attempts >= job.max_attempts:
            await self._finish(job, token, "dead", error=message)
            logger.warning(
                "job is dead after its last attempt",
                extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts},
            )
            return
        delay = self._options.backoff.delay(job.attempts, self._rng)
        await self._finish(job, token, "queued", error=message, run_at=self._clock.now() + delay)
        logger.info(
            "job failed; will retry",
            extra={"job_id": job.id, "kind": job.kind, "retry_in_seconds": delay.total_seconds()},
        )

    async def _finish(
        self,
        job: JobRecord,
        token: str,
        state: str,
        *,
        error: str | None = None,
        run_at: datetime | None = None,
        refund: bool = False,
    ) -> None:
        async with self._database.unit_of_work() as uow:
            owned = await store.finish_job(
                uow.session,
                job_id=job.id,
                claim_token=token,
                state=state,
                now=self._clock.now(),
                run_at=run_at,
                error=error,
                refund_attempt=refund,
            )
            await uow.commit()
        if not owned:
            logger.warning("job lease was lost before it finished", extra={"job_id": job.id})

    async def _release(self, jobs: list[JobRecord], token: str) -> None:
        """Give back claimed jobs not yet started (on shutdown), without using an attempt."""
        for job in jobs:
            async with self._database.unit_of_work() as uow:
                await store.release_job(
                    uow.session, job_id=job.id, claim_token=token, now=self._clock.now()
                )
                await uow.commit()

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
