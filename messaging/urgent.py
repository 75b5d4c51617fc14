"""The urgent flag: a client marks one of their messages urgent; people are told at once.

The server sees that a message is flagged, never what it says. Flagging notifies every
therapist of the thread and the clinic's on-call contacts in the app (a realtime event
and the top of their inbox until someone acknowledges) and by email at once, ignoring
notice mode, digests and quiet hours. The client is shown the clinic's crisis resources
and an honest outlook: who is working now, who was told, when a therapist is back. A
sender may flag at most `MAX_FLAGS_PER_HOUR` messages an hour, so the flag cannot be used
to flood people's phones.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from messaging import audit, jobs
from messaging.actors import Actor, Role
from messaging.audit import AuditEntry
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.crisis_resources import ALWAYS_OPEN, CrisisResource, read_crisis_resources
from messaging.errors import InvalidInput, NotFound, RateLimited
from messaging.events import publish_after_commit
from messaging.policy import Action, Target, authorize, clinic_of, own
from messaging.schedules import schedule_of
from messaging.storage import accounts
from messaging.storage import threads as thread_store
from messaging.storage import urgent as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import UrgentFlagRecord, UserRecord
from messaging.threads import message_for_author, thread_for_member
from messaging.working_time import next_working_start

NOTICE_KIND = "email.urgent_notice"
MAX_FLAGS_PER_HOUR = 20
FLAG_WINDOW = timedelta(hours=1)
MAX_ON_CALL = 20


# Shown when a clinic has set no crisis resources of its own: emergency numbers only.
EMERGENCY_NUMBERS = (
    CrisisResource(
        "Emergency services (European Union and many other countries)",
        phone="112",
        hours=ALWAYS_OPEN,
    ),
    CrisisResource("Emergency services (United States and Canada)", phone="911", hours=ALWAYS_OPEN),
)


async def crisis_resources(uow: UnitOfWork, clinic_id: uuid.UUID) -> tuple[CrisisResource, ...]:
    """The crisis resources to show a client of `clinic_id` right now: the clinic's own
    (set by its admins), or emergency numbers when it has none."""
    return tuple(await read_crisis_resources(uow, clinic_id)) or EMERGENCY_NUMBERS


@dataclass(frozen=True, slots=True)
class Outlook:
    """When a person is likely to see the flag, stated plainly (times in UTC)."""

    therapists_working: bool
    on_call_told: int
    therapists_told: int
    back_at: datetime | None


@dataclass(frozen=True, slots=True)
class Flagged:
    flag: UrgentFlagRecord
    resources: tuple[CrisisResource, ...]
    outlook: Outlook
    duplicate: bool


class FlagPayload(TypedDict):
    """A flag on the wire (documented as `web.models.records.UrgentFlagJson`)."""

    id: str
    message_id: str
    thread_id: str
    sender_id: str
    created_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None


def flag_payload(flag: UrgentFlagRecord) -> FlagPayload:
    """The JSON form of a flag, the same over HTTP and the socket."""
    return {
        "id": str(flag.id),
        "message_id": str(flag.message_id),
        "thread_id": str(flag.thread_id),
        "sender_id": str(flag.sender_id),
        "created_at": iso_utc(flag.created_at),
        "acknowledged_at": iso_utc(flag.acknowledged_at),
        "acknowledged_by": str(flag.acknowledged_by) if flag.acknowledged_by else None,
    }


async def _recipients(
    uow: UnitOfWork, thread_id: uuid.UUID, clinic_id: uuid.UUID
) -> tuple[list[uuid.UUID], list[UserRecord]]:
    members = await thread_store.current_members(uow.session, thread_id)
    therapists = [m.user_id for m in members if m.role == Role.THERAPIST]
    on_call = await store.on_call_of(uow.session, clinic_id)
    return therapists, on_call


async def flag_message(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID
) -> Flagged:
    """Mark the actor's own message urgent and tell every therapist of the thread and the
    clinic's on-call contacts now. Flagging the same message again tells nobody twice.
    The 21st flag within an hour is refused (rate_limited) and changes nothing."""
    allowed, thread, message = await message_for_author(uow, actor, message_id, Action.FLAG_URGENT)
    if message.state != "visible":
        raise InvalidInput("message: only a delivered message can be marked urgent.")
    now = ctx.clock.now()
    therapists, on_call = await _recipients(uow, thread.id, thread.clinic_id)
    outlook = await _outlook(uow, now, therapists, on_call)
    resources = await crisis_resources(uow, thread.clinic_id)
    existing = await store.flag_of_message(uow.session, message.id)
    if existing is not None:
        return Flagged(existing, resources, outlook, duplicate=True)
    recent = await store.flags_since(uow.session, allowed.user_id, now - FLAG_WINDOW)
    if len(recent) >= MAX_FLAGS_PER_HOUR:
        retry = math.ceil((recent[0] + FLAG_WINDOW - now).total_seconds())
        raise RateLimited(
            max(retry, 1),
            "You have marked many messages urgent this hour. Your care team has been told; "
            "if you are in danger, use the crisis resources now.",
        )
    flag = UrgentFlagRecord(
        id=uuid.uuid4(),
        message_id=message.id,
        thread_id=thread.id,
        clinic_id=thread.clinic_id,
        sender_id=allowed.user_id,
        created_at=now,
        acknowledged_at=None,
        acknowledged_by=None,
    )
    await store.insert_flag(uow.session, flag)
    told = sorted(set(therapists) | {u.id for u in on_call})
    for user_id in told:
        await jobs.enqueue(
            uow,
            NOTICE_KIND,
            {"flag_id": str(flag.id), "user_id": str(user_id)},
            now=now,
            dedupe_key=f"urgent:{flag.id}:{user_id}",
            clinic_id=thread.clinic_id,
        )
    await audit.record(
        uow,
        AuditEntry(
            "urgent.flagged",
            thread.clinic_id,
            allowed.user_id,
            "thread",
            str(thread.id),
            {"flag_id": str(flag.id), "people_told": len(told)},
        ),
        now,
    )
    members = [m.user_id for m in await thread_store.current_members(uow.session, thread.id)]
    await publish_after_commit(
        uow, ctx.events, "urgent", dict(flag_payload(flag)), [*members, *told], now=now
    )
    await uow.commit()
    return Flagged(flag, resources, outlook, duplicate=False)


async def _outlook(
    uow: UnitOfWork, now: datetime, therapists: list[uuid.UUID], on_call: list[UserRecord]
) -> Outlook:
    schedules = [await schedule_of(uow, t) for t in therapists]
    working = any(s.hours.is_working(now) for s in schedules)
    starts = [start for s in schedules if (start := next_working_start(now, s.hours)) is not None]
    return Outlook(
        therapists_working=working,
        on_call_told=len(on_call),
        therapists_told=len(therapists),
        back_at=None if working or not starts else min(starts),
    )


async def _flag_for_staff(
    uow: UnitOfWork, actor: Actor | None, flag_id: uuid.UUID
) -> tuple[Actor, UrgentFlagRecord]:
    flag = await store.get_flag(uow.session, flag_id)
    if flag is None:
        raise NotFound("No such urgent message.")
    related = False
    if actor is not None:
        member = await thread_store.get_member(uow.session, flag.thread_id, actor.user_id)
        related = (member is not None and member.left_at is None) or await store.is_on_call(
            uow.session, flag.clinic_id, actor.user_id
        )
    target = Target(flag.clinic_id, actor_is_member=related)
    return authorize(actor, Action.ACKNOWLEDGE_URGENT, target), flag


async def acknowledge(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, flag_id: uuid.UUID
) -> UrgentFlagRecord:
    """A therapist of the thread (or an on-call contact) has seen the flag: it leaves the
    top of the inbox and the client is shown that someone saw it. Acknowledging again
    changes nothing."""
    allowed, flag = await _flag_for_staff(uow, actor, flag_id)
    now = ctx.clock.now()
    if await store.acknowledge(uow.session, flag.id, allowed.user_id, now):
        updated = await store.get_flag(uow.session, flag.id)
        assert updated is not None
        therapists, on_call = await _recipients(uow, flag.thread_id, flag.clinic_id)
        members = [
            m.user_id for m in await thread_store.current_members(uow.session, flag.thread_id)
        ]
        await publish_after_commit(
            uow,
            ctx.events,
            "urgent_updated",
            dict(flag_payload(updated)),
            [*members, *therapists, *(u.id for u in on_call)],
            now=now,
        )
        await audit.record(
            uow,
            AuditEntry(
                "urgent.acknowledged",
                flag.clinic_id,
                allowed.user_id,
                "thread",
                str(flag.thread_id),
                {"flag_id": str(flag.id)},
            ),
            now,
        )
        flag = updated
    await uow.commit()
    return flag


async def thread_flags(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID
) -> list[UrgentFlagRecord]:
    """A thread's urgent flags with their acknowledgements (for its members)."""
    await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return await store.flags_of_thread(uow.session, thread_id)


