"""Message envelope v1: a signed, padded, per-message-key AEAD ciphertext.

Layout: header(77) ‖ nonce(24) ‖ u16 wrap length ‖ wrap ‖ key commitment(32)
‖ u32 ciphertext length ‖ ciphertext ‖ Ed25519 signature(64). The header is the AEAD
associated data; the signature covers a context string and every byte before it.
"""

from __future__ import annotations

import enum
import struct
import uuid
from dataclasses import dataclass, field

from crypto import primitives
from crypto.binary import Reader
from crypto.epochs import MAX_EPOCH, message_wrap_key
from crypto.errors import (
    BadSignatureError,
    KeyCommitmentError,
    MalformedError,
    UnsupportedVersionError,
)
from crypto.identity import Identity, key_id
from crypto.primitives import Rng, os_random

ENVELOPE_VERSION = 1
SUITE_V1 = 1
HEADER_BYTES = 77
PAD_BLOCK = 256
MESSAGE_KEY_BYTES = 32
CLIENT_MESSAGE_ID_BYTES = 16
KEY_COMMITMENT_BYTES = 32
KEY_COMMITMENT_CONTEXT = b"ilkeycmt"
ENVELOPE_CONTEXT = b"interlude/envelope/v1\x00"
EPOCH_WRAP_BYTES = 24 + MESSAGE_KEY_BYTES + 16
MOD_WRAP_BYTES = MESSAGE_KEY_BYTES + primitives.SEAL_OVERHEAD
MAX_ENVELOPE_BYTES = 256 * 1024
MAX_PLAINTEXT_BYTES = 255 * 1024


class KeyScope(enum.IntEnum):
    """Who can unwrap the per-message key: every member (epoch) or the moderators (mod)."""

    EPOCH = 1
    MOD = 2


class ContentType(enum.IntEnum):
    """What the plaintext is; unknown values are carried, and left to clients to refuse."""

    TEXT = 1
    JSON = 2


