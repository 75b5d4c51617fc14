"""Job handlers for the account emails: invitations and security notices."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from functools import partial

from messaging import notices, sign_ins
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry, PreparedJob
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import templates
from worker.outgoing import Outgoing, payload_uuid, render

ROLE_WORDS = {"admin": "administrator", "therapist": "therapist", "client": "client"}


def _when(moment: datetime) -> str:
    return f"{moment:%d %B %Y, %H:%M} UTC"


def _notice_request(job: JobRecord) -> notices.SecurityNoticeRequest:
    session_id = job.payload.get("session_id")
    return notices.SecurityNoticeRequest(
        user_id=payload_uuid(job, "user_id"),
        notice=str(job.payload.get("notice")),
        session_id=uuid.UUID(session_id) if session_id else None,
    )


class AccountEmails:
    """Renders and sends account emails; registered on a worker's job registry."""

    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing
        self._settings = outgoing.settings
        self._context = outgoing.context

    def register(self, registry: JobRegistry) -> None:
        registry.register("email.invitation", self.invitation, concurrent=True)
        registry.register(
            "email.security_notice",
            self.security_notice,
            concurrent=True,
            prepare=self.security_notices,
        )

    async def invitation(self, job: JobRecord) -> None:
        async with self._database.unit_of_work() as uow:
            data = await notices.invitation_email(
                uow, self._context, payload_uuid(job, "invitation_id")
            )
        if data is None:
            return
        rendered = render(
            lambda: templates.invitation(
                sender_name=data.sender_name,
                accept_url=data.link,
                expires_on=_when(data.expires_at),
                role=ROLE_WORDS[data.role],  # type: ignore[arg-type]
            )
        )
        await self._outgoing.send(job, rendered, data.to)

    async def security_notice(self, job: JobRecord) -> None:
        """One security notice on its own (outside a batch, or one its batch left out)."""
        async with self._database.autocommit() as uow:
            [data] = await notices.security_notice_emails(uow, [_notice_request(job)])
        await self._send_security_notice(job, data)

    async def security_notices(self, batch: list[JobRecord]) -> dict[int, PreparedJob]:
        """The batch form: every notice's recipient read at once, in one transaction.
        A job whose payload is malformed is left out, to fail on its own."""
        requests: dict[int, notices.SecurityNoticeRequest] = {}
        for job in batch:
            with contextlib.suppress(PermanentJobFailure, ValueError):
                requests[job.id] = _notice_request(job)
        async with self._database.autocommit() as uow:
            found = await notices.security_notice_emails(uow, list(requests.values()))
        jobs = {job.id: job for job in batch}
        return {
            job_id: partial(self._send_security_notice, jobs[job_id], data)
            for job_id, data in zip(requests, found, strict=True)
        }

    async def _send_security_notice(
        self, job: JobRecord, data: notices.SecurityNoticeEmail | None
    ) -> None:
        if data is None:
            return
        account_url = f"{self._settings.public_url}/#/devices"
        when = _when(job.created_at)
        if data.notice == "new_login":
            async with self._database.unit_of_work() as uow:
                count = await sign_ins.take_notice(uow, payload_uuid(job, "user_id"), job.id)
            rendered = render(
                lambda: templates.security_new_login(
                    sender_name=data.sender_name,
                    device_label=data.device_label or "an unnamed device",
                    signed_in_at=when,
                    devices_url=account_url,
                    sign_ins=count,
                )
            )
        elif data.notice == "password_changed":
            rendered = render(
                lambda: templates.security_password_changed(
                    sender_name=data.sender_name, changed_at=when, account_url=account_url
                )
            )
        elif data.notice == "recovery_used":
            rendered = render(
                lambda: templates.security_recovery_used(
                    sender_name=data.sender_name, used_at=when, account_url=account_url
                )
            )
        else:
            raise PermanentJobFailure(f"unknown security notice {data.notice!r}")
        await self._outgoing.send(job, rendered, data.to)
