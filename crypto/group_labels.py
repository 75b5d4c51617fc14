"""Group labels: the opaque name an admin gives a group so that every admin of the clinic,
member of the group or not, recognises it in the admins' group list (docs/crypto.md
section 12, "Labels for admins").

The clinic's **admin key** is an X25519 pair made in an admin's client; its secret is
sealed to each active admin's account key with the group secret seal (kind 3, the clinic
id in the thread field, the admin key's generation). A label is sealed to the admin key's
public half and signed by the writing admin's account key, so the server can neither
read one nor make one, and a label moved to another group, or to another generation of
the admin key, fails.

Formats:
- admin key seal: `SEAL(u8 3 ‖ clinic_id(16) ‖ u64 generation ‖ admin_sk(32), admin box_pk)`;
- admin key signature (64 bytes): `SIGN(maker account key, "interlude/admin-key/v1\\0" ‖
  u8 1 ‖ clinic_id(16) ‖ u64 generation ‖ admin_pk(32) ‖ maker id(16))`, made by the
  admin who makes or reseals the key, so a key the server minted is refused;
- label (259 bytes): `u8 1 ‖ thread_id(16) ‖ u64 generation ‖ SEAL(u8 4 ‖ thread_id(16) ‖
  u64 generation ‖ u8 len ‖ text(len) ‖ zeros(64 - len), admin_pk) ‖ author id(16) ‖
  author key id(16) ‖ sig(64)`, `sig = SIGN(author account key,
  "interlude/group-label/v1\\0" ‖ all bytes before)`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.epochs import MAX_EPOCH
from crypto.errors import BadSignatureError, MalformedError, UnsupportedVersionError, WrongKeyError
from crypto.groups import (
    GROUP_FORMAT_VERSION,
    SECRET_BYTES,
    SecretKind,
    open_group_secret,
    seal_group_secret,
)
from crypto.identity import Identity, key_id
from crypto.primitives import Rng, os_random

LABEL_CONTEXT = b"interlude/group-label/v1\x00"
ADMIN_KEY_CONTEXT = b"interlude/admin-key/v1\x00"
LABEL_KIND = 4
MAX_LABEL_BYTES = 64
LABEL_PLAINTEXT_BYTES = 1 + 16 + 8 + 1 + MAX_LABEL_BYTES
LABEL_SEAL_BYTES = LABEL_PLAINTEXT_BYTES + primitives.SEAL_OVERHEAD
LABEL_BYTES = 1 + 16 + 8 + LABEL_SEAL_BYTES + 16 + 16 + 64


def create_admin_key(rng: Rng = os_random) -> tuple[bytes, bytes]:
    """A new admin key pair (public, secret). Draws: secret (32)."""
    secret = primitives.draw(rng, SECRET_BYTES)
    return primitives.box_public_key(secret), secret


def seal_admin_key(
    secret: bytes,
    clinic_id: uuid.UUID,
    generation: int,
    admin_box_pk: bytes,
    rng: Rng = os_random,
) -> bytes:
    """The admin key's secret sealed to one admin's account encryption key (105 bytes)."""
    return seal_group_secret(SecretKind.ADMIN_KEY, clinic_id, generation, secret, admin_box_pk, rng)


def open_admin_key(
    seal: bytes, clinic_id: uuid.UUID, generation: int, public_key: bytes, admin: Identity
) -> bytes:
    """The admin key's secret from this admin's seal; it must match the public half the
    server names (else `WrongKeyError`)."""
    secret = open_group_secret(
        seal, SecretKind.ADMIN_KEY, clinic_id, generation, admin.box_pk, admin.box_sk
    )
    if not primitives.equal(primitives.box_public_key(secret), public_key):
        raise WrongKeyError("sealed admin key does not match its public half")
    return secret


def _admin_key_statement(
    clinic_id: uuid.UUID, generation: int, public_key: bytes, maker_id: uuid.UUID
) -> bytes:
    if not 1 <= generation <= MAX_EPOCH:
        raise MalformedError("generation out of range")
    return ADMIN_KEY_CONTEXT + (
        Writer()
        .u8(GROUP_FORMAT_VERSION)
        .uuid(clinic_id)
        .u64(generation)
        .fixed(public_key, 32)
        .uuid(maker_id)
        .getvalue()
    )


def sign_admin_key(
    maker: Identity, clinic_id: uuid.UUID, generation: int, public_key: bytes
) -> bytes:
    """The maker's signature (64 bytes) over the admin key's public half, clinic and
    generation: what lets every admin's client tell a key an admin made from one the
    server made."""
    return maker.sign(_admin_key_statement(clinic_id, generation, public_key, maker.user_id))


def verify_admin_key(
    signature: bytes,
    clinic_id: uuid.UUID,
    generation: int,
    public_key: bytes,
    maker_id: uuid.UUID,
    maker_sign_pk: bytes,
) -> None:
    """Checks the admin key was signed for this clinic and generation by the account key
    given (the server checks it against the maker's current key, a client against the
    bundle of an admin of its clinic); `BadSignatureError` otherwise."""
    if len(signature) != 64 or len(public_key) != 32:
        raise BadSignatureError("admin key signature")
    statement = _admin_key_statement(clinic_id, generation, public_key, maker_id)
    primitives.verify(maker_sign_pk, statement, signature)


@dataclass(frozen=True)
class GroupLabel:
    thread_id: uuid.UUID
    generation: int
    seal: bytes
    author_id: uuid.UUID
    author_key_id: bytes
    signature: bytes
    raw: bytes


def create_group_label(
    author: Identity,
    thread_id: uuid.UUID,
    generation: int,
    text: str,
    admin_pk: bytes,
    rng: Rng = os_random,
) -> bytes:
    """A label for a group, sealed to the admin key of `generation` and signed by the
    writing admin's account identity. Draws: the seal's ephemeral key (32)."""
    encoded = text.encode()
    if not 1 <= len(encoded) <= MAX_LABEL_BYTES:
        raise MalformedError(f"a label is 1 to {MAX_LABEL_BYTES} bytes of UTF-8")
    if not 0 <= generation <= MAX_EPOCH:
        raise MalformedError("generation out of range")
    plaintext = (
        Writer()
        .u8(LABEL_KIND)
        .uuid(thread_id)
        .u64(generation)
        .u8(len(encoded))
        .fixed(encoded.ljust(MAX_LABEL_BYTES, b"\x00"), MAX_LABEL_BYTES)
        .getvalue()
    )
    body = (
        Writer()
        .u8(GROUP_FORMAT_VERSION)
        .uuid(thread_id)
        .u64(generation)
        .fixed(primitives.box_seal(plaintext, admin_pk, rng), LABEL_SEAL_BYTES)
        .uuid(author.user_id)
        .fixed(author.key_id, 16)
        .getvalue()
    )
    return body + author.sign(LABEL_CONTEXT + body)


def parse_group_label(data: bytes) -> GroupLabel:
    reader = Reader(data)
    if reader.u8() != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("group label version")
    thread_id, generation = reader.uuid(), reader.u64()
    if generation > MAX_EPOCH:
        raise MalformedError("generation out of range")
    seal, author_id, author_key_id = reader.fixed(LABEL_SEAL_BYTES), reader.uuid(), reader.fixed(16)
    signature = reader.fixed(64)
    reader.end()
    return GroupLabel(thread_id, generation, seal, author_id, author_key_id, signature, bytes(data))


def verify_group_label(label: GroupLabel, thread_id: uuid.UUID, author_sign_pk: bytes) -> None:
    """Checks the label is for this group and signed by the account key given (the
    server checks it against the writer's current key, a client against the bundle of an
    admin of its clinic)."""
    if label.thread_id != thread_id:
        raise BadSignatureError("label is for another group")
    if not primitives.equal(key_id(author_sign_pk), label.author_key_id):
        raise BadSignatureError("author key id does not match the given key")
    primitives.verify(author_sign_pk, LABEL_CONTEXT + label.raw[:-64], label.signature)


def open_group_label(
    label: GroupLabel, thread_id: uuid.UUID, author_sign_pk: bytes, admin_secret: bytes
) -> str:
    """The label's text: signature first, then the seal, whose inner thread id and
    generation must repeat the outer ones."""
    verify_group_label(label, thread_id, author_sign_pk)
    public_key = primitives.box_public_key(admin_secret)
    reader = Reader(primitives.box_seal_open(label.seal, public_key, admin_secret))
    if reader.u8() != LABEL_KIND or reader.uuid() != thread_id:
        raise WrongKeyError("sealed label is for another group")
    if reader.u64() != label.generation:
        raise WrongKeyError("sealed label is for another generation of the admin key")
    size = reader.u8()
    padded = reader.fixed(MAX_LABEL_BYTES)
    reader.end()
    if not 1 <= size <= MAX_LABEL_BYTES or any(padded[size:]):
        raise MalformedError("label padding")
    try:
        return padded[:size].decode()
    except UnicodeDecodeError:
        raise MalformedError("label is not UTF-8") from None