_HEADER = struct.Struct(">BB16sQ16s16s16sHB")
_WRAP_BYTES = {KeyScope.EPOCH: EPOCH_WRAP_BYTES, KeyScope.MOD: MOD_WRAP_BYTES}


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope: header fields and sections. Parsing proves nothing about the sender."""

    version: int
    suite: int
    thread_id: uuid.UUID
    epoch: int
    sender_id: uuid.UUID
    sender_key_id: bytes
    client_message_id: bytes
    content_type: int
    key_scope: KeyScope
    header: bytes
    nonce: bytes
    wrap: bytes
    key_commitment: bytes
    ciphertext: bytes
    signature: bytes
    raw: bytes = field(repr=False)

    @property
    def signed_bytes(self) -> bytes:
        return ENVELOPE_CONTEXT + self.raw[: -primitives.SIGNATURE_BYTES]


@dataclass(frozen=True)
class OpenedMessage:
    """A verified, decrypted envelope; `message_key` is what a report reveals."""

    envelope: Envelope
    plaintext: bytes
    message_key: bytes = field(repr=False)


def key_commitment(message_key: bytes) -> bytes:
    """crypto_kdf(32, 1, "ilkeycmt", message key): binds the envelope to one key."""
    return primitives.kdf_derive(KEY_COMMITMENT_BYTES, 1, KEY_COMMITMENT_CONTEXT, message_key)


def _header(
    thread_id: uuid.UUID,
    epoch: int,
    sender: Identity,
    client_message_id: bytes,
    content_type: int,
    scope: KeyScope,
) -> bytes:
    if not 0 <= content_type <= 0xFFFF:
        raise MalformedError("content type must fit in u16")
    return _HEADER.pack(
        ENVELOPE_VERSION,
        SUITE_V1,
        thread_id.bytes,
        epoch,
        sender.user_id.bytes,
        sender.key_id,
        client_message_id,
        content_type,
        scope,
    )


def seal_message(
    sender: Identity,
    thread_id: uuid.UUID,
    epoch: int,
    plaintext: bytes,
    *,
    epoch_key: bytes | None = None,
    moderator_pk: bytes | None = None,
    content_type: int = ContentType.TEXT,
    rng: Rng = os_random,
) -> bytes:
    """Encrypts and signs one message; exactly one of `epoch_key` / `moderator_pk` is given.
    See `seal_message_with_key`."""
    return seal_message_with_key(
        sender,
        thread_id,
        epoch,
        plaintext,
        epoch_key=epoch_key,
        moderator_pk=moderator_pk,
        content_type=content_type,
        rng=rng,
    )[0]


def seal_message_with_key(
    sender: Identity,
    thread_id: uuid.UUID,
    epoch: int,
    plaintext: bytes,
    *,
    epoch_key: bytes | None = None,
    moderator_pk: bytes | None = None,
    content_type: int = ContentType.TEXT,
    rng: Rng = os_random,
) -> tuple[bytes, bytes]:
    """The envelope and its message key (which the author of a held post wraps for
    themselves, docs/crypto.md section 12).

    With `epoch_key` the per-message key is wrapped for all members (scope epoch); with
    `moderator_pk` it is sealed to the moderators' X25519 key (scope mod). Randomness is
    drawn in this order: client message id (16), message key (32), nonce (24), then the
    wrap nonce (24, epoch) or the seal's ephemeral secret (32, mod).
    """
    if (epoch_key is None) == (moderator_pk is None):
        raise MalformedError("give exactly one of epoch_key and moderator_pk")
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise MalformedError("plaintext too large")
    if not 0 <= epoch <= MAX_EPOCH:
        raise MalformedError("epoch out of range")
    scope = KeyScope.EPOCH if epoch_key is not None else KeyScope.MOD
    client_message_id = primitives.draw(rng, CLIENT_MESSAGE_ID_BYTES)
    message_key = primitives.draw(rng, MESSAGE_KEY_BYTES)
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    header = _header(thread_id, epoch, sender, client_message_id, content_type, scope)
    ciphertext = primitives.aead_encrypt(
        message_key, nonce, primitives.pad(plaintext, PAD_BLOCK), header
    )
    if epoch_key is not None:
        wrap_nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
        wrapped = primitives.aead_encrypt(
            message_wrap_key(epoch_key), wrap_nonce, message_key, header
        )
        wrap = wrap_nonce + wrapped
    else:
        assert moderator_pk is not None
        wrap = primitives.box_seal(message_key, moderator_pk, rng)
    unsigned = b"".join(
        (
            header,
            nonce,
            len(wrap).to_bytes(2, "big"),
            wrap,
            key_commitment(message_key),
            len(ciphertext).to_bytes(4, "big"),
            ciphertext,
        )
    )
    return unsigned + sender.sign(ENVELOPE_CONTEXT + unsigned), message_key


def parse_envelope(data: bytes) -> Envelope:
    """Parses and validates structure and sizes (the server's check before storing).

    Raises `UnsupportedVersionError` for an unknown version or suite and `MalformedError`
    for any size or layout violation (oversized, wrong wrap size, ciphertext not a whole
    number of pad blocks, trailing bytes).
    """
    if len(data) > MAX_ENVELOPE_BYTES:
        raise MalformedError("envelope too large")
    reader = Reader(data)
    version, suite = reader.u8(), reader.u8()
    if version != ENVELOPE_VERSION or suite != SUITE_V1:
        raise UnsupportedVersionError(f"envelope version {version} suite {suite}")
    thread_id, epoch, sender_id = reader.uuid(), reader.u64(), reader.uuid()
    sender_key_id, client_message_id = reader.fixed(16), reader.fixed(CLIENT_MESSAGE_ID_BYTES)
    content_type, scope_byte = reader.u16(), reader.u8()
    if epoch > MAX_EPOCH:
        raise MalformedError("epoch out of range")
    if scope_byte not in KeyScope._value2member_map_:
        raise MalformedError(f"unknown key scope {scope_byte}")
    scope = KeyScope(scope_byte)
    nonce = reader.fixed(primitives.AEAD_NONCE_BYTES)
    wrap = reader.var16()
    if len(wrap) != _WRAP_BYTES[scope]:
        raise MalformedError("wrap has the wrong size for its scope")
    commitment = reader.fixed(KEY_COMMITMENT_BYTES)
    ciphertext = reader.var32()
    padded = len(ciphertext) - primitives.AEAD_TAG_BYTES
    if padded < PAD_BLOCK or padded % PAD_BLOCK != 0:
        raise MalformedError("ciphertext is not a whole number of pad blocks")
    signature = reader.fixed(primitives.SIGNATURE_BYTES)
    reader.end()
    return Envelope(
        version=version,
        suite=suite,
        thread_id=thread_id,
        epoch=epoch,
        sender_id=sender_id,
        sender_key_id=sender_key_id,
        client_message_id=client_message_id,
        content_type=content_type,
        key_scope=scope,
        header=bytes(data[:HEADER_BYTES]),
        nonce=nonce,
        wrap=wrap,
        key_commitment=commitment,
        ciphertext=ciphertext,
        signature=signature,
        raw=bytes(data),
    )


def verify_envelope(envelope: Envelope, sign_pk: bytes) -> None:
    """Checks the envelope was signed by `sign_pk` and that key is the sender key it names.

    The caller supplies the registered key of `envelope.sender_id`; raises `BadSignatureError`.
    """
    if not primitives.equal(key_id(sign_pk), envelope.sender_key_id):
        raise BadSignatureError("sender key id does not match the given key")
    primitives.verify(sign_pk, envelope.signed_bytes, envelope.signature)


def _decrypt(envelope: Envelope, message_key: bytes) -> bytes:
    if not primitives.equal(key_commitment(message_key), envelope.key_commitment):
        raise KeyCommitmentError("message key does not match the key commitment")
    padded = primitives.aead_decrypt(
        message_key, envelope.nonce, envelope.ciphertext, envelope.header
    )
    return primitives.unpad(padded, PAD_BLOCK)


def _as_envelope(data: bytes | Envelope) -> Envelope:
    return data if isinstance(data, Envelope) else parse_envelope(data)


def open_message(
    data: bytes | Envelope,
    sender_sign_pk: bytes,
    *,
    epoch_key: bytes | None = None,
    moderator: Identity | None = None,
) -> OpenedMessage:
    """Verifies the sender's signature, then unwraps the key and decrypts.

    Give `epoch_key` for scope epoch or the `moderator` identity holding the moderators'
    X25519 key for scope mod. The caller checks the thread, epoch and sender are the ones
    it expects (they are authenticated here). Raises `BadSignatureError`, `WrongKeyError`,
    `KeyCommitmentError` or `MalformedError`; never returns unverified plaintext.
    """
    envelope = _as_envelope(data)
    verify_envelope(envelope, sender_sign_pk)
    if envelope.key_scope is KeyScope.EPOCH:
        if epoch_key is None:
            raise MalformedError("scope epoch needs the epoch key")
        message_key = primitives.aead_decrypt(
            message_wrap_key(epoch_key), envelope.wrap[:24], envelope.wrap[24:], envelope.header
        )
    else:
        if moderator is None:
            raise MalformedError("scope mod needs the moderator key")
        message_key = primitives.box_seal_open(envelope.wrap, moderator.box_pk, moderator.box_sk)
    if len(message_key) != MESSAGE_KEY_BYTES:
        raise MalformedError("wrapped message key has the wrong size")
    return OpenedMessage(envelope, _decrypt(envelope, message_key), message_key)


def open_reported_message(
    data: bytes | Envelope, sender_sign_pk: bytes, message_key: bytes
) -> bytes:
    """Opens one reported message from the per-message key a reporter revealed.

    The signature proves who sent the envelope, the key commitment proves the revealed key
    is the one the sender used, so the decrypted text is exactly what the sender sent.
    Raises `KeyCommitmentError` for any other key.
    """
    envelope = _as_envelope(data)
    verify_envelope(envelope, sender_sign_pk)
    if len(message_key) != MESSAGE_KEY_BYTES:
        raise KeyCommitmentError("message key has the wrong size")
    return _decrypt(envelope, message_key)
