"""Account identity: an Ed25519 signing key, an X25519 encryption key, and the public bundle.

The public bundle is what the server publishes for a user: both public keys, the encryption
key signed by the signing key together with the user id, so a server cannot swap in its own
encryption key without breaking the signature (and the safety number covers the signing key).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.errors import BadSignatureError, UnsupportedVersionError
from crypto.primitives import Rng, os_random

BUNDLE_VERSION = 1
BUNDLE_SIZE = 1 + 16 + 32 + 32 + 64
BUNDLE_CONTEXT = b"interlude/bundle/v1\x00"
KEY_ID_BYTES = 16
KEY_ID_CONTEXT = b"ilkeyid_"
SAFETY_DOMAIN = b"interlude/safety-number/v1"
SAFETY_GROUPS = 12


def key_id(sign_pk: bytes) -> bytes:
    """The 16-byte id of an Ed25519 public key: crypto_kdf(16, 1, "ilkeyid_", sign_pk)."""
    return primitives.kdf_derive(KEY_ID_BYTES, 1, KEY_ID_CONTEXT, sign_pk)


@dataclass(frozen=True)
class Identity:
    """A user's private identity: signing seed and encryption secret, plus public halves."""

    user_id: uuid.UUID
    sign_seed: bytes = field(repr=False)
    box_sk: bytes = field(repr=False)
    sign_pk: bytes
    box_pk: bytes
    sign_sk: bytes = field(repr=False)
    key_id: bytes = field(default=b"", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", key_id(self.sign_pk))

    @classmethod
    def from_secrets(cls, user_id: uuid.UUID, sign_seed: bytes, box_sk: bytes) -> Identity:
        """Rebuilds an identity from its two 32-byte secrets (as stored in the keyring)."""
        sign_pk, sign_sk = primitives.sign_keypair(sign_seed)
        return cls(
            user_id=user_id,
            sign_seed=bytes(sign_seed),
            box_sk=bytes(box_sk),
            sign_pk=sign_pk,
            box_pk=primitives.box_public_key(box_sk),
            sign_sk=sign_sk,
        )

    def sign(self, message: bytes) -> bytes:
        """Detached Ed25519 signature of `message` by this identity."""
        return primitives.sign(self.sign_sk, message)


def generate_identity(user_id: uuid.UUID, rng: Rng = os_random) -> Identity:
    """Creates a fresh identity; draws the signing seed (32) then the X25519 secret (32)."""
    sign_seed = primitives.draw(rng, 32)
    box_sk = primitives.draw(rng, 32)
    return Identity.from_secrets(user_id, sign_seed, box_sk)


@dataclass(frozen=True)
class PublicBundle:
    """A parsed public bundle. Parsing alone proves nothing: call `verify_public_bundle`."""

    version: int
    user_id: uuid.UUID
    sign_pk: bytes
    box_pk: bytes
    signature: bytes
    raw: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.sign_pk)


def _bundle_body(user_id: uuid.UUID, sign_pk: bytes, box_pk: bytes) -> bytes:
    return Writer().u8(BUNDLE_VERSION).uuid(user_id).fixed(sign_pk, 32).fixed(box_pk, 32).getvalue()


def public_bundle(identity: Identity) -> bytes:
    """Serialises the signed public bundle: version ‖ user id ‖ sign_pk ‖ box_pk ‖ signature."""
    body = _bundle_body(identity.user_id, identity.sign_pk, identity.box_pk)
    return body + identity.sign(BUNDLE_CONTEXT + body)


def parse_public_bundle(data: bytes) -> PublicBundle:
    """Parses a bundle's structure (145 bytes, known version); does not check the signature."""
    reader = Reader(data)
    version = reader.u8()
    if version != BUNDLE_VERSION:
        raise UnsupportedVersionError(f"bundle version {version}")
    bundle = PublicBundle(
        version=version,
        user_id=reader.uuid(),
        sign_pk=reader.fixed(32),
        box_pk=reader.fixed(32),
        signature=reader.fixed(64),
        raw=bytes(data),
    )
    reader.end()
    return bundle


def verify_public_bundle(bundle: PublicBundle, user_id: uuid.UUID) -> None:
    """Checks the bundle belongs to `user_id` and its signing key signed its encryption key.

    Raises `BadSignatureError` if the bundle names another user or the signature fails.
    """
    if bundle.user_id != user_id:
        raise BadSignatureError("bundle is for another user")
    body = _bundle_body(user_id, bundle.sign_pk, bundle.box_pk)
    primitives.verify(bundle.sign_pk, BUNDLE_CONTEXT + body, bundle.signature)


def safety_number(user_a: uuid.UUID, sign_pk_a: bytes, user_b: uuid.UUID, sign_pk_b: bytes) -> str:
    """A 60-digit safety number for a pair of users, in 12 groups of 5 digits.

    The same for both users (the two entries are sorted), and it changes if either signing
    key changes. Each group is a 5-byte big-endian chunk of a 60-byte keyed BLAKE2b, mod 10^5.
    """
    entries = sorted([user_a.bytes + bytes(sign_pk_a), user_b.bytes + bytes(sign_pk_b)])
    digest = primitives.domain_hash(SAFETY_DOMAIN, b"".join(entries), 5 * SAFETY_GROUPS)
    groups = [
        f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, len(digest), 5)
    ]
    return " ".join(groups)
