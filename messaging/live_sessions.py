"""Live text sessions: scheduled windows in which a thread is live.

Inside a window members see each other's presence and typing and notices are immediate;
outside it the thread is in delayed-reply mode. A reminder goes out before a session
starts (once per start time); moving or cancelling a session tells both parties.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from messaging import jobs
from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.events import publish_after_commit
from messaging.policy import Action
from messaging.preferences import preferences_of, unsubscribe_url
from messaging.storage import accounts
from messaging.storage import delayed_reply as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import LiveSessionRecord
from messaging.threads import thread_for_member

REMINDER_KIND = "email.live_session_soon"
CHANGED_KIND = "email.live_session_changed"
REMINDER_LEAD = timedelta(minutes=15)
MAX_LENGTH = timedelta(hours=4)
MAX_AHEAD = timedelta(days=366)


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: the session must end after it starts.")
    if ends_at - starts_at > MAX_LENGTH:
        raise InvalidInput("ends_at: a live session lasts at most 4 hours.")
    if ends_at <= now:
        raise InvalidInput("starts_at: that time is already over.")
    if starts_at - now > MAX_AHEAD:
        raise InvalidInput("starts_at: at most a year ahead.")


async def schedule_session(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> LiveSessionRecord:
    """A therapist of the thread schedules a live session; both parties are told."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.MANAGE_LIVE_SESSIONS)
    now = ctx.clock.now()
    _check_window(starts_at, ends_at, now)
    session = LiveSessionRecord(
        uuid.uuid4(), thread.id, allowed.user_id, starts_at, ends_at, now, None
    )
    await store.insert_live_session(uow.session, session)
    await _remind_before(uow, ctx, session, thread.clinic_id)
    await _announce(uow, ctx, session, "scheduled")
    await uow.commit()
    return session


async def _session_for_therapist(
    uow: UnitOfWork, actor: Actor | None, session_id: uuid.UUID
) -> LiveSessionRecord:
    session = await store.get_live_session(uow.session, session_id)
    if session is None:
        raise NotFound("No such live session.")
    await thread_for_member(uow, actor, session.thread_id, Action.MANAGE_LIVE_SESSIONS)
    if session.cancelled_at is not None:
        raise Conflict("That session was cancelled.")
    return session


async def move_session(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    session_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> LiveSessionRecord:
    session = await _session_for_therapist(uow, actor, session_id)
    now = ctx.clock.now()
    _check_window(starts_at, ends_at, now)
    await store.move_live_session(uow.session, session.id, starts_at, ends_at)
    moved = await store.get_live_session(uow.session, session.id)
    assert moved is not None
    thread = await thread_store.get_thread(uow.session, session.thread_id)
    assert thread is not None
    await _remind_before(uow, ctx, moved, thread.clinic_id)
    await _tell_of_change(uow, ctx, moved, "moved", thread.clinic_id)
    await _announce(uow, ctx, moved, "moved")
    await uow.commit()
    return moved


async def cancel_session(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, session_id: uuid.UUID
) -> LiveSessionRecord:
    session = await _session_for_therapist(uow, actor, session_id)
    await store.cancel_live_session(uow.session, session.id, ctx.clock.now())
    cancelled = await store.get_live_session(uow.session, session.id)
    assert cancelled is not None
    thread = await thread_store.get_thread(uow.session, session.thread_id)
    assert thread is not None
    await _tell_of_change(uow, ctx, cancelled, "cancelled", thread.clinic_id)
    await _announce(uow, ctx, cancelled, "cancelled")
    await uow.commit()
    return cancelled


async def sessions_of(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID
) -> list[LiveSessionRecord]:
    """The thread's current and upcoming sessions (members only)."""
    await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return await store.live_sessions_of(uow.session, thread_id, ending_after=ctx.clock.now())


async def _remind_before(
    uow: UnitOfWork, ctx: ServiceContext, session: LiveSessionRecord, clinic_id: uuid.UUID
) -> None:
    """One reminder per start time, REMINDER_LEAD before it (a moved session gets a new
    one; the old one finds the start changed and sends nothing). A session starting sooner
    than that gets none: a reminder must come before the session, never after it starts."""
    remind_at = session.starts_at - REMINDER_LEAD
    if remind_at < ctx.clock.now():
        return
    await jobs.enqueue(
        uow,
        REMINDER_KIND,
        {"session_id": str(session.id), "starts_at": session.starts_at.isoformat()},
        now=ctx.clock.now(),
        run_at=remind_at,
        dedupe_key=f"live-reminder:{session.id}:{session.starts_at.isoformat()}",
        clinic_id=clinic_id,
    )


async def _tell_of_change(
    uow: UnitOfWork,
    ctx: ServiceContext,
    session: LiveSessionRecord,
    change: str,
    clinic_id: uuid.UUID,
) -> None:
    await jobs.enqueue(
        uow,
        CHANGED_KIND,
        {"session_id": str(session.id), "change": change},
        now=ctx.clock.now(),
        clinic_id=clinic_id,
    )


async def _announce(
    uow: UnitOfWork, ctx: ServiceContext, session: LiveSessionRecord, reason: str
) -> None:
    members = [
        m.user_id for m in await thread_store.current_members(uow.session, session.thread_id)
    ]
    await publish_after_commit(
        uow,
        ctx.events,
        "live_session",
        {
            "thread_id": str(session.thread_id),
            "session_id": str(session.id),
            "reason": reason,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
        },
        members,
        now=ctx.clock.now(),
    )


@dataclass(frozen=True, slots=True)
class SessionEmail:
    to: str
    sender_name: str
    time_zone: str
    starts_at: datetime | None
    unsubscribe_url: str


async def session_emails(
    uow: UnitOfWork, ctx: ServiceContext, session_id: uuid.UUID, *, reminder_for: datetime | None
) -> list[SessionEmail]:
    """Who to email about a session: both parties (who want reminders), with their zone.
    For a reminder, nothing if the session was cancelled or moved since."""
    session = await store.get_live_session(uow.session, session_id)
    if session is None:
        return []
    now = ctx.clock.now()
    if reminder_for is not None and (
        session.cancelled_at is not None
        or session.starts_at != reminder_for
        or session.starts_at <= now  # a worker running late: a reminder after the start is noise
    ):
        return []
    emails = []
    for member in await thread_store.current_members(uow.session, session.thread_id):
        user = await accounts.get_user(uow.session, member.user_id)
        preferences = await preferences_of(uow, member.user_id, now)
        if user is None or user.status != "active" or not preferences.reminders:
            continue
        clinic = await accounts.get_clinic(uow.session, user.clinic_id)
        emails.append(
            SessionEmail(
                to=user.email,
                sender_name=clinic.sender_name if clinic else "Interlude",
                time_zone=preferences.time_zone,
                starts_at=None if session.cancelled_at else session.starts_at,
                unsubscribe_url=unsubscribe_url(ctx, user.id, "reminders"),
            )
        )
    return emails
