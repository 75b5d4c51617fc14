"""Journal items (entries, check-ins, drafts) and entry shares (spec: docs/crypto.md §10).

An item is encrypted under its own random item key, and the item key is wrapped under the
author's journal key, derived from the account key: any device that unlocks the account
reads the journal, and the server, which never has the account key, reads none of it.
Sharing one entry reveals only that entry's item key, sealed to each recipient and signed
by the author together with a snapshot of the entry, so nothing else of the journal opens.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.errors import (
    BadSignatureError,
    KeyCommitmentError,
    MalformedError,
    UnsupportedVersionError,
    WrongKeyError,
)
from crypto.identity import Identity, key_id
from crypto.primitives import Rng, os_random

ITEM_VERSION = 1
PURPOSE_ENTRY = 1
PURPOSE_DRAFT = 2
ITEM_HEADER_BYTES = 1 + 1 + 16 + 16
ITEM_KEY_BYTES = 32
ITEM_WRAP_BYTES = 24 + ITEM_KEY_BYTES + 16
PAD_BLOCK = 256
MAX_ITEM_BYTES = 256 * 1024
MAX_ITEM_PLAINTEXT_BYTES = 255 * 1024
JOURNAL_CONTEXT = b"iljournl"
SHARE_VERSION = 1
SHARE_CONTEXT = b"interlude/journal-share/v1\x00"
SHARE_COMMITMENT_CONTEXT = b"iljshare"
SHARE_SEAL_BYTES = 16 + 16 + ITEM_KEY_BYTES + primitives.SEAL_OVERHEAD
MAX_SHARE_RECIPIENTS = 64
MAX_SHARE_BYTES = MAX_ITEM_BYTES + 1024 + MAX_SHARE_RECIPIENTS * (16 + SHARE_SEAL_BYTES)


def journal_key(account_key: bytes) -> bytes:
    """crypto_kdf(32, 1, "iljournl", account key): the key that wraps every item key."""
    return primitives.kdf_derive(32, 1, JOURNAL_CONTEXT, account_key)


def share_commitment(item_key: bytes) -> bytes:
    """crypto_kdf(32, 1, "iljshare", item key): binds a share's signature to one key."""
    return primitives.kdf_derive(32, 1, SHARE_COMMITMENT_CONTEXT, item_key)


@dataclass(frozen=True)
class JournalItem:
    """A parsed item: its header fields and sections (parsing proves nothing)."""

    purpose: int
    item_id: uuid.UUID
    author_id: uuid.UUID
    header: bytes
    nonce: bytes
    wrap: bytes
    ciphertext: bytes
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class OpenedItem:
    item: JournalItem
    plaintext: bytes = field(repr=False)
    item_key: bytes = field(repr=False)


def _item_header(purpose: int, item_id: uuid.UUID, author_id: uuid.UUID) -> bytes:
    if purpose not in (PURPOSE_ENTRY, PURPOSE_DRAFT):
        raise MalformedError(f"unknown journal item purpose {purpose}")
    return Writer().u8(ITEM_VERSION).u8(purpose).uuid(item_id).uuid(author_id).getvalue()


def seal_item(
    account_key: bytes,
    author_id: uuid.UUID,
    item_id: uuid.UUID,
    plaintext: bytes,
    *,
    purpose: int = PURPOSE_ENTRY,
    rng: Rng = os_random,
) -> bytes:
    """Encrypts one journal item (an entry or check-in, or a draft) for its author.

    Draws: item key (32), nonce (24), wrap nonce (24).
    """
    if len(plaintext) > MAX_ITEM_PLAINTEXT_BYTES:
        raise MalformedError("journal item too large")
    header = _item_header(purpose, item_id, author_id)
    item_key = primitives.draw(rng, ITEM_KEY_BYTES)
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    ciphertext = primitives.aead_encrypt(
        item_key, nonce, primitives.pad(plaintext, PAD_BLOCK), header
    )
    wrap_nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    wrap = wrap_nonce + primitives.aead_encrypt(
        journal_key(account_key), wrap_nonce, item_key, header
    )
    return (
        Writer()
        .fixed(header, ITEM_HEADER_BYTES)
        .fixed(nonce, 24)
        .fixed(wrap, ITEM_WRAP_BYTES)
        .var32(ciphertext)
        .getvalue()
    )


