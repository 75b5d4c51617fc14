"""How emails leave the worker: the `Mailer` port and the choice of adapter.

`SmtpMailer` talks to a relay (production); `OutboxMailer` writes `.eml` files (the
embedded mode, and anywhere no SMTP server is configured).
"""

from __future__ import annotations

from typing import Protocol

from messaging.settings import Settings
from worker.mail.outbox import OutboxMailer
from worker.mail.smtp import SmtpConfig, SmtpMailer, parse_smtp_url
from worker.mail.wire import WireEmail


class Mailer(Protocol):
    async def send(self, email: WireEmail) -> None:
        """Hand `email` over for delivery; several sends may be in flight at once. Raises
        `TemporaryMailError` when retrying may help and `PermanentMailError` when it
        cannot."""
        ...

    async def close(self) -> None:
        """Release connections; safe to call more than once."""
        ...


def mailer_from_settings(settings: Settings) -> Mailer:
    """SMTP when `INTERLUDE_SMTP_URL` is set, else `.eml` files in the data directory's
    mail outbox."""
    if settings.smtp_url is not None:
        return SmtpMailer.from_url(settings.smtp_url)
    return OutboxMailer(settings.mail_outbox_dir)


__all__ = [
    "Mailer",
    "OutboxMailer",
    "SmtpConfig",
    "SmtpMailer",
    "mailer_from_settings",
    "parse_smtp_url",
]