async def open_flags(uow: UnitOfWork, actor: Actor | None) -> list[UrgentFlagRecord]:
    """Unacknowledged flags the actor must see: in their threads, and the whole clinic's
    if they are on call."""
    allowed = authorize(actor, Action.READ_OPEN_URGENT, own(actor))
    on_call = await store.is_on_call(uow.session, allowed.clinic_id, allowed.user_id)
    return await store.open_flags_for(
        uow.session, allowed.user_id, allowed.clinic_id, on_call=on_call
    )


async def urgent_thread_ids(uow: UnitOfWork, therapist_id: uuid.UUID) -> dict[uuid.UUID, datetime]:
    """For the inbox: threads of the therapist with an unacknowledged flag, and since when."""
    user = await accounts.get_user(uow.session, therapist_id)
    if user is None:
        return {}
    found: dict[uuid.UUID, datetime] = {}
    for flag in await store.open_flags_for(
        uow.session, therapist_id, user.clinic_id, on_call=False
    ):
        found.setdefault(flag.thread_id, flag.created_at)
    return found


async def on_call_contacts(uow: UnitOfWork, actor: Actor | None) -> list[UserRecord]:
    allowed = authorize(actor, Action.MANAGE_ON_CALL, clinic_of(actor))
    return await store.on_call_of(uow.session, allowed.clinic_id)


