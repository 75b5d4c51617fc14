"""The account key (wrapped by the password and the recovery code) and the keyring it encrypts.

A wrapped account key is `version u8 ‖ kind u8 ‖ nonce(24) ‖ AEAD(account key)` whose
associated data binds the user id, the kind and, for passwords, the KDF parameters: a blob
copied to another account, or replayed with weaker parameters, does not open.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.errors import MalformedError, UnsupportedVersionError
from crypto.identity import Identity
from crypto.passwords import KdfParams
from crypto.primitives import Rng, os_random

ACCOUNT_KEY_BYTES = 32
WRAP_VERSION = 1
WRAP_KIND_PASSWORD = 1
WRAP_KIND_RECOVERY = 2
WRAPPED_ACCOUNT_KEY_BYTES = 1 + 1 + 24 + 32 + 16
ACCOUNT_KEY_CONTEXT = b"interlude/account-key/v1\x00"
KEYRING_VERSION = 1
KEYRING_CONTEXT = b"interlude/keyring/v1\x00"
MAX_KEYRING_IDENTITIES = 64


def generate_account_key(rng: Rng = os_random) -> bytes:
    """A fresh random 32-byte account key."""
    return primitives.draw(rng, ACCOUNT_KEY_BYTES)


def _wrap_ad(kind: int, user_id: uuid.UUID, params: KdfParams | None) -> bytes:
    writer = Writer().fixed(ACCOUNT_KEY_CONTEXT, len(ACCOUNT_KEY_CONTEXT))
    writer.u8(WRAP_VERSION).u8(kind).uuid(user_id)
    if params is not None:
        writer.fixed(params.encode(), 13)
    return writer.getvalue()


def _wrap(kind: int, account_key: bytes, kek: bytes, ad: bytes, rng: Rng) -> bytes:
    if len(account_key) != ACCOUNT_KEY_BYTES:
        raise MalformedError("account key must be 32 bytes")
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    sealed = primitives.aead_encrypt(kek, nonce, account_key, ad)
    return bytes([WRAP_VERSION, kind]) + nonce + sealed


def _unwrap(kind: int, wrapped: bytes, kek: bytes, ad: bytes) -> bytes:
    if len(wrapped) != WRAPPED_ACCOUNT_KEY_BYTES:
        raise MalformedError("wrapped account key has the wrong size")
    if wrapped[0] != WRAP_VERSION:
        raise UnsupportedVersionError(f"account key wrap version {wrapped[0]}")
    if wrapped[1] != kind:
        raise MalformedError("wrapped account key is of another kind")
    return primitives.aead_decrypt(kek, wrapped[2:26], wrapped[26:], ad)


def wrap_account_key(
    account_key: bytes, kek: bytes, user_id: uuid.UUID, params: KdfParams, rng: Rng = os_random
) -> bytes:
    """Encrypts the account key under a password's key-encryption key (74 bytes)."""
    ad = _wrap_ad(WRAP_KIND_PASSWORD, user_id, params)
    return _wrap(WRAP_KIND_PASSWORD, account_key, kek, ad, rng)


def unwrap_account_key(wrapped: bytes, kek: bytes, user_id: uuid.UUID, params: KdfParams) -> bytes:
    """Recovers the account key; a wrong password (wrong kek) raises `WrongKeyError`."""
    return _unwrap(WRAP_KIND_PASSWORD, wrapped, kek, _wrap_ad(WRAP_KIND_PASSWORD, user_id, params))


def wrap_account_key_with_recovery(
    account_key: bytes, recovery_kek: bytes, user_id: uuid.UUID, rng: Rng = os_random
) -> bytes:
    """Encrypts the account key under a recovery code's key-encryption key (74 bytes)."""
    ad = _wrap_ad(WRAP_KIND_RECOVERY, user_id, None)
    return _wrap(WRAP_KIND_RECOVERY, account_key, recovery_kek, ad, rng)


