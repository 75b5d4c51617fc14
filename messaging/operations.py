"""The clinic admin's operations view: the clinic's job queue by state, active sessions
and storage used. Counts and sizes only; nothing here reveals content or who said what."""

from __future__ import annotations

from dataclasses import dataclass

from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.policy import Action, authorize, clinic_of
from messaging.storage import jobs as job_store
from messaging.storage import operations as store
from messaging.storage.database import UnitOfWork
from messaging.storage.operations import StorageUse


@dataclass(frozen=True, slots=True)
class Operations:
    jobs: dict[tuple[str, str], int]
    active_sessions: int
    storage: StorageUse


async def clinic_operations(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> Operations:
    """For the clinic's admins: how its background work, sessions and storage stand."""
    allowed = authorize(actor, Action.READ_OPERATIONS, clinic_of(actor))
    now = ctx.clock.now()
    return Operations(
        jobs=await job_store.count_jobs_by_kind_and_state(uow.session, clinic_id=allowed.clinic_id),
        active_sessions=await store.count_active_sessions(
            uow.session,
            allowed.clinic_id,
            now=now,
            idle_since=now - ctx.rules.session_idle_timeout,
        ),
        storage=await store.storage_used(uow.session, allowed.clinic_id),
    )