async def set_on_call_contacts(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, user_ids: list[uuid.UUID]
) -> list[UserRecord]:
    """Replace the clinic's on-call contacts: active therapists or admins of the clinic."""
    allowed = authorize(actor, Action.MANAGE_ON_CALL, clinic_of(actor))
    chosen = sorted(set(user_ids))
    if len(chosen) > MAX_ON_CALL:
        raise InvalidInput(f"user_ids: at most {MAX_ON_CALL} on-call contacts.")
    for user_id in chosen:
        user = await accounts.get_user(uow.session, user_id)
        if user is None or user.clinic_id != allowed.clinic_id:
            raise InvalidInput("user_ids: not a person of this clinic.")
        if user.role == Role.CLIENT or user.status != "active":
            raise InvalidInput("user_ids: on-call contacts are active therapists or admins.")
    now = ctx.clock.now()
    await store.replace_on_call(uow.session, allowed.clinic_id, chosen, now)
    await audit.record(
        uow,
        AuditEntry(
            "clinic.on_call_changed",
            allowed.clinic_id,
            allowed.user_id,
            "clinic",
            str(allowed.clinic_id),
            {"contacts": len(chosen)},
        ),
        now,
    )
    await uow.commit()
    return await store.on_call_of(uow.session, allowed.clinic_id)


@dataclass(frozen=True, slots=True)
class UrgentEmail:
    to: str
    sender_name: str
    on_call: bool


async def urgent_email(
    uow: UnitOfWork, flag_id: uuid.UUID, user_id: uuid.UUID
) -> UrgentEmail | None:
    """For the notice job: whom to email about a flag (None if the flag or the person is
    gone, or it was acknowledged before the job ran). Quiet hours and notice mode are
    ignored on purpose: this is the one email that must go out at once."""
    flag = await store.get_flag(uow.session, flag_id)
    user = await accounts.get_user(uow.session, user_id)
    if flag is None or flag.acknowledged_at is not None:
        return None
    if user is None or user.status != "active":
        return None
    clinic = await accounts.get_clinic(uow.session, user.clinic_id)
    member = await thread_store.get_member(uow.session, flag.thread_id, user_id)
    return UrgentEmail(
        to=user.email,
        sender_name=clinic.sender_name if clinic else "Interlude",
        on_call=member is None or member.left_at is not None,
    )
