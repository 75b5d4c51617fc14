"""What a person may change about how they appear: their display name. Others see it in
conversations, lists and greetings; it is not end-to-end encrypted (the clinic knows who
its people are), and emails never carry it."""

from __future__ import annotations

from messaging import audit
from messaging.actors import Actor, RequestOrigin
from messaging.audit import AuditEntry
from messaging.clinics import MAX_NAME_LENGTH
from messaging.context import ServiceContext
from messaging.errors import InvalidInput, NotFound
from messaging.policy import Action, authorize, own
from messaging.storage import accounts
from messaging.storage.database import UnitOfWork
from messaging.storage.records import UserRecord


async def change_display_name(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, raw: str, origin: RequestOrigin
) -> UserRecord:
    """Set the actor's display name (1 to 200 characters, spaces tidied)."""
    allowed = authorize(actor, Action.CHANGE_OWN_NAME, own(actor))
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"display_name: give a name of 1 to {MAX_NAME_LENGTH} characters.")
    await accounts.set_display_name(uow.session, allowed.user_id, name)
    user = await accounts.get_user(uow.session, allowed.user_id)
    if user is None:
        raise NotFound()
    now = ctx.clock.now()
    await audit.record(
        uow,
        AuditEntry(
            "account.renamed",
            allowed.clinic_id,
            allowed.user_id,
            "user",
            str(user.id),
            ip=origin.ip,
        ),
        now,
    )
    await uow.commit()
    return user
