"""Attacks on envelopes, seals and commits; each test fails if its defence is removed."""

import uuid
from dataclasses import dataclass

import pytest

import crypto as c
from crypto import commits as commits_module


@dataclass
class Thread:
    alice: c.Identity
    bob: c.Identity
    mallory: c.Identity
    thread_id: uuid.UUID
    epoch_key: bytes
    commit0: bytes


def new_member(identity: c.Identity, role: c.Role) -> c.NewMember:
    return c.NewMember(identity.user_id, role, identity.key_id, identity.box_pk)


def make_thread() -> Thread:
    alice, bob, mallory = (c.generate_identity(uuid.uuid4()) for _ in range(3))
    thread_id = uuid.uuid4()
    epoch_key = c.create_epoch_key()
    members = [
        new_member(alice, c.Role.THERAPIST),
        new_member(bob, c.Role.CLIENT),
        new_member(mallory, c.Role.MEMBER),
    ]
    commit0 = c.create_commit(alice, thread_id, 0, c.GENESIS_PREV_HASH, members, epoch_key)
    return Thread(alice, bob, mallory, thread_id, epoch_key, commit0)


def test_every_single_byte_flip_in_an_envelope_is_rejected() -> None:
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"I need to talk", epoch_key=t.epoch_key)
    for index in range(len(envelope)):
        for mask in (0x01, 0x80):
            tampered = bytearray(envelope)
            tampered[index] ^= mask
            with pytest.raises(c.CryptoError):
                c.open_message(bytes(tampered), t.bob.sign_pk, epoch_key=t.epoch_key)


def test_header_flips_fail_decryption_even_with_a_valid_signature() -> None:
    """The header is AEAD associated data: re-signing a modified header does not help."""
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"hello", epoch_key=t.epoch_key)
    thread_and_low_epoch_bytes = [*range(2, 18), *range(19, 26)]
    message_id_and_content_type = range(58, 76)
    for index in [*thread_and_low_epoch_bytes, *message_id_and_content_type]:
        tampered = bytearray(envelope[:-64])
        tampered[index] ^= 1
        resigned = bytes(tampered) + t.bob.sign(c.envelope.ENVELOPE_CONTEXT + bytes(tampered))
        with pytest.raises(c.WrongKeyError):
            c.open_message(resigned, t.bob.sign_pk, epoch_key=t.epoch_key)


def _retarget(envelope: bytes, offset: int, value: bytes, signer: c.Identity) -> bytes:
    unsigned = bytearray(envelope[:-64])
    unsigned[offset : offset + len(value)] = value
    return bytes(unsigned) + signer.sign(c.envelope.ENVELOPE_CONTEXT + bytes(unsigned))


def test_envelope_moved_to_another_thread_is_rejected() -> None:
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"secret", epoch_key=t.epoch_key)
    moved = _retarget(envelope, 2, uuid.uuid4().bytes, t.bob)
    with pytest.raises(c.WrongKeyError):
        c.open_message(moved, t.bob.sign_pk, epoch_key=t.epoch_key)


def test_envelope_moved_to_another_epoch_is_rejected() -> None:
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"secret", epoch_key=t.epoch_key)
    moved = _retarget(envelope, 18, (1).to_bytes(8, "big"), t.bob)
    with pytest.raises(c.WrongKeyError):
        c.open_message(moved, t.bob.sign_pk, epoch_key=t.epoch_key)


def test_envelope_moved_to_another_sender_is_rejected() -> None:
    """Mallory re-signs Bob's ciphertext as her own: the header binds the sender."""
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"secret", epoch_key=t.epoch_key)
    moved = _retarget(envelope, 26, t.mallory.user_id.bytes + t.mallory.key_id, t.mallory)
    with pytest.raises(c.WrongKeyError):
        c.open_message(moved, t.mallory.sign_pk, epoch_key=t.epoch_key)


