"""What the notifier may put in an email, read at send time.

Only neutral facts leave here: an address, the clinic's neutral sender name, links, times
and device labels the user's own browser chose. Never message content, titles or names.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from messaging.clinics import invitation_link
from messaging.context import ServiceContext
from messaging.storage import accounts, invitations
from messaging.storage.database import UnitOfWork


@dataclass(frozen=True, slots=True)
class InvitationEmail:
    to: str
    sender_name: str
    link: str
    expires_at: datetime
    role: str


async def invitation_email(
    uow: UnitOfWork, ctx: ServiceContext, invitation_id: uuid.UUID
) -> InvitationEmail | None:
    """The invitation email's data, or None if the invitation is no longer open (revoked,
    used or expired before the worker got to it: nothing to send)."""
    invitation = await invitations.get_invitation(uow.session, invitation_id)
    now = ctx.clock.now()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        return None
    clinic = await accounts.get_clinic(uow.session, invitation.clinic_id)
    if clinic is None:
        return None
    return InvitationEmail(
        to=invitation.email,
        sender_name=clinic.sender_name,
        link=invitation_link(ctx, invitation),
        expires_at=invitation.expires_at,
        role=invitation.role,
    )


@dataclass(frozen=True, slots=True)
class SecurityNoticeEmail:
    to: str
    sender_name: str
    notice: str
    device_label: str | None


@dataclass(frozen=True, slots=True)
class SecurityNoticeRequest:
    """What a security-notice job asks for: whom to tell, what, and the session (device)
    it concerns, if any."""

    user_id: uuid.UUID
    notice: str
    session_id: uuid.UUID | None


async def security_notice_emails(
    uow: UnitOfWork, requests: Sequence[SecurityNoticeRequest]
) -> list[SecurityNoticeEmail | None]:
    """The data of each requested security notice, in order; None where the account is
    gone or disabled. Two queries however many there are (recipients with their clinics,
    then device labels), so a worker reads a whole batch's at once."""
    recipients = await accounts.active_recipients(
        uow.session, {request.user_id for request in requests}
    )
    labels = await accounts.session_device_labels(
        uow.session,
        {
            request.session_id
            for request in requests
            if request.session_id is not None and request.user_id in recipients
        },
    )
    emails: list[SecurityNoticeEmail | None] = []
    for request in requests:
        recipient = recipients.get(request.user_id)
        emails.append(
            None
            if recipient is None
            else SecurityNoticeEmail(
                to=recipient.email,
                sender_name=recipient.sender_name or "Interlude",
                notice=request.notice,
                device_label=(
                    None if request.session_id is None else labels.get(request.session_id)
                ),
            )
        )
    return emails
