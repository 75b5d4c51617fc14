"""Running the job runner as a process (`interlude worker`) or inside the web process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

from messaging.clock import Clock, SystemClock
from messaging.events import EventPublisher
from messaging.jobs import JobRunner, RunnerOptions
from messaging.settings import Settings
from messaging.storage import schema
from messaging.storage.database import Database
from worker.handlers import build_registry
from worker.mail import Mailer, mailer_from_settings

logger = logging.getLogger("interlude.worker")


HEARTBEAT_FILE = "worker-heartbeat"
# A worker whose loop has not come round for this long is unhealthy (a pass waits at most
# the poll interval, plus the jobs it runs, each bounded by its lease).
HEARTBEAT_STALE_SECONDS = 300


def heartbeat_path(settings: Settings) -> Path:
    return settings.data_dir / HEARTBEAT_FILE


def beat(path: Path) -> None:
    path.touch()


def worker_is_healthy(settings: Settings, now: float) -> bool:
    """The worker's loop touched its heartbeat file recently."""
    try:
        touched = heartbeat_path(settings).stat().st_mtime
    except OSError:
        return False
    return now - touched < HEARTBEAT_STALE_SECONDS


def create_runner(
    settings: Settings,
    database: Database,
    clock: Clock,
    mailer: Mailer,
    events: EventPublisher,
    heartbeat: Callable[[], None] | None = None,
) -> JobRunner:
    options = RunnerOptions(
        lease=timedelta(seconds=settings.job_lease_seconds), heartbeat=heartbeat
    )
    registry = build_registry(settings, database, clock, mailer, events)
    return JobRunner(database, registry, clock, options)


@contextlib.asynccontextmanager
async def running_in_background(
    settings: Settings, database: Database, clock: Clock, events: EventPublisher
) -> AsyncIterator[JobRunner]:
    """Run the job runner as a task for the duration of the block (embedded mode)."""
    mailer = mailer_from_settings(settings)
    runner = create_runner(settings, database, clock, mailer, events)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run_until_stopped(stop), name="job-runner")
    try:
        yield runner
    finally:
        stop.set()
        await task
        await mailer.close()


async def run_worker_process(settings: Settings, events: EventPublisher) -> int:
    """Run until SIGTERM or SIGINT, finishing the job in hand. Returns an exit status."""
    database = Database.from_url(settings.database_url)
    try:
        if not await schema.is_at_head(database.engine):
            logger.error("the database schema is out of date; run `interlude migrate` first")
            return 3
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        mailer = mailer_from_settings(settings)
        try:
            path = heartbeat_path(settings)
            runner = create_runner(
                settings, database, SystemClock(), mailer, events, lambda: beat(path)
            )
            await runner.run_until_stopped(stop)
        finally:
            await mailer.close()
        return 0
    finally:
        await database.dispose()