def test_signature_by_another_member_claiming_this_sender_is_rejected() -> None:
    t = make_thread()
    forged_sender = c.Identity(
        user_id=t.bob.user_id,
        sign_seed=t.mallory.sign_seed,
        box_sk=t.mallory.box_sk,
        sign_pk=t.bob.sign_pk,
        box_pk=t.mallory.box_pk,
        sign_sk=t.mallory.sign_sk,
    )
    forged = c.seal_message(forged_sender, t.thread_id, 0, b"from bob", epoch_key=t.epoch_key)
    parsed = c.parse_envelope(forged)
    assert (parsed.sender_id, parsed.sender_key_id) == (t.bob.user_id, t.bob.key_id)
    with pytest.raises(c.BadSignatureError):
        c.verify_envelope(parsed, t.bob.sign_pk)
    with pytest.raises(c.BadSignatureError):
        c.open_message(forged, t.bob.sign_pk, epoch_key=t.epoch_key)
    own_key = c.seal_message(
        c.Identity.from_secrets(t.bob.user_id, t.mallory.sign_seed, t.mallory.box_sk),
        t.thread_id,
        0,
        b"from bob",
        epoch_key=t.epoch_key,
    )
    with pytest.raises(c.BadSignatureError):
        c.verify_envelope(c.parse_envelope(own_key), t.bob.sign_pk)


def test_removed_member_cannot_decrypt_next_epoch() -> None:
    t = make_thread()
    epoch_keys_held_by_mallory = [t.epoch_key]
    key1 = c.create_epoch_key()
    commit1 = c.create_commit(
        t.alice,
        t.thread_id,
        1,
        c.commit_hash(t.commit0),
        [new_member(t.alice, c.Role.THERAPIST), new_member(t.bob, c.Role.CLIENT)],
        key1,
    )
    parsed = c.parse_commit(commit1)
    assert parsed.member(t.mallory.user_id) is None
    with pytest.raises(c.WrongKeyError):
        c.open_commit_seal(parsed, t.mallory)
    for member in parsed.members:
        with pytest.raises(c.WrongKeyError):
            c.open_epoch_seal(member.seal, t.thread_id, 1, t.mallory)
    envelope = c.seal_message(t.bob, t.thread_id, 1, b"after removal", epoch_key=key1)
    for old_key in epoch_keys_held_by_mallory:
        with pytest.raises(c.WrongKeyError):
            c.open_message(envelope, t.bob.sign_pk, epoch_key=old_key)
    assert c.open_commit_seal(parsed, t.bob) == key1


def test_seal_replayed_into_another_thread_or_epoch_is_rejected() -> None:
    t = make_thread()
    seal = c.parse_commit(t.commit0).member(t.bob.user_id)
    assert seal is not None
    with pytest.raises(c.WrongKeyError):
        c.open_epoch_seal(seal.seal, t.thread_id, 1, t.bob)
    with pytest.raises(c.WrongKeyError):
        c.open_epoch_seal(seal.seal, uuid.uuid4(), 0, t.bob)


def test_unsigned_or_wrongly_signed_commit_is_rejected() -> None:
    t = make_thread()
    commit = c.parse_commit(t.commit0)
    unsigned = c.parse_commit(t.commit0[:-64] + bytes(64))
    with pytest.raises(c.BadSignatureError):
        c.verify_commit(unsigned, t.alice.sign_pk)
    with pytest.raises(c.BadSignatureError):
        c.verify_commit(commit, t.mallory.sign_pk)
    body = t.commit0[:-64]
    by_mallory = c.parse_commit(body + t.mallory.sign(commits_module.COMMIT_CONTEXT + body))
    with pytest.raises(c.BadSignatureError):
        c.verify_commit(by_mallory, t.alice.sign_pk)
    keys = {t.alice.key_id: t.alice.sign_pk, t.mallory.key_id: t.mallory.sign_pk}
    with pytest.raises(c.BadSignatureError):
        c.verify_commit_chain([by_mallory.raw], keys)
    c.verify_commit(commit, t.alice.sign_pk)


def test_commit_breaking_the_hash_chain_is_rejected() -> None:
    t = make_thread()
    keys = {i.key_id: i.sign_pk for i in (t.alice, t.bob, t.mallory)}
    members = [new_member(t.alice, c.Role.THERAPIST), new_member(t.bob, c.Role.CLIENT)]
    wrong_prev = c.create_commit(
        t.alice, t.thread_id, 1, bytes(31) + b"\x01", members, c.create_epoch_key()
    )
    skipped = c.create_commit(
        t.alice, t.thread_id, 2, c.commit_hash(t.commit0), members, c.create_epoch_key()
    )
    other_thread = c.create_commit(
        t.alice, uuid.uuid4(), 1, c.commit_hash(t.commit0), members, c.create_epoch_key()
    )
    outsider = c.generate_identity(uuid.uuid4())
    keys[outsider.key_id] = outsider.sign_pk
    by_outsider = c.create_commit(
        outsider, t.thread_id, 1, c.commit_hash(t.commit0), members, c.create_epoch_key()
    )
    for bad in (wrong_prev, skipped, other_thread, by_outsider):
        with pytest.raises(c.ChainError):
            c.verify_commit_chain([t.commit0, bad], keys)
    with pytest.raises(c.ChainError):
        c.verify_commit_chain([wrong_prev], keys)
    good = c.create_commit(
        t.alice, t.thread_id, 1, c.commit_hash(t.commit0), members, c.create_epoch_key()
    )
    assert [x.epoch for x in c.verify_commit_chain([t.commit0, good], keys)] == [0, 1]


