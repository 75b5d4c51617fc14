"""A real job runner in its own process whose handler never finishes; the test kills it
with SIGKILL to play a worker that crashed mid-job.

usage: python -m tests.support.hanging_worker DATABASE_URL MARKER_FILE LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from messaging.clock import SystemClock
from messaging.jobs import JobRegistry, JobRunner, RunnerOptions
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord


async def main(url: str, marker: Path, lease_seconds: float) -> None:
    database = Database.from_url(url)

    async def hang(job: JobRecord) -> None:
        marker.write_text(str(job.id))
        await asyncio.Event().wait()

    registry = JobRegistry()
    registry.register("test.hang", hang)
    runner = JobRunner(
        database,
        registry,
        SystemClock(),
        RunnerOptions(lease=timedelta(seconds=lease_seconds), poll_interval=0.05),
    )
    await runner.run_until_stopped(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])))