def unwrap_account_key_with_recovery(
    wrapped: bytes, recovery_kek: bytes, user_id: uuid.UUID
) -> bytes:
    """Recovers the account key; a wrong recovery code raises `WrongKeyError`."""
    ad = _wrap_ad(WRAP_KIND_RECOVERY, user_id, None)
    return _unwrap(WRAP_KIND_RECOVERY, wrapped, recovery_kek, ad)


def _keyring_ad(user_id: uuid.UUID) -> bytes:
    return KEYRING_CONTEXT + bytes([KEYRING_VERSION]) + user_id.bytes


def encrypt_keyring(
    identities: Sequence[Identity], account_key: bytes, rng: Rng = os_random
) -> bytes:
    """Encrypts a user's identities (current first, then retired ones) under the account key.

    Retired identities stay so that seals made to old encryption keys remain openable.
    """
    if not 1 <= len(identities) <= MAX_KEYRING_IDENTITIES:
        raise MalformedError("a keyring holds 1..64 identities")
    user_id = identities[0].user_id
    if any(identity.user_id != user_id for identity in identities):
        raise MalformedError("keyring identities belong to different users")
    writer = Writer().u8(KEYRING_VERSION).uuid(user_id).u16(len(identities))
    for identity in identities:
        writer.fixed(identity.sign_seed, 32).fixed(identity.box_sk, 32)
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    sealed = primitives.aead_encrypt(account_key, nonce, writer.getvalue(), _keyring_ad(user_id))
    return bytes([KEYRING_VERSION]) + nonce + sealed


def decrypt_keyring(blob: bytes, account_key: bytes, user_id: uuid.UUID) -> tuple[Identity, ...]:
    """Decrypts a keyring; the first identity is the current one.

    Raises `WrongKeyError` for a wrong account key or a keyring of another user.
    """
    reader = Reader(blob)
    version = reader.u8()
    if version != KEYRING_VERSION:
        raise UnsupportedVersionError(f"keyring version {version}")
    nonce = reader.fixed(primitives.AEAD_NONCE_BYTES)
    sealed = blob[reader.position :]
    plain = Reader(primitives.aead_decrypt(account_key, nonce, sealed, _keyring_ad(user_id)))
    if plain.u8() != KEYRING_VERSION or plain.uuid() != user_id:
        raise MalformedError("keyring content does not match its header")
    count = plain.u16()
    if not 1 <= count <= MAX_KEYRING_IDENTITIES:
        raise MalformedError("keyring holds no identity")
    identities = tuple(
        Identity.from_secrets(user_id, plain.fixed(32), plain.fixed(32)) for _ in range(count)
    )
    plain.end()
    return identities


def check_wrapped_account_key(wrapped: bytes, kind: int) -> None:
    """Server-side structural check of a wrapped account key (size, version, kind).

    The server cannot open it; this only refuses blobs no client could use.
    """
    if len(wrapped) != WRAPPED_ACCOUNT_KEY_BYTES:
        raise MalformedError("wrapped account key has the wrong size")
    if wrapped[0] != WRAP_VERSION:
        raise UnsupportedVersionError(f"account key wrap version {wrapped[0]}")
    if wrapped[1] != kind:
        raise MalformedError("wrapped account key is of another kind")


KEYRING_OVERHEAD = 1 + primitives.AEAD_NONCE_BYTES + 16 + 1 + 16 + 2
KEYRING_ENTRY_BYTES = 64


def check_keyring_structure(blob: bytes) -> None:
    """Server-side structural check of an encrypted keyring: version and a size that holds
    1..64 identities. The contents stay opaque to the server."""
    if not blob or blob[0] != KEYRING_VERSION:
        raise UnsupportedVersionError("keyring version")
    entries, remainder = divmod(len(blob) - KEYRING_OVERHEAD, KEYRING_ENTRY_BYTES)
    if remainder or not 1 <= entries <= MAX_KEYRING_IDENTITIES:
        raise MalformedError("keyring has an impossible size")
