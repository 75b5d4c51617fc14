"""A group's pending invitations, seen from the moderators' side: whom they may invite
(the clinic's active clients, by name) and withdrawing an invitation not yet accepted.

Names go to the group's moderators only (clinic staff who already see their clients'
names); members never learn who is invited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from messaging import audit
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Forbidden, NotFound
from messaging.events import publish_after_commit
from messaging.groups import group_for
from messaging.policy import Action
from messaging.storage import groups as store
from messaging.storage.database import UnitOfWork

MAX_CANDIDATES = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    user_id: uuid.UUID
    display_name: str


async def candidates(uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID) -> list[Candidate]:
    """The clinic's active clients the group's moderator may invite (not invited, not in
    the group, not barred from rejoining), by name; at most `MAX_CANDIDATES`."""
    access = await group_for(uow, actor, thread_id, Action.LIST_GROUP_CANDIDATES)
    found = await store.candidates(uow.session, access.thread.clinic_id, thread_id, MAX_CANDIDATES)
    return [Candidate(user_id, name) for user_id, name in found]


async def withdraw_invitation(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    """A moderator withdraws a client's invitation that was not accepted yet: it ends
    (state removed, no keys were ever made) and the invitee's list drops it. They can be
    invited again."""
    access = await group_for(uow, actor, thread_id, Action.MODERATE_GROUP, lock=True)
    member = await store.get_member(uow.session, member_id)
    if member is None or member.thread_id != thread_id or member.state != "invited":
        raise NotFound("No such invitation.")
    if member.role == "moderator":
        raise Forbidden("Only an admin names moderators.")
    now = ctx.clock.now()
    await store.update_member(uow.session, member.id, state="removed", removed_at=now)
    await publish_after_commit(
        uow, ctx.events, "group_removed", {"thread_id": str(thread_id)}, [member.user_id], now=now
    )
    await audit.record(
        uow,
        AuditEntry(
            "group.invitation_withdrawn",
            access.thread.clinic_id,
            access.actor.user_id,
            "group_member",
            str(member.id),
            {"group": str(thread_id)},
        ),
        now,
    )
    await uow.commit()
