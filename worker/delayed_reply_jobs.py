"""Job handlers for delayed-reply mode: releasing scheduled messages, reminding of overdue
replies and of live sessions."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from messaging import live_sessions, replies, send_later
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import templates
from worker.outgoing import Outgoing, payload_uuid, render


def _moment(job: JobRecord, key: str) -> datetime:
    try:
        return datetime.fromisoformat(str(job.payload[key]))
    except (KeyError, ValueError):
        raise PermanentJobFailure(f"job payload has no valid {key}") from None


def local_words(moment: datetime, time_zone: str) -> str:
    """A time as its reader says it, in their zone: "Tuesday 3 November, 14:00 (Europe/Berlin)"."""
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} ({time_zone})"


class DelayedReplyJobs:
    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing

    def register(self, registry: JobRegistry) -> None:
        # Releases keep a thread's delivery order, so they run one at a time; the emails
        # stand alone.
        registry.register(send_later.RELEASE_KIND, self.release)
        registry.register(replies.OVERDUE_KIND, self.overdue, concurrent=True)
        registry.register(live_sessions.REMINDER_KIND, self.live_session_soon, concurrent=True)
        registry.register(live_sessions.CHANGED_KIND, self.live_session_changed, concurrent=True)

    async def release(self, job: JobRecord) -> None:
        async with self._database.unit_of_work() as uow:
            await send_later.release(
                uow,
                self._outgoing.context,
                payload_uuid(job, "message_id"),
                _moment(job, "deliver_at"),
            )

    async def overdue(self, job: JobRecord) -> None:
        context = self._outgoing.context
        async with self._database.unit_of_work() as uow:
            reminders = await replies.overdue_reminders(
                uow, context, payload_uuid(job, "thread_id"), _moment(job, "due")
            )
        inbox_url = f"{context.public_url}/#/inbox"
        for part, reminder in enumerate(reminders):
            rendered = render(
                partial(
                    templates.overdue_reply_reminder,
                    sender_name=reminder.sender_name,
                    overdue_threads=reminder.count,
                    inbox_url=inbox_url,
                )
            )
            await self._outgoing.send(job, rendered, reminder.to, reminder.unsubscribe_url, part)

    async def live_session_soon(self, job: JobRecord) -> None:
        context = self._outgoing.context
        async with self._database.unit_of_work() as uow:
            emails = await live_sessions.session_emails(
                uow,
                context,
                payload_uuid(job, "session_id"),
                reminder_for=_moment(job, "starts_at"),
            )
        for part, email in enumerate(emails):
            assert email.starts_at is not None
            starts = local_words(email.starts_at, email.time_zone)
            rendered = render(
                partial(
                    templates.live_session_soon,
                    sender_name=email.sender_name,
                    starts_at=starts,
                    session_url=f"{context.public_url}/#/",
                )
            )
            await self._outgoing.send(job, rendered, email.to, email.unsubscribe_url, part)

    async def live_session_changed(self, job: JobRecord) -> None:
        context = self._outgoing.context
        change = job.payload.get("change")
        if change != "moved" and change != "cancelled":
            raise PermanentJobFailure(f"unknown change {change!r}")
        async with self._database.unit_of_work() as uow:
            emails = await live_sessions.session_emails(
                uow, context, payload_uuid(job, "session_id"), reminder_for=None
            )
        for part, email in enumerate(emails):
            new_start = (
                None if email.starts_at is None else local_words(email.starts_at, email.time_zone)
            )
            rendered = render(
                partial(
                    templates.live_session_changed,
                    sender_name=email.sender_name,
                    change=change,
                    new_start=new_start,
                    session_url=f"{context.public_url}/#/",
                )
            )
            await self._outgoing.send(job, rendered, email.to, email.unsubscribe_url, part)
