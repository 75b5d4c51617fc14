"""Reply-by times: set when a client's message awaits a reply, cleared by a therapist's
reply, shown to the client in their own zone, ordered in the therapist's inbox, reminded
once when overdue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from messaging import jobs, urgent
from messaging.actors import Actor, Role
from messaging.context import ServiceContext
from messaging.policy import Action, authorize, clinic_of, own
from messaging.preferences import preferences_of, unsubscribe_url
from messaging.schedules import Schedule, schedule_of, schedules_of
from messaging.storage import accounts
from messaging.storage import delayed_reply as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    LiveSessionRecord,
    MessageRecord,
    ThreadMemberRecord,
    ThreadRecord,
)
from messaging.threads import thread_for_member
from messaging.working_time import next_working_start, reply_due

OVERDUE_KIND = "email.overdue_reply"


async def therapists_of(uow: UnitOfWork, thread_id: uuid.UUID) -> list[uuid.UUID]:
    members = await thread_store.current_members(uow.session, thread_id)
    return [m.user_id for m in members if m.role == Role.THERAPIST]


async def message_counted(
    uow: UnitOfWork,
    ctx: ServiceContext,
    thread: ThreadRecord,
    message: MessageRecord,
    members: list[ThreadMemberRecord],
) -> None:
    """In the message's transaction (with the thread's current `members`): a client's
    message starts the wait (if none is running); a therapist's message ends it."""
    sender = next((m for m in members if m.user_id == message.sender_id), None)
    if sender is None:
        return
    if sender.role == Role.THERAPIST:
        if thread.reply_due_at is not None:
            await store.clear_awaiting(uow.session, thread.id)
        return
    if thread.reply_due_at is not None:
        return
    therapists = [m.user_id for m in members if m.role == Role.THERAPIST]
    if not therapists:
        return
    arrived = message.created_at
    schedules = await schedules_of(uow, therapists)
    due = min(reply_due(arrived, s.hours, s.commitment) for s in schedules)
    await store.set_awaiting(uow.session, thread.id, arrived, due)
    await jobs.enqueue(
        uow,
        OVERDUE_KIND,
        {"thread_id": str(thread.id), "due": due.isoformat()},
        now=ctx.clock.now(),
        run_at=due,
        dedupe_key=f"overdue:{thread.id}:{due.isoformat()}",
        clinic_id=thread.clinic_id,
    )


@dataclass(frozen=True, slots=True)
class Expectations:
    """What a member sees about when to expect a reply (times in UTC; clients render
    them in their own zone)."""

    awaiting_since: datetime | None
    reply_due_at: datetime | None
    therapists_working: bool
    back_at: datetime | None
    away_message: str | None
    live_sessions: list[LiveSessionRecord]
    live_now: bool


async def expectations(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID
) -> Expectations:
    """When to expect a reply, and the away message while no therapist is working."""
    _, thread = await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    now = ctx.clock.now()
    therapists = await therapists_of(uow, thread.id)
    schedules: list[Schedule] = [await schedule_of(uow, t) for t in therapists]
    working = any(s.hours.is_working(now) for s in schedules)
    starts = [start for s in schedules if (start := next_working_start(now, s.hours)) is not None]
    sessions = await store.live_sessions_of(uow.session, thread.id, ending_after=now)
    return Expectations(
        awaiting_since=thread.awaiting_since,
        reply_due_at=thread.reply_due_at,
        therapists_working=working,
        back_at=None if working or not starts else min(starts),
        away_message=None if working or not schedules else schedules[0].away_message,
        live_sessions=sessions,
        live_now=any(s.starts_at <= now < s.ends_at for s in sessions),
    )


async def inbox(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[tuple[ThreadRecord, datetime | None]]:
    """The therapist's threads awaiting a reply, soonest due first, headed by threads with
    an unacknowledged urgent message (oldest flag first), each with when it was flagged."""
    allowed = authorize(actor, Action.READ_INBOX, own(actor))
    waiting = await store.awaiting_threads_of(uow.session, allowed.user_id)
    flagged = await urgent.urgent_thread_ids(uow, allowed.user_id)
    known = {t.id for t in waiting}
    for thread_id in flagged:
        if thread_id not in known and (
            found := await thread_store.get_thread(uow.session, thread_id)
        ):
            waiting.append(found)
    head = sorted((t for t in waiting if t.id in flagged), key=lambda t: flagged[t.id])
    return [(t, flagged[t.id]) for t in head] + [(t, None) for t in waiting if t.id not in flagged]


async def overdue_counts(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[tuple[uuid.UUID, str, int]]:
    """For a clinic admin: how many threads each therapist has overdue (counts only)."""
    allowed = authorize(actor, Action.READ_OVERDUE_COUNTS, clinic_of(actor))
    return await store.overdue_counts(uow.session, allowed.clinic_id, ctx.clock.now())


@dataclass(frozen=True, slots=True)
class ReminderEmail:
    to: str
    sender_name: str
    count: int
    unsubscribe_url: str


async def overdue_reminders(
    uow: UnitOfWork, ctx: ServiceContext, thread_id: uuid.UUID, due: datetime
) -> list[ReminderEmail]:
    """For the reminder job: the therapists to remind that this thread became overdue at
    `due`, each with their number of overdue threads. None if it was answered meanwhile
    (a later wait has its own job), or for those who turned reminders off."""
    thread = await thread_store.get_thread(uow.session, thread_id)
    if thread is None or thread.reply_due_at != due:
        return []
    now = ctx.clock.now()
    reminders = []
    for therapist_id in await therapists_of(uow, thread.id):
        user = await accounts.get_user(uow.session, therapist_id)
        if user is None or user.status != "active":
            continue
        if not (await preferences_of(uow, therapist_id, now)).reminders:
            continue
        clinic = await accounts.get_clinic(uow.session, user.clinic_id)
        waiting = await store.awaiting_threads_of(uow.session, therapist_id)
        overdue = sum(1 for t in waiting if t.reply_due_at is not None and t.reply_due_at <= now)
        reminders.append(
            ReminderEmail(
                to=user.email,
                sender_name=clinic.sender_name if clinic else "Interlude",
                count=max(overdue, 1),
                unsubscribe_url=unsubscribe_url(ctx, therapist_id, "reminders"),
            )
        )
    return reminders
