"""Signed membership commits: one per epoch, hash-chained, in a canonical binary encoding.

Members are sorted by user id with no duplicates and every field has one encoding, so a
commit has exactly one byte string; its hash (keyed BLAKE2b of the whole signed commit) is
what the next commit names as its previous hash. Epoch 0 names 32 zero bytes.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.epochs import (
    MAX_EPOCH,
    SEAL_BYTES,
    epoch_key_commitment,
    open_epoch_seal,
    seal_epoch_key,
)
from crypto.errors import (
    BadSignatureError,
    ChainError,
    MalformedError,
    UnsupportedVersionError,
    WrongKeyError,
)
from crypto.identity import Identity, PublicBundle, key_id
from crypto.primitives import Rng, os_random

COMMIT_VERSION = 1
COMMIT_CONTEXT = b"interlude/commit/v1\x00"
COMMIT_HASH_DOMAIN = b"interlude/commit-hash/v1"
HASH_BYTES = 32
GENESIS_PREV_HASH = bytes(HASH_BYTES)
MAX_MEMBERS = 1024
MAX_COMMIT_BYTES = (
    1 + 16 + 8 + 32 + 16 + 16 + 32 + 2 + MAX_MEMBERS * (16 + 1 + 16 + 2 + SEAL_BYTES) + 64
)


class Role(enum.IntEnum):
    """A member's role in a thread, encoded as one byte."""

    CLIENT = 1
    THERAPIST = 2
    MODERATOR = 3
    MEMBER = 4


@dataclass(frozen=True)
class NewMember:
    """What an author needs to add a member: id, role, signing key id, encryption key."""

    user_id: uuid.UUID
    role: Role
    key_id: bytes
    box_pk: bytes

    @classmethod
    def from_bundle(cls, bundle: PublicBundle, role: Role) -> NewMember:
        """From a bundle the caller has already verified with `verify_public_bundle`."""
        return cls(bundle.user_id, role, bundle.key_id, bundle.box_pk)


@dataclass(frozen=True)
class CommitMember:
    user_id: uuid.UUID
    role: Role
    key_id: bytes
    seal: bytes


@dataclass(frozen=True)
class Commit:
    """A parsed commit. Parsing checks structure only: call `verify_commit` for the signature."""

    version: int
    thread_id: uuid.UUID
    epoch: int
    prev_hash: bytes
    author_id: uuid.UUID
    author_key_id: bytes
    epoch_key_commitment: bytes
    members: tuple[CommitMember, ...]
    signature: bytes
    body: bytes
    raw: bytes

    @property
    def hash(self) -> bytes:
        return commit_hash(self.raw)

    def member(self, user_id: uuid.UUID) -> CommitMember | None:
        """The entry for `user_id`, or None if they are not a member in this epoch."""
        return next((m for m in self.members if m.user_id == user_id), None)


def commit_hash(commit_bytes: bytes) -> bytes:
    """BLAKE2b-256 of the whole signed commit, keyed with "interlude/commit-hash/v1"."""
    return primitives.domain_hash(COMMIT_HASH_DOMAIN, commit_bytes, HASH_BYTES)


def create_commit(
    author: Identity,
    thread_id: uuid.UUID,
    epoch: int,
    prev_hash: bytes,
    members: Sequence[NewMember],
    epoch_key: bytes,
    rng: Rng = os_random,
) -> bytes:
    """Seals `epoch_key` to every member and returns the commit signed by `author`.

    Members are sorted by user id; randomness is drawn for their seals in that order.
    """
    ordered = sorted(members, key=lambda m: m.user_id.bytes)
    if not 1 <= len(ordered) <= MAX_MEMBERS:
        raise MalformedError("a commit has 1..1024 members")
    if len({m.user_id for m in ordered}) != len(ordered):
        raise MalformedError("duplicate member")
    writer = Writer().u8(COMMIT_VERSION).uuid(thread_id).u64(epoch).fixed(prev_hash, HASH_BYTES)
    writer.uuid(author.user_id).fixed(author.key_id, 16)
    writer.fixed(epoch_key_commitment(epoch_key), 32).u16(len(ordered))
    for member in ordered:
        seal = seal_epoch_key(epoch_key, thread_id, epoch, member.box_pk, rng)
        writer.uuid(member.user_id).u8(Role(member.role)).fixed(member.key_id, 16).var16(seal)
    body = writer.getvalue()
    return body + author.sign(COMMIT_CONTEXT + body)


