"""Email for the notifier: neutral templates, MIME composition and transports.

Nothing here ever sees health information: templates accept only links, counts,
already-formatted times and the clinic's neutral sender name.
"""

from worker.mail.compose import MailComposer, compose_email
from worker.mail.errors import MailError, PermanentMailError, TemporaryMailError
from worker.mail.kinds import MailKind
from worker.mail.layout import RenderedMail
from worker.mail.transport import (
    Mailer,
    OutboxMailer,
    SmtpConfig,
    SmtpMailer,
    mailer_from_settings,
    parse_smtp_url,
)
from worker.mail.wire import WireEmail, wire_email

__all__ = [
    "MailComposer",
    "MailError",
    "MailKind",
    "Mailer",
    "OutboxMailer",
    "PermanentMailError",
    "RenderedMail",
    "SmtpConfig",
    "SmtpMailer",
    "TemporaryMailError",
    "WireEmail",
    "compose_email",
    "mailer_from_settings",
    "parse_smtp_url",
    "wire_email",
]
