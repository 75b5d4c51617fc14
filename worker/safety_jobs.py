"""Job handlers for records and safety: urgent notices, account deletion, retention and
the expiry of consultation requests."""

from __future__ import annotations

from functools import partial

from messaging import urgent
from messaging.jobs import JobRegistry
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import templates
from worker.outgoing import Outgoing, payload_uuid, render


class SafetyJobs:
    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing

    def register(self, registry: JobRegistry) -> None:
        registry.register(urgent.NOTICE_KIND, self.urgent_notice)

    async def urgent_notice(self, job: JobRecord) -> None:
        """At once, whatever the recipient's quiet hours or notice mode."""
        async with self._database.unit_of_work() as uow:
            email = await urgent.urgent_email(
                uow, payload_uuid(job, "flag_id"), payload_uuid(job, "user_id")
            )
        if email is None:
            return
        rendered = render(
            partial(
                templates.urgent_notice,
                sender_name=email.sender_name,
                on_call=email.on_call,
                inbox_url=f"{self._outgoing.context.public_url}/#/inbox",
            )
        )
        await self._outgoing.send(job, rendered, email.to)
