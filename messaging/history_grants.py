"""Care-team handover: with the client's consent, a therapist who joined the conversation
later can read its history.

The client's browser seals the earlier epoch keys to the new therapist and signs the grant
(crypto/history.py). The server accepts it only from the conversation's client, signed with
their current key, for a current therapist member of the conversation (so of the same
clinic), sealed to that therapist's current key, and only for epochs before the therapist
joined. It stores the seals and hands each recipient only their own. Without a grant a later
therapist holds no key to the earlier epochs: the server has none to give.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import crypto
from crypto import CryptoError
from messaging import audit
from messaging.actors import Actor, Role
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Forbidden, InvalidInput
from messaging.events import publish_after_commit
from messaging.policy import Action
from messaging.storage import accounts
from messaging.storage import history as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.threads import thread_for_member


@dataclass(frozen=True, slots=True)
class HistoryView:
    seals: list[tuple[int, bytes]]  # the caller's own
    granted_to: list[uuid.UUID]  # who has been given history in this conversation


async def grant_history(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID, raw: bytes
) -> int:
    """Store the client's signed grant of earlier epoch keys; returns how many epochs."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.GRANT_HISTORY)
    if thread.client_id != allowed.user_id:
        raise Forbidden("Only the client of this conversation can share its history.")
    try:
        grant = crypto.parse_history_grant(raw)
    except CryptoError:
        raise InvalidInput("grant: not a history grant.") from None
    if grant.thread_id != thread.id:
        raise InvalidInput("grant: made for another conversation.")
    if grant.granter_id != allowed.user_id:
        raise Forbidden("You can only share history as yourself.")
    own_key = await accounts.current_identity_key(uow.session, allowed.user_id)
    if own_key is None or own_key.key_id != grant.granter_key_id:
        raise InvalidInput("grant: not signed with your current key.")
    try:
        crypto.verify_history_grant(grant, own_key.sign_pk)
    except CryptoError:
        raise InvalidInput("grant: the signature does not verify.") from None
    recipient = await thread_store.get_member(uow.session, thread.id, grant.recipient_id)
    if recipient is None or recipient.left_at is not None or recipient.role != Role.THERAPIST:
        raise InvalidInput("grant: that person is not a therapist in this conversation.")
    their_key = await accounts.current_identity_key(uow.session, grant.recipient_id)
    if their_key is None or their_key.key_id != grant.recipient_key_id:
        raise InvalidInput("grant: not sealed to the therapist's current key.")
    if any(epoch >= recipient.joined_epoch for epoch, _ in grant.seals):
        raise InvalidInput("grant: only epochs from before the therapist joined.")
    now = ctx.clock.now()
    await store.replace_seals(
        uow.session, thread.id, grant.recipient_id, allowed.user_id, list(grant.seals), now
    )
    await audit.record(
        uow,
        AuditEntry(
            "history.granted",
            thread.clinic_id,
            allowed.user_id,
            "thread",
            str(thread.id),
            {"therapist_id": str(grant.recipient_id), "epochs": len(grant.seals)},
        ),
        now,
    )
    await publish_after_commit(
        uow,
        ctx.events,
        "thread_updated",
        {
            "thread_id": str(thread.id),
            "reason": "history",
            "epoch": thread.current_epoch,
            "needs_rekey": thread.needs_rekey,
        },
        [allowed.user_id, grant.recipient_id],
        now=now,
    )
    await uow.commit()
    return len(grant.seals)


async def history_seals(uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID) -> HistoryView:
    """The caller's own history seals in the thread, and who has been given history."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return HistoryView(
        await store.seals_for(uow.session, thread.id, allowed.user_id),
        await store.recipients(uow.session, thread.id),
    )
