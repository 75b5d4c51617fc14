"""Job handlers for new-message notices and digests: counts and a link, nothing more."""

from __future__ import annotations

from datetime import datetime

from messaging import notifications
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import templates
from worker.outgoing import Outgoing, payload_uuid, render


class MessageEmails:
    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing

    def register(self, registry: JobRegistry) -> None:
        registry.register(notifications.NOTICE_KIND, self.notice, concurrent=True)
        registry.register(notifications.DIGEST_KIND, self.digest, concurrent=True)

    async def notice(self, job: JobRecord) -> None:
        user_id = payload_uuid(job, "user_id")
        context = self._outgoing.context
        decided_at = context.clock.now()
        async with self._database.unit_of_work() as uow:
            email = await notifications.notice_to_send(uow, context, user_id, job.id)
        if email is None:
            return
        rendered = render(
            lambda: templates.new_message_notice(
                sender_name=email.sender_name,
                new_messages=email.new_messages,
                open_url=email.open_url,
            )
        )
        await self._outgoing.send(job, rendered, email.to, email.unsubscribe_url)
        async with self._database.unit_of_work() as uow:
            await notifications.finish_notice(uow, context, user_id, job.id, decided_at)

    async def digest(self, job: JobRecord) -> None:
        user_id = payload_uuid(job, "user_id")
        try:
            due = datetime.fromisoformat(str(job.payload["due"]))
        except (KeyError, ValueError):
            raise PermanentJobFailure("job payload has no valid due time") from None
        async with self._database.unit_of_work() as uow:
            email = await notifications.digest_to_send(uow, self._outgoing.context, user_id, due)
        if email is None:
            return
        rendered = render(
            lambda: templates.digest(
                sender_name=email.sender_name,
                new_messages=email.new_messages,
                threads_with_news=email.threads_with_news,
                period=email.period,
                open_url=email.open_url,
            )
        )
        await self._outgoing.send(job, rendered, email.to, email.unsubscribe_url)
