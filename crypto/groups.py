"""Group threads: pseudonymous memberships, the group's info and moderator keys, releases
of held posts and reports (spec: docs/crypto.md section 12).

A membership is an `Identity` whose user id is the membership's random id, so its bundle,
key id and signatures appear nowhere else. The account identity certifies it in a
certificate that only the server and the moderators receive. Moderators share one X25519
key per generation (sealed to each moderator's membership key); a held post seals its
message key to it, and a moderator releases the key to every member by wrapping it under
the current epoch key.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crypto import primitives
from crypto.binary import Reader, Writer
from crypto.commits import Commit, check_chain_link
from crypto.envelope import (
    MESSAGE_KEY_BYTES,
    PAD_BLOCK,
    Envelope,
    key_commitment,
    parse_envelope,
    seal_message_with_key,
)
from crypto.epochs import MAX_EPOCH, message_wrap_key
from crypto.errors import (
    BadSignatureError,
    ChainError,
    KeyCommitmentError,
    MalformedError,
    UnsupportedVersionError,
    WrongKeyError,
)
from crypto.identity import (
    BUNDLE_SIZE,
    Identity,
    PublicBundle,
    key_id,
    parse_public_bundle,
    public_bundle,
    verify_public_bundle,
)
from crypto.primitives import Rng, os_random

GROUP_FORMAT_VERSION = 1
SECRET_BYTES = 32
CERTIFICATE_CONTEXT = b"interlude/membership/v1\x00"
CERTIFICATE_BYTES = 1 + 16 + 16 + 16 + BUNDLE_SIZE + 64
GROUP_SECRET_PLAINTEXT_BYTES = 1 + 16 + 8 + SECRET_BYTES
GROUP_SECRET_SEAL_BYTES = GROUP_SECRET_PLAINTEXT_BYTES + primitives.SEAL_OVERHEAD
INFO_CONTEXT = b"interlude/group-info/v1\x00"
MAX_INFO_BYTES = 16 * 1024
MOD_KEY_CONTEXT = b"interlude/mod-key/v1\x00"
MAX_MODERATORS = 64
RELEASE_CONTEXT = b"interlude/release/v1\x00"
RELEASE_BYTES = 1 + 8 + 24 + MESSAGE_KEY_BYTES + 16
MAX_REPORT_NOTE_BYTES = 1000
AUTHOR_COPY_KEY_CONTEXT = b"ilauthcp"
AUTHOR_COPY_CONTEXT = b"interlude/author-copy/v1\x00"
AUTHOR_COPY_BYTES = 1 + 24 + MESSAGE_KEY_BYTES + 16


class SecretKind(enum.IntEnum):
    """What a group secret seal carries."""

    INFO_KEY = 1
    MODERATOR_KEY = 2
    # The clinic's admin key (crypto/group_labels.py): the "thread" field holds the clinic id.
    ADMIN_KEY = 3


class ReportCategory(enum.IntEnum):
    HARASSMENT = 1
    RISK_OF_HARM = 2
    SPAM = 3
    PRIVACY = 4
    OTHER = 5


# --- membership certificate -------------------------------------------------------------


@dataclass(frozen=True)
class MembershipCertificate:
    thread_id: uuid.UUID
    account_id: uuid.UUID
    account_key_id: bytes
    member: PublicBundle
    signature: bytes
    raw: bytes


def create_membership_certificate(
    account: Identity, thread_id: uuid.UUID, membership: Identity
) -> bytes:
    """The account identity vouches that `membership` (its bundle) is its pseudonym here."""
    body = (
        Writer()
        .u8(GROUP_FORMAT_VERSION)
        .uuid(thread_id)
        .uuid(account.user_id)
        .fixed(account.key_id, 16)
        .fixed(public_bundle(membership), BUNDLE_SIZE)
        .getvalue()
    )
    return body + account.sign(CERTIFICATE_CONTEXT + body)


def parse_membership_certificate(data: bytes) -> MembershipCertificate:
    reader = Reader(data)
    version = reader.u8()
    if version != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError(f"certificate version {version}")
    thread_id, account_id, account_key_id = reader.uuid(), reader.uuid(), reader.fixed(16)
    member = parse_public_bundle(reader.fixed(BUNDLE_SIZE))
    signature = reader.fixed(64)
    reader.end()
    return MembershipCertificate(
        thread_id, account_id, account_key_id, member, signature, bytes(data)
    )


def verify_membership_certificate(
    cert: MembershipCertificate, account_sign_pk: bytes, thread_id: uuid.UUID
) -> None:
    """Checks the account key signed it for this thread, and the membership bundle's own
    signature (proof that the member holds the membership signing key)."""
    if cert.thread_id != thread_id:
        raise BadSignatureError("certificate is for another thread")
    if not primitives.equal(key_id(account_sign_pk), cert.account_key_id):
        raise BadSignatureError("account key id does not match the given key")
    primitives.verify(account_sign_pk, CERTIFICATE_CONTEXT + cert.raw[:-64], cert.signature)
    verify_public_bundle(cert.member, cert.member.user_id)


# --- group secrets: the info key and moderator keys ------------------------------------


def seal_group_secret(
    kind: SecretKind,
    thread_id: uuid.UUID,
    generation: int,
    secret: bytes,
    recipient_box_pk: bytes,
    rng: Rng = os_random,
) -> bytes:
    """SEAL(u8 kind ‖ thread ‖ u64 generation ‖ secret(32)) to one X25519 key (105 bytes)."""
    if not 0 <= generation <= MAX_EPOCH:
        raise MalformedError("generation out of range")
    plaintext = (
        Writer().u8(kind).uuid(thread_id).u64(generation).fixed(secret, SECRET_BYTES).getvalue()
    )
    return primitives.box_seal(plaintext, recipient_box_pk, rng)


def open_group_secret(
    seal: bytes,
    kind: SecretKind,
    thread_id: uuid.UUID,
    generation: int,
    box_pk: bytes,
    box_sk: bytes,
) -> bytes:
    if len(seal) != GROUP_SECRET_SEAL_BYTES:
        raise MalformedError("group secret seal has the wrong size")
    reader = Reader(primitives.box_seal_open(seal, box_pk, box_sk))
    if reader.u8() != kind or reader.uuid() != thread_id or reader.u64() != generation:
        raise WrongKeyError("seal is for another kind, thread or generation")
    secret = reader.fixed(SECRET_BYTES)
    reader.end()
    return secret


def encrypt_group_info(
    info_key: bytes, thread_id: uuid.UUID, plaintext: bytes, rng: Rng = os_random
) -> bytes:
    """u8 1 ‖ thread ‖ nonce(24) ‖ var32 AEAD(info_key, nonce, PAD(pt), ctx ‖ first 17 bytes)."""
    if len(plaintext) > MAX_INFO_BYTES:
        raise MalformedError("group info too large")
    head = Writer().u8(GROUP_FORMAT_VERSION).uuid(thread_id).getvalue()
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    sealed = primitives.aead_encrypt(
        info_key, nonce, primitives.pad(plaintext, PAD_BLOCK), INFO_CONTEXT + head
    )
    return head + nonce + Writer().var32(sealed).getvalue()


def check_group_info(data: bytes, thread_id: uuid.UUID) -> None:
    """Structure only (the server's check): version, thread, sizes."""
    reader = Reader(data)
    if reader.u8() != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("group info version")
    if reader.uuid() != thread_id:
        raise MalformedError("group info is for another thread")
    reader.fixed(primitives.AEAD_NONCE_BYTES)
    sealed = reader.var32()
    reader.end()
    padded = len(sealed) - primitives.AEAD_TAG_BYTES
    if padded < PAD_BLOCK or padded % PAD_BLOCK or padded > MAX_INFO_BYTES + PAD_BLOCK:
        raise MalformedError("group info is not a whole number of pad blocks")


def decrypt_group_info(data: bytes, info_key: bytes, thread_id: uuid.UUID) -> bytes:
    check_group_info(data, thread_id)
    head, nonce, sealed = data[:17], data[17:41], data[45:]
    padded = primitives.aead_decrypt(info_key, nonce, sealed, INFO_CONTEXT + head)
    return primitives.unpad(padded, PAD_BLOCK)


@dataclass(frozen=True)
class ModeratorKeyPackage:
    thread_id: uuid.UUID
    generation: int
    public_key: bytes
    author_id: uuid.UUID
    author_key_id: bytes
    seals: tuple[tuple[uuid.UUID, bytes], ...]
    signature: bytes
    raw: bytes


def create_moderator_key(
    author: Identity,
    thread_id: uuid.UUID,
    generation: int,
    moderators: Sequence[tuple[uuid.UUID, bytes]],
    rng: Rng = os_random,
) -> tuple[bytes, bytes]:
    """A fresh moderators' X25519 key sealed to each (member id, box pk), sorted by member
    id; returns (signed package, secret key). Draws: secret (32), then one seal each."""
    ordered = sorted(moderators, key=lambda m: m[0].bytes)
    if not 1 <= len(ordered) <= MAX_MODERATORS or len({m for m, _ in ordered}) != len(ordered):
        raise MalformedError("a moderator key has 1..64 distinct moderators")
    secret = primitives.draw(rng, SECRET_BYTES)
    writer = Writer().u8(GROUP_FORMAT_VERSION).uuid(thread_id).u64(generation)
    writer.fixed(primitives.box_public_key(secret), 32).uuid(author.user_id)
    writer.fixed(author.key_id, 16).u16(len(ordered))
    for member_id, box_pk in ordered:
        seal = seal_group_secret(
            SecretKind.MODERATOR_KEY, thread_id, generation, secret, box_pk, rng
        )
        writer.uuid(member_id).fixed(seal, GROUP_SECRET_SEAL_BYTES)
    body = writer.getvalue()
    return body + author.sign(MOD_KEY_CONTEXT + body), secret


def parse_moderator_key(data: bytes) -> ModeratorKeyPackage:
    reader = Reader(data)
    if reader.u8() != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("moderator key version")
    thread_id, generation, public_key = reader.uuid(), reader.u64(), reader.fixed(32)
    author_id, author_key_id, count = reader.uuid(), reader.fixed(16), reader.u16()
    if not 1 <= count <= MAX_MODERATORS or generation > MAX_EPOCH:
        raise MalformedError("moderator key out of range")
    seals: list[tuple[uuid.UUID, bytes]] = []
    for _ in range(count):
        member_id, seal = reader.uuid(), reader.fixed(GROUP_SECRET_SEAL_BYTES)
        if seals and seals[-1][0].bytes >= member_id.bytes:
            raise MalformedError("moderators are not sorted and unique")
        seals.append((member_id, seal))
    signature = reader.fixed(64)
    reader.end()
    return ModeratorKeyPackage(
        thread_id,
        generation,
        public_key,
        author_id,
        author_key_id,
        tuple(seals),
        signature,
        bytes(data),
    )


def verify_moderator_key(package: ModeratorKeyPackage, author_sign_pk: bytes) -> None:
    if not primitives.equal(key_id(author_sign_pk), package.author_key_id):
        raise BadSignatureError("author key id does not match the given key")
    primitives.verify(author_sign_pk, MOD_KEY_CONTEXT + package.raw[:-64], package.signature)


def open_moderator_key(package: ModeratorKeyPackage, moderator: Identity) -> bytes:
    """The moderators' secret key from `moderator`'s seal (its membership identity)."""
    seal = next((s for m, s in package.seals if m == moderator.user_id), None)
    if seal is None:
        raise WrongKeyError("not a moderator in this generation")
    secret = open_group_secret(
        seal,
        SecretKind.MODERATOR_KEY,
        package.thread_id,
        package.generation,
        moderator.box_pk,
        moderator.box_sk,
    )
    if not primitives.equal(primitives.box_public_key(secret), package.public_key):
        raise WrongKeyError("sealed secret does not match the package's public key")
    return secret


def open_held_key(envelope: Envelope, moderator_secret: bytes) -> bytes:
    """The message key of a held (scope mod) post; the caller decrypts it with
    `open_reported_message`, which checks the signature and the key commitment."""
    public_key = primitives.box_public_key(moderator_secret)
    key = primitives.box_seal_open(envelope.wrap, public_key, moderator_secret)
    if len(key) != MESSAGE_KEY_BYTES:
        raise MalformedError("wrapped message key has the wrong size")
    return key


# --- releases of held posts ------------------------------------------------------------


def _release_ad(epoch: int, envelope: Envelope) -> bytes:
    return RELEASE_CONTEXT + Writer().u64(epoch).getvalue() + envelope.header


def release_held_key(
    message_key: bytes, envelope: Envelope, epoch: int, epoch_key: bytes, rng: Rng = os_random
) -> bytes:
    """u8 1 ‖ u64 epoch ‖ wnonce(24) ‖ AEAD(wrap key of epoch, wnonce, message key,
    ctx ‖ u64 epoch ‖ post header): 81 bytes. Draws: wnonce (24)."""
    if not primitives.equal(key_commitment(message_key), envelope.key_commitment):
        raise KeyCommitmentError("that is not this post's message key")
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    wrapped = primitives.aead_encrypt(
        message_wrap_key(epoch_key), nonce, message_key, _release_ad(epoch, envelope)
    )
    return Writer().u8(GROUP_FORMAT_VERSION).u64(epoch).getvalue() + nonce + wrapped


def release_epoch(release: bytes) -> int:
    """The epoch a release is wrapped for (the server checks it is the current one)."""
    if len(release) != RELEASE_BYTES:
        raise MalformedError("release has the wrong size")
    reader = Reader(release[:9])
    if reader.u8() != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("release version")
    epoch = reader.u64()
    if epoch > MAX_EPOCH:
        raise MalformedError("epoch out of range")
    return epoch


def open_release(release: bytes, envelope: Envelope, epoch_key: bytes) -> bytes:
    """The released message key; checked against the post's key commitment."""
    epoch = release_epoch(release)
    key = primitives.aead_decrypt(
        message_wrap_key(epoch_key), release[9:33], release[33:], _release_ad(epoch, envelope)
    )
    if not primitives.equal(key_commitment(key), envelope.key_commitment):
        raise KeyCommitmentError("released key does not match the post")
    return key


# --- the author's copy of a held post's key -------------------------------------------


def author_copy_key(account_key: bytes) -> bytes:
    """crypto_kdf(32, 1, "ilauthcp", account key): wraps the keys of the account's held
    posts, so every device that unlocks the account reads what it is waiting for."""
    if len(account_key) != SECRET_BYTES:
        raise MalformedError("account key has the wrong size")
    return primitives.kdf_derive(32, 1, AUTHOR_COPY_KEY_CONTEXT, account_key)


def _author_copy_ad(envelope: Envelope) -> bytes:
    return AUTHOR_COPY_CONTEXT + envelope.header


def wrap_author_copy(
    message_key: bytes, envelope: Envelope, account_key: bytes, rng: Rng = os_random
) -> bytes:
    """u8 1 ‖ wnonce(24) ‖ AEAD(author copy key, wnonce, message key, ctx ‖ post header):
    73 bytes. Draws: wnonce (24)."""
    if not primitives.equal(key_commitment(message_key), envelope.key_commitment):
        raise KeyCommitmentError("that is not this post's message key")
    nonce = primitives.draw(rng, primitives.AEAD_NONCE_BYTES)
    wrapped = primitives.aead_encrypt(
        author_copy_key(account_key), nonce, message_key, _author_copy_ad(envelope)
    )
    return Writer().u8(GROUP_FORMAT_VERSION).getvalue() + nonce + wrapped


def check_author_copy(data: bytes) -> None:
    """The structure the server can check: size and version."""
    if len(data) != AUTHOR_COPY_BYTES:
        raise MalformedError("author copy has the wrong size")
    if data[0] != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("author copy version")


def open_author_copy(data: bytes, envelope: Envelope, account_key: bytes) -> bytes:
    """The held post's message key, for its author; checked against the key commitment.
    The caller decrypts with `open_reported_message` (which verifies the signature)."""
    check_author_copy(data)
    key = primitives.aead_decrypt(
        author_copy_key(account_key), data[1:25], data[25:], _author_copy_ad(envelope)
    )
    if not primitives.equal(key_commitment(key), envelope.key_commitment):
        raise KeyCommitmentError("author copy does not match the post")
    return key


def seal_held_post(
    sender: Identity,
    thread_id: uuid.UUID,
    epoch: int,
    plaintext: bytes,
    moderator_pk: bytes,
    account_key: bytes,
    rng: Rng = os_random,
) -> tuple[bytes, bytes]:
    """A held post (scope mod envelope) and its author copy. Draws: the envelope's
    (client message id, message key, nonce, seal ephemeral key), then the copy's wnonce."""
    raw, message_key = seal_message_with_key(
        sender, thread_id, epoch, plaintext, moderator_pk=moderator_pk, rng=rng
    )
    return raw, wrap_author_copy(message_key, parse_envelope(raw), account_key, rng)


# --- reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedReport:
    message_key: bytes
    category: ReportCategory
    note: str


def seal_report(
    envelope: Envelope,
    message_key: bytes,
    category: ReportCategory,
    note: str,
    moderator_pk: bytes,
    rng: Rng = os_random,
) -> bytes:
    """SEAL(u8 1 ‖ thread ‖ client message id ‖ message key ‖ u8 category ‖ var16 note)
    to the moderators' key: it reveals this one post's key and nothing else."""
    note_bytes = note.encode()
    if len(note_bytes) > MAX_REPORT_NOTE_BYTES:
        raise MalformedError("report note too long")
    plaintext = (
        Writer()
        .u8(GROUP_FORMAT_VERSION)
        .uuid(envelope.thread_id)
        .fixed(envelope.client_message_id, 16)
        .fixed(message_key, MESSAGE_KEY_BYTES)
        .u8(ReportCategory(category))
        .var16(note_bytes)
        .getvalue()
    )
    return primitives.box_seal(plaintext, moderator_pk, rng)


def open_report(seal: bytes, envelope: Envelope, moderator_secret: bytes) -> OpenedReport:
    """Opens a report about `envelope`; the revealed key must match its key commitment."""
    public_key = primitives.box_public_key(moderator_secret)
    reader = Reader(primitives.box_seal_open(seal, public_key, moderator_secret))
    if reader.u8() != GROUP_FORMAT_VERSION:
        raise UnsupportedVersionError("report version")
    if reader.uuid() != envelope.thread_id or reader.fixed(16) != envelope.client_message_id:
        raise WrongKeyError("report is about another post")
    message_key, category = reader.fixed(MESSAGE_KEY_BYTES), reader.u8()
    note = reader.var16()
    reader.end()
    if category not in ReportCategory._value2member_map_:
        raise MalformedError("unknown report category")
    if not primitives.equal(key_commitment(message_key), envelope.key_commitment):
        raise KeyCommitmentError("reported key does not match the post")
    try:
        text = note.decode()
    except UnicodeDecodeError:
        raise MalformedError("report note is not UTF-8") from None
    return OpenedReport(message_key, ReportCategory(category), text)


# --- group chain rule ------------------------------------------------------------------


def check_group_chain_link(previous: Commit | None, commit: Commit) -> None:
    """Like `check_chain_link`, plus joins: in a group, the author of a commit may be the
    one member it adds, provided every member of `previous` stays with the same role and
    key (a joiner can add only itself)."""
    if previous is None or previous.member(commit.author_id) is not None:
        check_chain_link(previous, commit)
        return
    if commit.thread_id != previous.thread_id or commit.epoch != previous.epoch + 1:
        raise ChainError("commit does not follow the previous epoch")
    if not primitives.equal(commit.prev_hash, previous.hash):
        raise ChainError("commit does not name the previous commit's hash")
    kept = {(m.user_id, m.role, m.key_id) for m in previous.members}
    now = {(m.user_id, m.role, m.key_id) for m in commit.members}
    added = {m.user_id for m in commit.members} - {m.user_id for m in previous.members}
    if not kept <= now or added != {commit.author_id}:
        raise ChainError("a joining author may only add itself")


# --- membership keys -------------------------------------------------------------------

MEMBERSHIP_KEY_CONTEXT = b"interlude/membership-key/v1\x00"


def membership_identity(account_key: bytes, thread_id: uuid.UUID, member_id: uuid.UUID) -> Identity:
    """The membership's keys, derived from the account key so that every device that
    unlocks the account has them: BLAKE2b-512(ctx ‖ thread ‖ member id, key=account key)
    gives the signing seed (first 32 bytes) and the X25519 secret (last 32)."""
    if len(account_key) != SECRET_BYTES:
        raise MalformedError("account key has the wrong size")
    material = primitives.domain_hash(
        account_key, MEMBERSHIP_KEY_CONTEXT + thread_id.bytes + member_id.bytes, 64
    )
    return Identity.from_secrets(member_id, material[:32], material[32:])
