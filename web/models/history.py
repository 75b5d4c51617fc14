"""Care-team handover on the wire: the client's signed history grant and the seals a
later therapist reads."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypedDict

from crypto.history import MAX_GRANT_EPOCHS
from web.models.fields import Base64, Base64Text, IdText, Input

# Version, three user/thread ids and two key ids (16 bytes each), a count, an epoch and a
# seal per epoch, a signature.
MAX_GRANT_BYTES = 1 + 16 * 4 + 16 + 2 + MAX_GRANT_EPOCHS * (8 + 104) + 64


class HistoryGrant(Input):
    """Made and signed by the conversation's client (crypto/history.py)."""

    grant: Annotated[bytes, Base64(max_size=MAX_GRANT_BYTES)]


class HistoryGranted(TypedDict):
    epochs: int


class HistorySealJson(TypedDict):
    epoch: int
    seal: Base64Text


class HistorySeals(TypedDict):
    """The caller's own seals, and everyone given history in this conversation."""

    seals: list[HistorySealJson]
    granted_to: list[IdText]
