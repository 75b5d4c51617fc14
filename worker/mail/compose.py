"""Turn a rendered template into a complete `EmailMessage` with the headers we promise."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from worker.mail.layout import RenderedMail, checked_link

KIND_HEADER = "X-Interlude-Kind"


def message_id(*, job_id: int, kind: str, public_url: str, part: int = 0) -> str:
    """The Message-ID of email number `part` sent by job `job_id` (a job that emails
    several people numbers them): the same on every attempt, so a re-send after a crash is
    recognisable as a duplicate, and different for every job and recipient."""
    host = urlsplit(public_url).hostname
    if not host:
        raise ValueError("public_url has no host")
    right = f"[{host}]" if ":" in host else host
    suffix = f"-{part}" if part else ""
    return f"<job-{job_id}{suffix}.{kind}@{right}>"


def compose_email(
    rendered: RenderedMail,
    *,
    job_id: int,
    to: str,
    mail_from: str,
    public_url: str,
    now: datetime,
    unsubscribe_url: str | None = None,
    part: int = 0,
) -> EmailMessage:
    """A multipart/alternative email (text part first, then HTML) to the bare address `to`.

    `From` shows the clinic's neutral sender name (from the template) with the address of
    `mail_from` (e.g. the configured `INTERLUDE_MAIL_FROM`); `Message-ID` is stable per job;
    `now` (timezone-aware) becomes `Date`. For kinds other than security notices, an
    `unsubscribe_url` (already signed) adds RFC 8058 one-click unsubscribe headers;
    security notices never carry them, whatever is passed. Raises ValueError for a
    malformed address, a naive `now` or an unsafe unsubscribe URL.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    message = EmailMessage()
    message["Message-ID"] = message_id(
        job_id=job_id, kind=rendered.kind, public_url=public_url, part=part
    )
    message["Date"] = format_datetime(now)
    message["From"] = Address(display_name=rendered.sender_name, addr_spec=_address(mail_from))
    message["To"] = Address(addr_spec=_bare_address(to))
    message["Subject"] = rendered.subject
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = rendered.kind
    if unsubscribe_url is not None and not rendered.kind.is_security:
        url = checked_link(unsubscribe_url, field="unsubscribe_url")
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps both parts 7-bit clean for any relay.
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message


def _address(mail_from: str) -> str:
    """The address part of `mail_from`, which may be `Name <addr>` or a bare address."""
    _, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError("mail_from has no email address")
    return _bare_address(address)


def _bare_address(address: str) -> str:
    # Address() rejects anything but a single addr-spec, so no display name (which could
    # carry a person's name) and no header injection can get through.
    return Address(addr_spec=address).addr_spec
