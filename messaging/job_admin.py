"""Looking after jobs that failed: operators see all, a clinic's admins their emails."""

from __future__ import annotations

from messaging import audit
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Conflict, NotFound
from messaging.policy import Action, Target, authorize, clinic_of
from messaging.storage import jobs as store
from messaging.storage.database import UnitOfWork
from messaging.storage.jobs import JobRecord

EMAIL_KINDS = "email."
MAX_PAGE = 200


async def list_jobs(
    uow: UnitOfWork, *, states: list[str], kind_prefix: str | None = None, after_id: int = 0
) -> list[JobRecord]:
    """For operators (`interlude jobs list`)."""
    return await store.list_jobs(
        uow.session, states=states, kind_prefix=kind_prefix, after_id=after_id, limit=MAX_PAGE
    )


async def retry_job(uow: UnitOfWork, ctx: ServiceContext, job_id: int) -> None:
    """For operators (`interlude jobs retry`): a dead job runs again from its first attempt."""
    if not await store.requeue_dead_job(uow.session, job_id=job_id, now=ctx.clock.now()):
        raise Conflict(f"job {job_id} is not dead (only dead jobs can be retried)")
    await uow.commit()


async def queue_counts(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """For operators (`/metrics`): jobs of every clinic by kind and state."""
    return await store.count_jobs_by_kind_and_state(uow.session)


async def failed_emails(uow: UnitOfWork, actor: Actor | None) -> list[JobRecord]:
    """The admin's clinic's emails that could not be sent, with the reason kept."""
    allowed = authorize(actor, Action.MANAGE_EMAIL_JOBS, clinic_of(actor))
    return await store.list_jobs(
        uow.session,
        states=["dead"],
        kind_prefix=EMAIL_KINDS,
        clinic_id=allowed.clinic_id,
        limit=MAX_PAGE,
    )


async def retry_email(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, job_id: int
) -> None:
    job = await store.get_job(uow.session, job_id)
    if job is None or job.clinic_id is None or not job.kind.startswith(EMAIL_KINDS):
        raise NotFound("No such email.")
    allowed = authorize(actor, Action.MANAGE_EMAIL_JOBS, Target(job.clinic_id))
    now = ctx.clock.now()
    if not await store.requeue_dead_job(uow.session, job_id=job.id, now=now):
        raise Conflict("That email is not waiting for a retry.")
    await audit.record(
        uow,
        AuditEntry("email.retried", allowed.clinic_id, allowed.user_id, "job", str(job.id)),
        now,
    )
    await uow.commit()
