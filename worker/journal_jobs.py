"""Job handlers for journaling prompts: firing a prompt at its due time, and the neutral
email that says only that a prompt is waiting."""

from __future__ import annotations

from datetime import datetime

from messaging import prompt_delivery, prompts
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import templates
from worker.outgoing import Outgoing, payload_uuid, render


class JournalJobs:
    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing

    def register(self, registry: JobRegistry) -> None:
        registry.register(prompts.FIRE_KIND, self.fire)
        registry.register(prompt_delivery.EMAIL_KIND, self.email)

    async def fire(self, job: JobRecord) -> None:
        try:
            due = datetime.fromisoformat(str(job.payload["due"]))
        except (KeyError, ValueError):
            raise PermanentJobFailure("job payload has no valid due time") from None
        async with self._database.unit_of_work() as uow:
            await prompt_delivery.fire(
                uow, self._outgoing.context, payload_uuid(job, "prompt_id"), due
            )

    async def email(self, job: JobRecord) -> None:
        async with self._database.unit_of_work() as uow:
            email = await prompt_delivery.prompt_email_to_send(
                uow, self._outgoing.context, payload_uuid(job, "user_id")
            )
        if email is None:
            return
        rendered = render(
            lambda: templates.journaling_prompt(
                sender_name=email.sender_name,
                wording=email.wording,
                journal_url=email.journal_url,
            )
        )
        await self._outgoing.send(job, rendered, email.to, email.unsubscribe_url)
