"""Turning a rendered email into a sent one, for every job handler that emails."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from messaging import metrics
from messaging.context import ServiceContext
from messaging.errors import PermanentJobFailure
from messaging.settings import Settings
from messaging.storage.jobs import JobRecord
from worker.mail import MailComposer, Mailer, PermanentMailError, RenderedMail


class Outgoing:
    """Composes (stable Message-ID per job) and sends; failures that retrying cannot fix
    become PermanentJobFailure, temporary ones propagate so the job backs off."""

    def __init__(self, settings: Settings, context: ServiceContext, mailer: Mailer) -> None:
        self.settings = settings
        self.context = context
        self.mailer = mailer
        self.composer = MailComposer(mail_from=settings.mail_from, public_url=settings.public_url)

    async def send(
        self,
        job: JobRecord,
        rendered: RenderedMail,
        to: str,
        unsubscribe_url: str | None = None,
        part: int = 0,
    ) -> None:
        try:
            email = self.composer.compose(
                rendered,
                job_id=job.id,
                to=to,
                now=self.context.clock.now(),
                unsubscribe_url=unsubscribe_url,
                part=part,
            )
        except ValueError as error:  # a payload that cannot be rendered will not improve
            raise PermanentJobFailure(str(error)) from error
        try:
            await self.mailer.send(email)
        except Exception as error:
            metrics.emails.labels("failed").inc()
            if isinstance(error, PermanentMailError):
                raise PermanentJobFailure(error.reason) from error
            raise
        metrics.emails.labels("sent").inc()


def render(build: Callable[[], RenderedMail]) -> RenderedMail:
    try:
        return build()
    except ValueError as error:
        raise PermanentJobFailure(str(error)) from error


def payload_uuid(job: JobRecord, key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(job.payload[key]))
    except (KeyError, ValueError):
        raise PermanentJobFailure(f"job payload has no valid {key}") from None