def parse_item(data: bytes) -> JournalItem:
    """Structure and sizes only; the server uses it to refuse what no client could open."""
    if len(data) > MAX_ITEM_BYTES:
        raise MalformedError("journal item too large")
    reader = Reader(data)
    version = reader.u8()
    if version != ITEM_VERSION:
        raise UnsupportedVersionError(f"journal item version {version}")
    purpose = reader.u8()
    if purpose not in (PURPOSE_ENTRY, PURPOSE_DRAFT):
        raise MalformedError(f"unknown journal item purpose {purpose}")
    item_id = reader.uuid()
    author_id = reader.uuid()
    nonce = reader.fixed(24)
    wrap = reader.fixed(ITEM_WRAP_BYTES)
    ciphertext = reader.var32()
    reader.end()
    padded = len(ciphertext) - primitives.AEAD_TAG_BYTES
    if padded < PAD_BLOCK or padded % PAD_BLOCK:
        raise MalformedError("ciphertext is not a whole number of pad blocks")
    return JournalItem(
        purpose=purpose,
        item_id=item_id,
        author_id=author_id,
        header=bytes(data[:ITEM_HEADER_BYTES]),
        nonce=nonce,
        wrap=wrap,
        ciphertext=ciphertext,
        raw=bytes(data),
    )


def _decrypt_item(item: JournalItem, item_key: bytes) -> bytes:
    padded = primitives.aead_decrypt(item_key, item.nonce, item.ciphertext, item.header)
    return primitives.unpad(padded, PAD_BLOCK)


def open_item(data: bytes, account_key: bytes, author_id: uuid.UUID) -> OpenedItem:
    """Decrypts one of the author's own items; another account's item, or one whose header
    was changed (id, purpose, author), raises `WrongKeyError`."""
    item = parse_item(data)
    if item.author_id != author_id:
        raise WrongKeyError("journal item of another author")
    item_key = primitives.aead_decrypt(
        journal_key(account_key), item.wrap[:24], item.wrap[24:], item.header
    )
    return OpenedItem(item, _decrypt_item(item, item_key), item_key)


@dataclass(frozen=True)
class ShareRecipient:
    user_id: uuid.UUID
    seal: bytes = field(repr=False)


@dataclass(frozen=True)
class Share:
    """A parsed entry share: who shared which entry into which thread, for whom."""

    share_id: uuid.UUID
    thread_id: uuid.UUID
    entry_id: uuid.UUID
    author_id: uuid.UUID
    author_key_id: bytes
    commitment: bytes
    recipients: tuple[ShareRecipient, ...]
    snapshot: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    raw: bytes = field(repr=False)

    def recipient(self, user_id: uuid.UUID) -> ShareRecipient | None:
        return next((r for r in self.recipients if r.user_id == user_id), None)


def _share_seal_plaintext(share_id: uuid.UUID, entry_id: uuid.UUID, item_key: bytes) -> bytes:
    return Writer().uuid(share_id).uuid(entry_id).fixed(item_key, ITEM_KEY_BYTES).getvalue()


