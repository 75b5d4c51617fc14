"""What the notifier may put in an email, read at send time.

Only neutral facts leave here: an address, the clinic's neutral sender name, links, times
and device labels the user's own browser chose. Never message content, titles or names.
"""

from __future__ import annotations

import uuid
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


async def security_notice_email(
    uow: UnitOfWork, user_id: uuid.UUID, notice: str, session_id: uuid.UUID | None
) -> SecurityNoticeEmail | None:
    """A security notice's data; None if the account is gone or disabled."""
    user = await accounts.get_user(uow.session, user_id)
    if user is None or user.status != "active":
        return None
    clinic = await accounts.get_clinic(uow.session, user.clinic_id)
    device_label = None
    if session_id is not None:
        device_label = await accounts.session_device_label(uow.session, session_id)
    return SecurityNoticeEmail(
        to=user.email,
        sender_name=clinic.sender_name if clinic else "Interlude",
        notice=notice,
        device_label=device_label,
    )
