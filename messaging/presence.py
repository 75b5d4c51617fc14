"""Ephemeral signals between members: presence and typing. Nothing is stored.

Outside a live session a therapist's presence and typing are not shown to clients
(delayed-reply mode: no pressure to be online); inside one, everyone sees everyone.
"""

from __future__ import annotations

import uuid

from messaging.actors import Actor, Role
from messaging.context import ServiceContext
from messaging.events import publish_after_commit
from messaging.policy import Action, authorize, own
from messaging.storage import delayed_reply
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.threads import thread_for_member


async def announce_presence(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, *, online: bool
) -> None:
    """Tell the people the actor shares threads with that the actor came or went."""
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    partners = await _presence_audience(uow, ctx, allowed)
    await publish_after_commit(
        uow,
        ctx.events,
        "presence",
        {"user_id": str(allowed.user_id), "online": online},
        partners,
        now=ctx.clock.now(),
    )
    await uow.commit()


async def typing(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID
) -> None:
    """Tell the thread's other members that the actor is typing."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.WRITE_THREAD)
    members = set(await _who_may_see(uow, ctx, allowed, thread.id))
    members.discard(allowed.user_id)
    await publish_after_commit(
        uow,
        ctx.events,
        "typing",
        {"thread_id": str(thread.id), "user_id": str(allowed.user_id)},
        members,
        now=ctx.clock.now(),
    )
    await uow.commit()


async def _presence_audience(uow: UnitOfWork, ctx: ServiceContext, actor: Actor) -> set[uuid.UUID]:
    """Everyone who may see the actor come and go, by the rule of `_who_may_see` over all
    the actor's threads at once (two queries, whatever the number of threads: connecting
    and disconnecting stay cheap)."""
    shared = await thread_store.partners(uow.session, actor.user_id)
    if actor.role != Role.THERAPIST:
        return {user_id for _, user_id, _ in shared}
    with_clients = {thread_id for thread_id, _, role in shared if role != Role.THERAPIST}
    live = await delayed_reply.live_threads(uow.session, with_clients, ctx.clock.now())
    return {
        user_id
        for thread_id, user_id, role in shared
        if role == Role.THERAPIST or thread_id in live
    }


async def _who_may_see(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor, thread_id: uuid.UUID
) -> list[uuid.UUID]:
    """Members who may see the actor's presence and typing in this thread. Outside a live
    session a therapist is not on call: clients do not see them come, go or type."""
    members = await thread_store.current_members(uow.session, thread_id)
    if actor.role != Role.THERAPIST or await delayed_reply.is_live(
        uow.session, thread_id, ctx.clock.now()
    ):
        return [m.user_id for m in members]
    return [m.user_id for m in members if m.role == Role.THERAPIST]
