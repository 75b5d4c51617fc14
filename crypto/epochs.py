"""Thread epoch keys and their seals to members' X25519 keys.

A seal is `crypto_box_seal(thread id ‖ epoch u64 ‖ epoch key)`; opening checks the thread id
and epoch so a seal cannot be replayed into another thread or epoch.
"""

from __future__ import annotations

import uuid

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.errors import MalformedError, WrongKeyError
from crypto.identity import Identity
from crypto.primitives import Rng, os_random

EPOCH_KEY_BYTES = 32
MAX_EPOCH = 2**53 - 1
"""Epochs stay below 2^53 so that JavaScript numbers represent them exactly."""
SEAL_PLAINTEXT_BYTES = 16 + 8 + EPOCH_KEY_BYTES
SEAL_BYTES = SEAL_PLAINTEXT_BYTES + primitives.SEAL_OVERHEAD
EPOCH_CONTEXT = b"ilepoch_"
SUBKEY_MESSAGE_WRAP = 1
SUBKEY_COMMITMENT = 2


def create_epoch_key(rng: Rng = os_random) -> bytes:
    """A fresh random 32-byte epoch key."""
    return primitives.draw(rng, EPOCH_KEY_BYTES)


def epoch_key_commitment(epoch_key: bytes) -> bytes:
    """crypto_kdf(32, 2, "ilepoch_", key): published in the commit so members agree on a key."""
    return primitives.kdf_derive(32, SUBKEY_COMMITMENT, EPOCH_CONTEXT, epoch_key)


def message_wrap_key(epoch_key: bytes) -> bytes:
    """crypto_kdf(32, 1, "ilepoch_", key): the key that wraps per-message keys in an epoch."""
    return primitives.kdf_derive(32, SUBKEY_MESSAGE_WRAP, EPOCH_CONTEXT, epoch_key)


def seal_epoch_key(
    epoch_key: bytes,
    thread_id: uuid.UUID,
    epoch: int,
    recipient_box_pk: bytes,
    rng: Rng = os_random,
) -> bytes:
    """Seals (thread id, epoch, key) to one member's encryption key (104 bytes)."""
    if not 0 <= epoch <= MAX_EPOCH:
        raise MalformedError("epoch out of range")
    plaintext = Writer().uuid(thread_id).u64(epoch).fixed(epoch_key, EPOCH_KEY_BYTES).getvalue()
    return primitives.box_seal(plaintext, recipient_box_pk, rng)


def open_epoch_seal(seal: bytes, thread_id: uuid.UUID, epoch: int, identity: Identity) -> bytes:
    """Opens a seal made for `identity` and returns the epoch key.

    Raises `WrongKeyError` if the seal is for someone else, or names another thread or epoch.
    """
    if len(seal) != SEAL_BYTES:
        raise MalformedError("epoch seal has the wrong size")
    reader = Reader(primitives.box_seal_open(seal, identity.box_pk, identity.box_sk))
    if reader.uuid() != thread_id or reader.u64() != epoch:
        raise WrongKeyError("epoch seal is for another thread or epoch")
    key = reader.fixed(EPOCH_KEY_BYTES)
    reader.end()
    return key
