"""Deleting a person: asked for by a client themself or by an admin, done by the worker.

Asking disables the account at once (every session ends) and queues one durable job.
The job erases in steps, each its own transaction and each idempotent, so a worker that
dies part-way leaves a job that the next worker runs again from the start without harm:

1. the ciphertext of every message the person wrote, in batches (tombstones keep their
   seqs, so the other members' history has no holes and shows "deleted");
2. every other row of theirs: keyring and wrapped account keys (the credentials row),
   sessions, preferences, schedule, care-team and on-call entries, their invitation,
   titles they sealed, pending jobs; they leave every thread, which then needs new keys
   (groups they were active in too: `needs_rekey`, announced to the group's room); then
   each feature's own content through `ERASERS` (the journal's and the groups' are listed
   there);
3. a confirmation email to the address they had (sent by the worker handler);
4. their name and address are replaced, keeping the row that tombstones and the audit
   trail point at. The audit trail keeps its events (which never hold content).

What stays, on purpose: the user row without name or address, tombstones (sender, seq,
times), public identity bundles (other members verify their threads' signed commit chains
with them; a public key reveals nothing), commits (their seals to this person can only be
opened with the erased keyring) and audit events.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from messaging import audit, groups, jobs
from messaging.actors import Actor, RequestOrigin
from messaging.audit import AuditEntry
from messaging.authentication import sessions_ended
from messaging.context import ServiceContext
from messaging.errors import NotAuthenticated, NotFound
from messaging.events import publish_after_commit
from messaging.policy import Action, Target, authorize, own
from messaging.server_keys import equal
from messaging.storage import accounts, sessions
from messaging.storage import deletion as store
from messaging.storage import groups as group_store
from messaging.storage import journal as journal_store
from messaging.storage import threads as thread_store
from messaging.storage.database import Database, UnitOfWork
from messaging.storage.records import UserRecord

DELETE_KIND = "account.delete"
MESSAGE_BATCH = 200
WRONG_PASSWORD = "Your password didn't match, so nothing was deleted."

# Content erasers of other features, run in the erasing transaction with the person's id.
# A feature that stores a person's own content lists its eraser here (listed, not registered
# at import time, so a worker that never imported the feature still erases it).
Eraser = Callable[[UnitOfWork, uuid.UUID], Awaitable[None]]


async def _erase_journal(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    await journal_store.erase_person(uow.session, user_id)


async def _erase_group_memberships(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """Their group memberships end as of their request, without pseudonyms or
    certificates; their reports and the post keys they published go."""
    state = await store.deletion_state(uow.session, user_id)
    assert state is not None
    await group_store.erase_memberships(uow.session, user_id, state[0])


ERASERS: list[Eraser] = [_erase_journal, _erase_group_memberships]


@dataclass(frozen=True, slots=True)
class DeletionRequested:
    user_id: uuid.UUID
    requested_at: datetime
    already_requested: bool


async def delete_own_account(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    current_auth_key: bytes,
    origin: RequestOrigin,
) -> DeletionRequested:
    """A client asks to delete their own account, proving their password again (a session
    left open on a shared computer must not be enough)."""
    allowed = authorize(actor, Action.DELETE_OWN_ACCOUNT, own(actor))
    stored = await accounts.get_credentials(uow.session, allowed.user_id)
    if stored is None or not equal(ctx.keys.hash_auth_key(current_auth_key), stored.auth_key_hash):
        raise NotAuthenticated(WRONG_PASSWORD)
    user = await accounts.get_user(uow.session, allowed.user_id)
    assert user is not None
    return await _request(uow, ctx, allowed, user, origin)


async def delete_person(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    user_id: uuid.UUID,
    origin: RequestOrigin,
) -> DeletionRequested:
    """An admin deletes a person of their clinic (not themself)."""
    user = await accounts.get_user(uow.session, user_id)
    if user is None:
        raise NotFound("No such person.")
    allowed = authorize(actor, Action.DELETE_PERSON, Target(user.clinic_id, user.id))
    return await _request(uow, ctx, allowed, user, origin)


async def _request(
    uow: UnitOfWork,
    ctx: ServiceContext,
    allowed: Actor,
    user: UserRecord,
    origin: RequestOrigin,
) -> DeletionRequested:
    now = ctx.clock.now()
    fresh = await store.request_deletion(uow.session, user, allowed.user_id, now)
    if fresh:
        await accounts.disable_user(uow.session, user.id, now)
        ended = await sessions.end_sessions_of_user(uow.session, user.id, now)
        await sessions_ended(uow, ctx, ended, "account_deleted")
        await jobs.enqueue(
            uow,
            DELETE_KIND,
            {"user_id": str(user.id)},
            now=now,
            dedupe_key=f"delete:{user.id}",
            clinic_id=user.clinic_id,
        )
        await audit.record(
            uow,
            AuditEntry(
                "user.deletion_requested",
                user.clinic_id,
                allowed.user_id,
                "user",
                str(user.id),
                {"by": "self" if allowed.user_id == user.id else "admin"},
                origin.ip,
            ),
            now,
        )
    state = await store.deletion_state(uow.session, user.id)
    assert state is not None
    await uow.commit()
    return DeletionRequested(user.id, state[0], already_requested=not fresh)


@dataclass(frozen=True, slots=True)
class Confirmation:
    to: str
    sender_name: str
    deleted_on: datetime


async def erase(database: Database, ctx: ServiceContext, user_id: uuid.UUID) -> Confirmation | None:
    """Steps 1 and 2 (see the module docstring), each batch its own transaction. Returns
    the confirmation to send, or None when the person was already fully deleted (a job
    run again after it finished) or never asked to be."""
    async with database.unit_of_work() as uow:
        state = await store.deletion_state(uow.session, user_id)
    if state is None or state[1] is not None:
        return None
    while True:
        async with database.unit_of_work() as uow:
            erased = await store.erase_message_batch(
                uow.session, user_id, ctx.clock.now(), MESSAGE_BATCH
            )
            await uow.commit()
        if erased < MESSAGE_BATCH:
            break
    async with database.unit_of_work() as uow:
        now = ctx.clock.now()
        threads = [t.id for t, _, _ in await thread_store.threads_of_user(uow.session, user_id)]
        await store.erase_account_rows(uow.session, user_id, now)
        await store.delete_jobs(uow.session, await store.queued_jobs_of(uow.session, user_id))
        await groups.member_deleted(uow, ctx, user_id)
        for eraser in ERASERS:
            await eraser(uow, user_id)
        user = await accounts.get_user(uow.session, user_id)
        assert user is not None
        clinic = await accounts.get_clinic(uow.session, user.clinic_id)
        for thread_id in threads:
            await _tell_members(uow, ctx, thread_id)
        await uow.commit()
    return Confirmation(user.email, clinic.sender_name if clinic else "Interlude", now)


async def _tell_members(uow: UnitOfWork, ctx: ServiceContext, thread_id: uuid.UUID) -> None:
    thread = await thread_store.get_thread(uow.session, thread_id)
    if thread is None:
        return
    members = [m.user_id for m in await thread_store.current_members(uow.session, thread_id)]
    await publish_after_commit(
        uow,
        ctx.events,
        "thread_updated",
        {
            "thread_id": str(thread.id),
            "reason": "member_deleted",
            "epoch": thread.current_epoch,
            "needs_rekey": thread.needs_rekey,
        },
        members,
        now=ctx.clock.now(),
    )


async def finish(database: Database, ctx: ServiceContext, user_id: uuid.UUID) -> None:
    """Step 4, after the confirmation went out: the name and address go."""
    async with database.unit_of_work() as uow:
        state = await store.deletion_state(uow.session, user_id)
        if state is None or state[1] is not None:
            return
        user = await accounts.get_user(uow.session, user_id)
        assert user is not None
        now = ctx.clock.now()
        await store.scrub_user(uow.session, user_id, now)
        await audit.record(
            uow,
            AuditEntry("user.deleted", user.clinic_id, None, "user", str(user_id), {}),
            now,
        )
        await uow.commit()