def parse_commit(data: bytes) -> Commit:
    """Parses and validates a commit's structure: sizes, known roles, sorted unique members."""
    if len(data) > MAX_COMMIT_BYTES:
        raise MalformedError("commit too large")
    reader = Reader(data)
    version = reader.u8()
    if version != COMMIT_VERSION:
        raise UnsupportedVersionError(f"commit version {version}")
    thread_id, epoch, prev_hash = reader.uuid(), reader.u64(), reader.fixed(HASH_BYTES)
    author_id, author_key_id = reader.uuid(), reader.fixed(16)
    commitment = reader.fixed(32)
    count = reader.u16()
    if not 1 <= count <= MAX_MEMBERS:
        raise MalformedError("a commit has 1..1024 members")
    members: list[CommitMember] = []
    for _ in range(count):
        user_id, role_byte, member_key_id = reader.uuid(), reader.u8(), reader.fixed(16)
        seal = reader.var16()
        if role_byte not in Role._value2member_map_:
            raise MalformedError(f"unknown role {role_byte}")
        if len(seal) != SEAL_BYTES:
            raise MalformedError("seal has the wrong size")
        if members and members[-1].user_id.bytes >= user_id.bytes:
            raise MalformedError("members are not sorted and unique")
        members.append(CommitMember(user_id, Role(role_byte), member_key_id, seal))
    body_end = reader.position
    signature = reader.fixed(64)
    reader.end()
    if epoch > MAX_EPOCH:
        raise MalformedError("epoch out of range")
    if epoch == 0 and prev_hash != GENESIS_PREV_HASH:
        raise MalformedError("epoch 0 must name an all-zero previous hash")
    return Commit(
        version=version,
        thread_id=thread_id,
        epoch=epoch,
        prev_hash=prev_hash,
        author_id=author_id,
        author_key_id=author_key_id,
        epoch_key_commitment=commitment,
        members=tuple(members),
        signature=signature,
        body=bytes(data[:body_end]),
        raw=bytes(data),
    )


def verify_commit(commit: Commit, author_sign_pk: bytes) -> None:
    """Checks the commit was signed by `author_sign_pk` and that key is the one it names.

    Raises `BadSignatureError` otherwise.
    """
    if not primitives.equal(key_id(author_sign_pk), commit.author_key_id):
        raise BadSignatureError("author key id does not match the given key")
    primitives.verify(author_sign_pk, COMMIT_CONTEXT + commit.body, commit.signature)


def check_chain_link(previous: Commit | None, commit: Commit) -> None:
    """Checks `commit` directly extends `previous` (None: `commit` must be epoch 0).

    Same thread, epoch + 1, previous hash equal to `commit_hash(previous.raw)`, and the
    author a member of the previous epoch; raises `ChainError` otherwise.
    """
    if previous is None:
        if commit.epoch != 0 or commit.prev_hash != GENESIS_PREV_HASH:
            raise ChainError("the first commit must be epoch 0 with a zero previous hash")
        if commit.member(commit.author_id) is None:
            raise ChainError("the author of epoch 0 must be a member")
        return
    if commit.thread_id != previous.thread_id:
        raise ChainError("commit belongs to another thread")
    if commit.epoch != previous.epoch + 1:
        raise ChainError("commit does not follow the previous epoch")
    if not primitives.equal(commit.prev_hash, previous.hash):
        raise ChainError("commit does not name the previous commit's hash")
    if previous.member(commit.author_id) is None:
        raise ChainError("the author was not a member of the previous epoch")


def verify_commit_chain(commits: Sequence[bytes], sign_keys: Mapping[bytes, bytes]) -> list[Commit]:
    """Parses and verifies a thread's commits from epoch 0 in order.

    `sign_keys` maps key id → Ed25519 public key (from verified bundles). Every commit must
    be signed by a known key and extend its predecessor; the first error is raised.
    """
    verified: list[Commit] = []
    for data in commits:
        commit = parse_commit(data)
        author_pk = sign_keys.get(commit.author_key_id)
        if author_pk is None:
            raise BadSignatureError("commit signed by an unknown key")
        verify_commit(commit, author_pk)
        check_chain_link(verified[-1] if verified else None, commit)
        verified.append(commit)
    return verified


def open_commit_seal(commit: Commit, identity: Identity) -> bytes:
    """Opens `identity`'s seal in the commit and checks it against the epoch key commitment.

    Raises `WrongKeyError` if the identity is not a member or its seal does not open.
    """
    member = commit.member(identity.user_id)
    if member is None:
        raise WrongKeyError("not a member of this epoch")
    key = open_epoch_seal(member.seal, commit.thread_id, commit.epoch, identity)
    if not primitives.equal(epoch_key_commitment(key), commit.epoch_key_commitment):
        raise WrongKeyError("epoch key does not match the commit's commitment")
    return key
