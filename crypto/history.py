"""History grants: a client hands earlier epoch keys of their conversation to a therapist who
joined it later (a covering or new therapist), so they can read the history.

A grant is signed by the client and carries one seal per earlier epoch, each the epoch key
sealed to the recipient's encryption key exactly as in a commit (`seal_epoch_key`). Only a
holder of those epoch keys can make the seals, and only the recipient can open them; the
signature says the client, not the server or another therapist, gave them (docs/crypto.md,
"History grants").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.epochs import MAX_EPOCH, SEAL_BYTES, seal_epoch_key
from crypto.errors import BadSignatureError, MalformedError, UnsupportedVersionError
from crypto.identity import Identity, key_id
from crypto.primitives import Rng, os_random

GRANT_VERSION = 1
GRANT_CONTEXT = b"interlude/history-grant/v1\x00"
MAX_GRANT_EPOCHS = 4096
KEY_ID_BYTES = 16
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class HistoryGrant:
    thread_id: uuid.UUID
    granter_id: uuid.UUID
    granter_key_id: bytes
    recipient_id: uuid.UUID
    recipient_key_id: bytes
    seals: tuple[tuple[int, bytes], ...]  # (epoch, seal), epochs strictly increasing
    body: bytes
    signature: bytes


def create_history_grant(
    granter: Identity,
    thread_id: uuid.UUID,
    recipient_id: uuid.UUID,
    recipient_key_id: bytes,
    recipient_box_pk: bytes,
    epoch_keys: Sequence[tuple[int, bytes]],
    rng: Rng = os_random,
) -> bytes:
    """Seal each (epoch, epoch key) to the recipient and sign the grant as `granter`."""
    ordered = sorted(epoch_keys)
    if not 1 <= len(ordered) <= MAX_GRANT_EPOCHS:
        raise MalformedError("a grant carries 1..4096 epochs")
    writer = (
        Writer()
        .u8(GRANT_VERSION)
        .uuid(thread_id)
        .uuid(granter.user_id)
        .fixed(granter.key_id, KEY_ID_BYTES)
        .uuid(recipient_id)
        .fixed(recipient_key_id, KEY_ID_BYTES)
        .u16(len(ordered))
    )
    for epoch, epoch_key in ordered:
        writer.u64(epoch).fixed(
            seal_epoch_key(epoch_key, thread_id, epoch, recipient_box_pk, rng), SEAL_BYTES
        )
    body = writer.getvalue()
    return body + primitives.sign(granter.sign_sk, GRANT_CONTEXT + body)


def parse_history_grant(data: bytes) -> HistoryGrant:
    """Parse a grant (structure only; `verify_history_grant` checks the signature)."""
    reader = Reader(data)
    version = reader.u8()
    if version != GRANT_VERSION:
        raise UnsupportedVersionError(f"history grant version {version}")
    thread_id = reader.uuid()
    granter_id = reader.uuid()
    granter_key_id = reader.fixed(KEY_ID_BYTES)
    recipient_id = reader.uuid()
    recipient_key_id = reader.fixed(KEY_ID_BYTES)
    count = reader.u16()
    if not 1 <= count <= MAX_GRANT_EPOCHS:
        raise MalformedError("a grant carries 1..4096 epochs")
    seals = []
    previous = -1
    for _ in range(count):
        epoch = reader.u64()
        if epoch <= previous or epoch > MAX_EPOCH:
            raise MalformedError("grant epochs must be strictly increasing")
        previous = epoch
        seals.append((epoch, reader.fixed(SEAL_BYTES)))
    body = data[: reader.position]
    signature = reader.fixed(SIGNATURE_BYTES)
    reader.end()
    return HistoryGrant(
        thread_id,
        granter_id,
        granter_key_id,
        recipient_id,
        recipient_key_id,
        tuple(seals),
        body,
        signature,
    )


def verify_history_grant(grant: HistoryGrant, granter_sign_pk: bytes) -> None:
    """Check the grant was signed by `granter_sign_pk`, the key it names; else
    `BadSignatureError`."""
    if not primitives.equal(key_id(granter_sign_pk), grant.granter_key_id):
        raise BadSignatureError("granter key id does not match the given key")
    primitives.verify(granter_sign_pk, GRANT_CONTEXT + grant.body, grant.signature)
