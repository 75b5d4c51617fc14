"""Job handlers for records and safety: urgent notices, account deletion, retention and
the expiry of consultation requests."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from messaging import consultations, deletion, retention, urgent
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
        registry.register(deletion.DELETE_KIND, self.delete_account)
        registry.register(consultations.EXPIRE_KIND, self.expire_consultations)
        registry.register(retention.SWEEP_KIND, self.retention_sweep)

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

    async def delete_account(self, job: JobRecord) -> None:
        """Erase, confirm by email, then forget the address. Safe to run again at any
        point: a finished deletion erases and sends nothing."""
        context = self._outgoing.context
        user_id = payload_uuid(job, "user_id")
        confirmation = await deletion.erase(self._database, context, user_id)
        if confirmation is not None:
            day = confirmation.deleted_on.astimezone(ZoneInfo("UTC"))
            rendered = render(
                partial(
                    templates.account_deleted,
                    sender_name=confirmation.sender_name,
                    deleted_on=f"{day.day} {day:%B %Y}",
                    about_url=f"{context.public_url}/",
                )
            )
            await self._outgoing.send(job, rendered, confirmation.to)
        await deletion.finish(self._database, context, user_id)

    async def expire_consultations(self, job: JobRecord) -> None:
        async with self._database.unit_of_work() as uow:
            await consultations.expire(uow, self._outgoing.context)

    async def retention_sweep(self, job: JobRecord) -> None:
        await retention.sweep(
            self._database, self._outgoing.context, payload_uuid(job, "clinic_id")
        )
