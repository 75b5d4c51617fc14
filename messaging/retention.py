"""Retention: how long a clinic keeps its threads, applied once a day by the worker.

A clinic either keeps threads until someone deletes them (the default: `years` is None)
or keeps each thread N years after its last activity (its last message, or its opening if
it has none) and then deletes it entirely: messages, commits, members, live sessions and
flags. The daily sweep is a job that queues the next day's sweep when it finishes, so it
runs exactly once a day per clinic for as long as a retention period is set. Admins see
which threads go next and when. docs/records.md relates the defaults to record-keeping
duties.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from messaging import audit, jobs
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.consultations import policy_of
from messaging.context import ServiceContext
from messaging.errors import InvalidInput
from messaging.policy import Action, authorize, clinic_of
from messaging.storage import consultations as policy_store
from messaging.storage import retention as store
from messaging.storage.database import Database, UnitOfWork
from messaging.storage.records import ClinicPolicyRecord

SWEEP_KIND = "retention.sweep"
SWEEP_HOUR = time(3, 0)  # UTC, a quiet hour for most clinics
MIN_YEARS = 1
MAX_YEARS = 100
UPCOMING = 50
SWEEP_BATCH = 100


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def next_sweep_at(now: datetime) -> datetime:
    today = datetime.combine(now.astimezone(UTC).date(), SWEEP_HOUR, UTC)
    return today if today > now else today + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Upcoming:
    thread_id: uuid.UUID
    last_activity_at: datetime
    delete_at: datetime


@dataclass(frozen=True, slots=True)
class RetentionView:
    years: int | None
    next_sweep_at: datetime | None
    upcoming: list[Upcoming]


async def _view(uow: UnitOfWork, ctx: ServiceContext, policy: ClinicPolicyRecord) -> RetentionView:
    if policy.retention_years is None:
        return RetentionView(None, None, [])
    oldest = await store.oldest_threads(uow.session, policy.clinic_id, up_to=None, limit=UPCOMING)
    now = ctx.clock.now()
    return RetentionView(
        policy.retention_years,
        next_sweep_at(now),
        [Upcoming(t, last, years_after(last, policy.retention_years)) for t, last in oldest],
    )


async def retention_of(uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None) -> RetentionView:
    """The clinic's retention period and the threads that will be deleted next, and when."""
    allowed = authorize(actor, Action.MANAGE_RECORD_POLICY, clinic_of(actor))
    return await _view(uow, ctx, await policy_of(uow, allowed.clinic_id, ctx.clock.now()))


async def set_retention(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, years: int | None
) -> RetentionView:
    """Keep threads `years` after their last activity, or (None) until deleted."""
    allowed = authorize(actor, Action.MANAGE_RECORD_POLICY, clinic_of(actor))
    if years is not None and not MIN_YEARS <= years <= MAX_YEARS:
        raise InvalidInput(f"years: between {MIN_YEARS} and {MAX_YEARS}, or null to keep.")
    now = ctx.clock.now()
    current = await policy_of(uow, allowed.clinic_id, now)
    updated = ClinicPolicyRecord(
        clinic_id=current.clinic_id,
        retention_years=years,
        consultation_open=current.consultation_open,
        consultation_text=current.consultation_text,
        consultation_retention_days=current.consultation_retention_days,
        intake_public_key=current.intake_public_key,
        updated_at=now,
    )
    await policy_store.save_policy(uow.session, updated)
    if years is not None:
        await _queue_sweep(uow, allowed.clinic_id, now)
    await audit.record(
        uow,
        AuditEntry(
            "clinic.retention_changed",
            allowed.clinic_id,
            allowed.user_id,
            "clinic",
            str(allowed.clinic_id),
            {"years": years},
        ),
        now,
    )
    view = await _view(uow, ctx, updated)
    await uow.commit()
    return view


async def _queue_sweep(uow: UnitOfWork, clinic_id: uuid.UUID, now: datetime) -> None:
    run_at = next_sweep_at(now)
    await jobs.enqueue(
        uow,
        SWEEP_KIND,
        {"clinic_id": str(clinic_id)},
        now=now,
        run_at=run_at,
        dedupe_key=f"retention:{clinic_id}:{run_at.date().isoformat()}",
        clinic_id=clinic_id,
    )


async def sweep(database: Database, ctx: ServiceContext, clinic_id: uuid.UUID) -> int:
    """Delete the clinic's threads whose retention period has passed (each thread in its
    own transaction), then queue tomorrow's sweep. Returns how many were deleted. Nothing
    happens, and nothing is queued, once the clinic keeps threads until deleted."""
    deleted = 0
    while True:
        async with database.unit_of_work() as uow:
            now = ctx.clock.now()
            policy = await policy_of(uow, clinic_id, now)
            if policy.retention_years is None:
                return deleted
            due = await store.oldest_threads(
                uow.session,
                clinic_id,
                up_to=years_before(now, policy.retention_years),
                limit=SWEEP_BATCH,
            )
            for thread_id, last_activity in due:
                await store.delete_thread(uow.session, thread_id)
                await audit.record(
                    uow,
                    AuditEntry(
                        "thread.retention_deleted",
                        clinic_id,
                        None,
                        "thread",
                        str(thread_id),
                        {"last_activity_at": last_activity.isoformat()},
                    ),
                    now,
                )
            if len(due) < SWEEP_BATCH:
                await _queue_sweep(uow, clinic_id, now)
            await uow.commit()
        deleted += len(due)
        if len(due) < SWEEP_BATCH:
            return deleted