def create_share(
    author: Identity,
    account_key: bytes,
    share_id: uuid.UUID,
    thread_id: uuid.UUID,
    entry_blob: bytes,
    recipients: Sequence[tuple[uuid.UUID, bytes]],
    rng: Rng = os_random,
) -> bytes:
    """Shares one entry: its item key sealed to each recipient's X25519 key, the entry
    itself as a snapshot, all signed by the author. `recipients` are (user id, box_pk).

    Draws: one seal ephemeral key (32) per recipient, in user id byte order.
    """
    opened = open_item(entry_blob, account_key, author.user_id)
    if opened.item.purpose != PURPOSE_ENTRY:
        raise MalformedError("only entries can be shared")
    ordered = sorted(recipients, key=lambda r: r[0].bytes)
    if not 1 <= len(ordered) <= MAX_SHARE_RECIPIENTS:
        raise MalformedError("a share has 1..64 recipients")
    if len({r[0] for r in ordered}) != len(ordered):
        raise MalformedError("duplicate share recipient")
    entry_id = opened.item.item_id
    writer = Writer().u8(SHARE_VERSION).uuid(share_id).uuid(thread_id).uuid(entry_id)
    writer.uuid(author.user_id).fixed(author.key_id, 16)
    writer.fixed(share_commitment(opened.item_key), 32).u16(len(ordered))
    plain = _share_seal_plaintext(share_id, entry_id, opened.item_key)
    for user_id, box_pk in ordered:
        writer.uuid(user_id).fixed(primitives.box_seal(plain, box_pk, rng), SHARE_SEAL_BYTES)
    writer.var32(entry_blob)
    unsigned = writer.getvalue()
    return unsigned + author.sign(SHARE_CONTEXT + unsigned)


def parse_share(data: bytes) -> Share:
    """Structure and sizes only (recipients sorted and distinct, a well-formed snapshot of
    an entry by the same author)."""
    if len(data) > MAX_SHARE_BYTES:
        raise MalformedError("share too large")
    reader = Reader(data)
    version = reader.u8()
    if version != SHARE_VERSION:
        raise UnsupportedVersionError(f"share version {version}")
    share_id, thread_id, entry_id = reader.uuid(), reader.uuid(), reader.uuid()
    author_id, author_key_id = reader.uuid(), reader.fixed(16)
    commitment = reader.fixed(32)
    count = reader.u16()
    if not 1 <= count <= MAX_SHARE_RECIPIENTS:
        raise MalformedError("a share has 1..64 recipients")
    recipients = tuple(
        ShareRecipient(reader.uuid(), reader.fixed(SHARE_SEAL_BYTES)) for _ in range(count)
    )
    ids = [r.user_id.bytes for r in recipients]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise MalformedError("share recipients must be sorted and distinct")
    snapshot = reader.var32()
    signature = reader.fixed(primitives.SIGNATURE_BYTES)
    reader.end()
    item = parse_item(snapshot)
    if (item.purpose, item.item_id, item.author_id) != (PURPOSE_ENTRY, entry_id, author_id):
        raise MalformedError("the snapshot is not the shared entry")
    return Share(
        share_id=share_id,
        thread_id=thread_id,
        entry_id=entry_id,
        author_id=author_id,
        author_key_id=author_key_id,
        commitment=commitment,
        recipients=recipients,
        snapshot=snapshot,
        signature=signature,
        raw=bytes(data),
    )


def verify_share(share: Share, author_sign_pk: bytes) -> None:
    """Raises `BadSignatureError` unless `author_sign_pk` (the named key) signed it."""
    if not primitives.equal(key_id(author_sign_pk), share.author_key_id):
        raise BadSignatureError("share key id does not match the given key")
    primitives.verify(author_sign_pk, SHARE_CONTEXT + share.raw[:-64], share.signature)


def open_share(data: bytes, author_sign_pk: bytes, recipient: Identity) -> OpenedItem:
    """A recipient reads a shared entry: verify the author's signature, open this
    recipient's seal, check the key against the signed commitment, decrypt the snapshot."""
    share = parse_share(data)
    verify_share(share, author_sign_pk)
    mine = share.recipient(recipient.user_id)
    if mine is None:
        raise WrongKeyError("this share is not for you")
    reader = Reader(primitives.box_seal_open(mine.seal, recipient.box_pk, recipient.box_sk))
    if reader.uuid() != share.share_id or reader.uuid() != share.entry_id:
        raise WrongKeyError("share seal is for another share")
    item_key = reader.fixed(ITEM_KEY_BYTES)
    reader.end()
    if not primitives.equal(share_commitment(item_key), share.commitment):
        raise KeyCommitmentError("item key does not match the share's commitment")
    item = parse_item(share.snapshot)
    return OpenedItem(item, _decrypt_item(item, item_key), item_key)
