"""Which safety numbers a person verified, kept with them rather than in one browser.

The browser encrypts the marks under the account key (docs/crypto.md, "Trust marks"), so
the server stores bytes it cannot read and any device that unlocks the account sees the
same marks. Writes are compare-and-swap on a version: two devices saving at once cannot
silently lose a mark (the loser gets 409, merges and saves again).
"""

from __future__ import annotations

from dataclasses import dataclass

from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput
from messaging.policy import Action, authorize, own
from messaging.storage import trust
from messaging.storage.database import UnitOfWork

MARKS_VERSION = 1
MIN_BLOB = 1 + 24 + 16  # version, nonce, AEAD tag
MAX_BLOB = 64 * 1024


@dataclass(frozen=True, slots=True)
class TrustMarks:
    blob: bytes | None
    version: int


async def my_marks(uow: UnitOfWork, actor: Actor | None) -> TrustMarks:
    allowed = authorize(actor, Action.KEEP_OWN_TRUST_MARKS, own(actor))
    found = await trust.get_marks(uow.session, allowed.user_id)
    return TrustMarks(None, 0) if found is None else TrustMarks(*found)


async def save_marks(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, blob: bytes, version: int
) -> TrustMarks:
    """Replace the marks read at `version` (0: there were none) with `blob`."""
    allowed = authorize(actor, Action.KEEP_OWN_TRUST_MARKS, own(actor))
    if not MIN_BLOB <= len(blob) <= MAX_BLOB or blob[0] != MARKS_VERSION:
        raise InvalidInput("trust: not encrypted trust marks of a known version.")
    if not await trust.replace_marks(uow.session, allowed.user_id, blob, version, ctx.clock.now()):
        raise Conflict("Your trust marks changed on another device. Load them and try again.")
    await uow.commit()
    return TrustMarks(blob, version + 1)
