"""New-message notices and digests: when to email, and what the email may say.

A notice is queued when someone receives a message and has none pending; it fires after
their chosen delay, is skipped if by then they have read everything, waits out their
quiet hours, and covers every message that arrived meanwhile (one email per burst). A
digest counts what arrived during the local day or week just ended. Neither ever carries
more than counts and a link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from messaging import jobs
from messaging.context import ServiceContext
from messaging.errors import JobNotDueYet
from messaging.local_time import previous_occurrence, quiet_hours_end, zone
from messaging.preferences import (
    defaults,
    preferences_of,
    schedule_next_digest,
    unsubscribe_url,
)
from messaging.storage import accounts
from messaging.storage import notifications as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import MessageRecord, UserRecord

NOTICE_KIND = "email.new_message_notice"
DIGEST_KIND = "email.digest"
LIVE_NOTICE_DELAY = timedelta(minutes=1)


async def message_arrived(
    uow: UnitOfWork, ctx: ServiceContext, message: MessageRecord, recipients: list[uuid.UUID]
) -> None:
    """In the sender's transaction: queue a notice for each recipient who wants immediate
    notices and has none pending. During a live session notices are immediate (after a
    minute, in case they read it at once) for everyone who has not turned them off."""
    now = ctx.clock.now()
    others = [user_id for user_id in recipients if user_id != message.sender_id]
    live, targets = await store.notice_targets(uow.session, message.thread_id, others, now)
    for target in targets:
        preferences = target.preferences or defaults(target.user_id, now, target.time_zone)
        wanted = (
            preferences.message_mode != "off" if live else preferences.message_mode == "immediate"
        )
        if not wanted or target.pending:
            continue
        delay = LIVE_NOTICE_DELAY if live else timedelta(minutes=preferences.notice_delay_minutes)
        job_id = await jobs.enqueue(
            uow,
            NOTICE_KIND,
            {"user_id": str(target.user_id)},
            now=now,
            run_at=now + delay,
            clinic_id=target.clinic_id,
        )
        await store.add_pending_notice(uow.session, target.user_id, now, job_id)


async def _queue_notice(
    uow: UnitOfWork, user_id: uuid.UUID, now: datetime, delay: timedelta
) -> int:
    user = await accounts.get_user(uow.session, user_id)
    return await jobs.enqueue(
        uow,
        NOTICE_KIND,
        {"user_id": str(user_id)},
        now=now,
        run_at=now + delay,
        clinic_id=user.clinic_id if user else None,
    )


@dataclass(frozen=True, slots=True)
class CountsEmail:
    """A notice or digest to send: an address, the neutral sender, counts and links."""

    to: str
    sender_name: str
    new_messages: int
    threads_with_news: int
    open_url: str
    unsubscribe_url: str
    period: str = ""


async def _recipient(uow: UnitOfWork, user_id: uuid.UUID) -> tuple[UserRecord, str] | None:
    user = await accounts.get_user(uow.session, user_id)
    if user is None or user.status != "active":
        return None
    clinic = await accounts.get_clinic(uow.session, user.clinic_id)
    return user, clinic.sender_name if clinic else "Interlude"


async def notice_to_send(
    uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID, job_id: int
) -> CountsEmail | None:
    """What this notice job should send now, or None if nothing is unread any more (or
    the person turned notices off). Raises JobNotDueYet during their quiet hours."""
    now = ctx.clock.now()
    pending = await store.pending_notice(uow.session, user_id)
    found = await _recipient(uow, user_id)
    preferences = await preferences_of(uow, user_id, now)
    if pending is None or pending[1] != job_id or found is None:
        return None
    if preferences.message_mode == "off":
        await finish_notice(uow, ctx, user_id, job_id, now)
        return None
    if preferences.quiet_start is not None and preferences.quiet_end is not None:
        quiet_until = quiet_hours_end(
            now, zone(preferences.time_zone), preferences.quiet_start, preferences.quiet_end
        )
        if quiet_until is not None:
            raise JobNotDueYet(quiet_until)
    unread, threads = await store.unread_counts(uow.session, user_id)
    if unread == 0:
        await finish_notice(uow, ctx, user_id, job_id, now)
        return None
    user, sender_name = found
    return CountsEmail(
        to=user.email,
        sender_name=sender_name,
        new_messages=unread,
        threads_with_news=threads,
        open_url=f"{ctx.public_url}/#/",
        unsubscribe_url=unsubscribe_url(ctx, user_id, "messages"),
    )


async def finish_notice(
    uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID, job_id: int, decided_at: datetime
) -> None:
    """The notice is done. Messages that arrived after it was decided get a fresh notice
    (they found this one pending and queued none)."""
    now = ctx.clock.now()
    newer, _ = await store.unread_counts(uow.session, user_id, created_after=decided_at)
    if newer:
        preferences = await preferences_of(uow, user_id, now)
        delay = timedelta(minutes=preferences.notice_delay_minutes)
        next_job = await _queue_notice(uow, user_id, now, delay)
        await store.repoint_pending_notice(uow.session, user_id, now, next_job)
    else:
        await store.clear_pending_notice(uow.session, user_id, job_id)
    await uow.commit()


async def digest_to_send(
    uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID, due: datetime
) -> CountsEmail | None:
    """The digest due at `due`: what the user received since the previous digest time in
    their zone (a local day or week, however many hours DST makes it). Queues the next
    one. None if they no longer want digests or nothing arrived."""
    now = ctx.clock.now()
    found = await _recipient(uow, user_id)
    preferences = await preferences_of(uow, user_id, now)
    if found is None or preferences.message_mode != "digest":
        return None
    user, sender_name = found
    tz = zone(preferences.time_zone)
    weekday = preferences.digest_weekday if preferences.digest_frequency == "weekly" else None
    start = previous_occurrence(due, tz, time(preferences.digest_hour), weekday)
    received, threads = await store.received_between(uow.session, user_id, start, due)
    await schedule_next_digest(uow, preferences, due, user.clinic_id)
    await uow.commit()
    if received == 0:
        return None
    return CountsEmail(
        to=user.email,
        sender_name=sender_name,
        new_messages=received,
        threads_with_news=threads,
        open_url=f"{ctx.public_url}/#/",
        unsubscribe_url=unsubscribe_url(ctx, user_id, "messages"),
        period="in the last day" if weekday is None else "in the last week",
    )
