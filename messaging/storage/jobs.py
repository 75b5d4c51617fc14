"""Queries for the durable jobs table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import Record
from messaging.storage.tables import jobs


@dataclass(frozen=True, slots=True)
class JobRecord(Record):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    run_at: datetime
    attempts: int
    max_attempts: int
    dedupe_key: str | None
    clinic_id: uuid.UUID | None
    claim_token: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


async def insert_job(
    session: AsyncSession,
    *,
    kind: str,
    payload: dict[str, Any],
    run_at: datetime,
    max_attempts: int,
    dedupe_key: str | None,
    now: datetime,
    clinic_id: uuid.UUID | None = None,
) -> int:
    """Insert a queued job; with a `dedupe_key` already present, return the existing id."""
    values = {
        "kind": kind,
        "payload": payload,
        "state": "queued",
        "run_at": run_at,
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "clinic_id": clinic_id,
        "created_at": now,
        "updated_at": now,
    }
    if dedupe_key is None:
        result = await session.execute(jobs.insert().values(values).returning(jobs.c.id))
        return int(result.scalar_one())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(jobs)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(jobs.c.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    if inserted is not None:
        return int(inserted)
    existing = await session.execute(select(jobs.c.id).where(jobs.c.dedupe_key == dedupe_key))
    return int(existing.scalar_one())


async def claim_due_jobs(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    now: datetime,
    lease: timedelta,
    claim_token: str,
    limit: int,
) -> list[JobRecord]:
    """Mark up to `limit` due jobs as running under `claim_token` and return them, in one
    statement (an UPDATE of the due ids chosen by a materialized CTE, returning the rows).

    A due job is a queued one whose `run_at` has come, or a running one whose lease has
    expired (its worker died). PostgreSQL skips rows other claimers hold
    (`FOR UPDATE SKIP LOCKED` in the subquery); SQLite serialises writers with BEGIN
    IMMEDIATE, so one claimer at a time sees and takes a row.
    """
    due = (
        select(jobs.c.id)
        .where(
            jobs.c.kind.in_(kinds),
            or_(
                and_(jobs.c.state == "queued", jobs.c.run_at <= now),
                and_(jobs.c.state == "running", jobs.c.lease_expires_at <= now),
            ),
        )
        .order_by(jobs.c.run_at, jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # Chosen once: a LIMIT subquery that locks with SKIP LOCKED could be scanned again
        # by the plan and pick further rows; a materialized CTE cannot.
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id.in_(select(due.c.id)))
        .values(
            state="running",
            attempts=jobs.c.attempts + 1,
            claim_token=claim_token,
            lease_expires_at=now + lease,
            updated_at=now,
        )
        .returning(*jobs.c)
    )
    claimed = [JobRecord.from_row(row) for row in result.mappings()]
    return sorted(claimed, key=lambda job: (job.run_at, job.id))


async def extend_leases(
    session: AsyncSession, *, job_ids: Sequence[int], claim_token: str, until: datetime
) -> int:
    """Extend the lease of those of `job_ids` still running under this claim; returns how
    many (found by primary key: the claim token has no index)."""
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id.in_(job_ids), jobs.c.claim_token == claim_token, jobs.c.state == "running")
        .values(lease_expires_at=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def finish_job(
    session: AsyncSession,
    *,
    job_id: int,
    claim_token: str,
    state: str,
    now: datetime,
    run_at: datetime | None = None,
    error: str | None = None,
    refund_attempt: bool = False,
) -> bool:
    """Record an outcome, only if this claim still owns the job (a claim that lost its
    lease to another worker must not overwrite that worker's result)."""
    values: dict[str, Any] = {
        "state": state,
        "claim_token": None,
        "lease_expires_at": None,
        "updated_at": now,
    }
    if run_at is not None:
        values["run_at"] = run_at
    if error is not None:
        values["last_error"] = error
    if refund_attempt:
        values["attempts"] = jobs.c.attempts - 1
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.claim_token == claim_token, jobs.c.state == "running")
        .values(values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish_plain_jobs(
    session: AsyncSession, *, job_ids: Sequence[int], claim_token: str, state: str, now: datetime
) -> set[int]:
    """Record one outcome with nothing else to set (no new run time, no error) for many jobs
    in one statement, for those this claim still owns; returns the ids it recorded."""
    if not job_ids:
        return set()
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id.in_(job_ids), jobs.c.claim_token == claim_token, jobs.c.state == "running")
        .values(state=state, claim_token=None, lease_expires_at=None, updated_at=now)
        .returning(jobs.c.id)
    )
    return set(result.scalars())


async def release_job(
    session: AsyncSession, *, job_id: int, claim_token: str, now: datetime
) -> None:
    """Return a claimed but unstarted job to the queue without spending an attempt."""
    await session.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.claim_token == claim_token, jobs.c.state == "running")
        .values(
            state="queued",
            attempts=jobs.c.attempts - 1,
            claim_token=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )


async def get_job(session: AsyncSession, job_id: int) -> JobRecord | None:
    row = (await session.execute(select(jobs).where(jobs.c.id == job_id))).mappings().first()
    return None if row is None else JobRecord.from_row(row)


async def list_jobs(
    session: AsyncSession,
    *,
    states: Sequence[str],
    kind_prefix: str | None = None,
    clinic_id: uuid.UUID | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[JobRecord]:
    query = select(jobs).where(jobs.c.state.in_(states), jobs.c.id > after_id)
    if kind_prefix is not None:
        query = query.where(jobs.c.kind.startswith(kind_prefix))
    if clinic_id is not None:
        query = query.where(jobs.c.clinic_id == clinic_id)
    rows = await session.execute(query.order_by(jobs.c.id).limit(limit))
    return [JobRecord.from_row(row) for row in rows.mappings()]


async def requeue_dead_job(session: AsyncSession, *, job_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == "dead")
        .values(state="queued", attempts=0, run_at=now, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_jobs_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state))
    return {state: int(count) for state, count in rows}


async def count_jobs_by_kind_and_state(
    session: AsyncSession, *, clinic_id: uuid.UUID | None = None
) -> dict[tuple[str, str], int]:
    """Job counts grouped by (kind, state), for one clinic's jobs or all of them."""
    query = select(jobs.c.kind, jobs.c.state, func.count()).group_by(jobs.c.kind, jobs.c.state)
    if clinic_id is not None:
        query = query.where(jobs.c.clinic_id == clinic_id)
    rows = await session.execute(query)
    return {(kind, state): int(count) for kind, state, count in rows}
