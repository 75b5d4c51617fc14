"""Job handlers for the account emails: invitations and security notices."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from messaging import notices
from messaging.context import ServiceContext
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry
from messaging.settings import Settings
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.mail import Mailer, PermanentMailError, RenderedMail, compose_email, templates

ROLE_WORDS = {"admin": "administrator", "therapist": "therapist", "client": "client"}


def _when(moment: datetime) -> str:
    return f"{moment:%d %B %Y, %H:%M} UTC"


class AccountEmails:
    """Renders and sends account emails; registered on a worker's job registry."""

    def __init__(
        self, settings: Settings, database: Database, context: ServiceContext, mailer: Mailer
    ) -> None:
        self._settings = settings
        self._database = database
        self._context = context
        self._mailer = mailer

    def register(self, registry: JobRegistry) -> None:
        registry.register("email.invitation", self.invitation)
        registry.register("email.security_notice", self.security_notice)

    async def invitation(self, job: JobRecord) -> None:
        async with self._database.unit_of_work() as uow:
            data = await notices.invitation_email(uow, self._context, _uuid(job, "invitation_id"))
        if data is None:
            return
        rendered = _render(
            lambda: templates.invitation(
                sender_name=data.sender_name,
                accept_url=data.link,
                expires_on=_when(data.expires_at),
                role=ROLE_WORDS[data.role],  # type: ignore[arg-type]
            )
        )
        await self._send(job, rendered, data.to)

    async def security_notice(self, job: JobRecord) -> None:
        session_id = job.payload.get("session_id")
        async with self._database.unit_of_work() as uow:
            data = await notices.security_notice_email(
                uow,
                _uuid(job, "user_id"),
                str(job.payload.get("notice")),
                uuid.UUID(session_id) if session_id else None,
            )
        if data is None:
            return
        account_url = f"{self._settings.public_url}/#/devices"
        when = _when(job.created_at)
        if data.notice == "new_login":
            rendered = _render(
                lambda: templates.security_new_login(
                    sender_name=data.sender_name,
                    device_label=data.device_label or "an unnamed device",
                    signed_in_at=when,
                    devices_url=account_url,
                )
            )
        elif data.notice == "password_changed":
            rendered = _render(
                lambda: templates.security_password_changed(
                    sender_name=data.sender_name, changed_at=when, account_url=account_url
                )
            )
        elif data.notice == "recovery_used":
            rendered = _render(
                lambda: templates.security_recovery_used(
                    sender_name=data.sender_name, used_at=when, account_url=account_url
                )
            )
        else:
            raise PermanentJobFailure(f"unknown security notice {data.notice!r}")
        await self._send(job, rendered, data.to)

    async def _send(self, job: JobRecord, rendered: RenderedMail, to: str) -> None:
        try:
            message = compose_email(
                rendered,
                job_id=job.id,
                to=to,
                mail_from=self._settings.mail_from,
                public_url=self._settings.public_url,
                now=self._context.clock.now(),
            )
            await self._mailer.send(message)
        except ValueError as error:  # a payload that cannot be rendered will not improve
            raise PermanentJobFailure(str(error)) from error
        except PermanentMailError as error:
            raise PermanentJobFailure(error.reason) from error


def _render(build: Callable[[], RenderedMail]) -> RenderedMail:
    try:
        return build()
    except ValueError as error:
        raise PermanentJobFailure(str(error)) from error


def _uuid(job: JobRecord, key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(job.payload[key]))
    except (KeyError, ValueError):
        raise PermanentJobFailure(f"job payload has no valid {key}") from None