def test_commit_with_unsorted_or_duplicate_members_is_malformed() -> None:
    t = make_thread()
    commit = c.parse_commit(t.commit0)
    first, second = commit.members[0], commit.members[1]
    entry_size = 16 + 1 + 16 + 2 + len(first.seal)
    start = len(commit.body) - entry_size * len(commit.members)
    entries = [commit.raw[start + i * entry_size : start + (i + 1) * entry_size] for i in range(3)]
    swapped = commit.raw[:start] + entries[1] + entries[0] + entries[2] + commit.raw[-64:]
    duplicated = commit.raw[:start] + entries[0] + entries[0] + entries[2] + commit.raw[-64:]
    assert first.user_id.bytes < second.user_id.bytes
    for bad in (swapped, duplicated):
        with pytest.raises(c.MalformedError):
            c.parse_commit(bad)


def test_report_with_wrong_message_key_fails_key_commitment() -> None:
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"report me", epoch_key=t.epoch_key)
    opened = c.open_message(envelope, t.bob.sign_pk, epoch_key=t.epoch_key)
    assert c.open_reported_message(envelope, t.bob.sign_pk, opened.message_key) == b"report me"
    for wrong in (t.epoch_key, bytes(32), bytes(a ^ 1 for a in opened.message_key)):
        with pytest.raises(c.KeyCommitmentError):
            c.open_reported_message(envelope, t.bob.sign_pk, wrong)


def test_envelope_with_a_commitment_to_another_key_does_not_open() -> None:
    """A sender cannot make a message that later reports as something else."""
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"x", epoch_key=t.epoch_key)
    parsed = c.parse_envelope(envelope)
    offset = len(envelope) - 64 - 4 - len(parsed.ciphertext) - 32
    unsigned = bytearray(envelope[:-64])
    unsigned[offset : offset + 32] = c.key_commitment(bytes(32))
    resigned = bytes(unsigned) + t.bob.sign(c.envelope.ENVELOPE_CONTEXT + bytes(unsigned))
    with pytest.raises(c.KeyCommitmentError):
        c.open_message(resigned, t.bob.sign_pk, epoch_key=t.epoch_key)


def test_bundle_for_another_user_or_with_swapped_key_is_rejected() -> None:
    t = make_thread()
    bundle = c.parse_public_bundle(c.public_bundle(t.bob))
    with pytest.raises(c.BadSignatureError):
        c.verify_public_bundle(bundle, t.alice.user_id)
    raw = bytearray(bundle.raw)
    raw[49:81] = t.mallory.box_pk
    with pytest.raises(c.BadSignatureError):
        c.verify_public_bundle(c.parse_public_bundle(bytes(raw)), t.bob.user_id)


def test_parsers_reject_wrong_versions_sizes_and_trailing_bytes() -> None:
    t = make_thread()
    envelope = c.seal_message(t.bob, t.thread_id, 0, b"x", epoch_key=t.epoch_key)
    bundle = c.public_bundle(t.bob)
    cases = [
        (c.parse_envelope, b"\x02" + envelope[1:], c.UnsupportedVersionError),
        (c.parse_envelope, envelope[:1] + b"\x02" + envelope[2:], c.UnsupportedVersionError),
        (c.parse_envelope, envelope + b"\x00", c.MalformedError),
        (c.parse_envelope, envelope[:100], c.MalformedError),
        (c.parse_envelope, bytes(c.MAX_ENVELOPE_BYTES + 1), c.MalformedError),
        (c.parse_commit, b"\x02" + t.commit0[1:], c.UnsupportedVersionError),
        (c.parse_commit, t.commit0 + b"\x00", c.MalformedError),
        (c.parse_public_bundle, b"\x02" + bundle[1:], c.UnsupportedVersionError),
        (c.parse_public_bundle, bundle[:-1], c.MalformedError),
    ]
    for parse, data, error in cases:
        with pytest.raises(error):
            parse(data)
