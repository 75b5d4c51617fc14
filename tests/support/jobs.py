"""Helpers for job tests: recording handlers and reading job rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from messaging.storage import jobs as store
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord


@dataclass
class Recorder:
    """A handler that records every job id it was given."""

    seen: list[int] = field(default_factory=list)

    async def __call__(self, job: JobRecord) -> None:
        self.seen.append(job.id)


async def read_job(database: Database, job_id: int) -> JobRecord:
    async with database.unit_of_work() as uow:
        job = await store.get_job(uow.session, job_id)
    assert job is not None
    return job
