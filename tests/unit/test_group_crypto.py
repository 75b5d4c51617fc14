"""Group crypto (docs/crypto.md section 12): the vectors byte for byte, and attacks."""

import importlib.util
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

import crypto as c
from crypto import groups as g
from tests.unit.test_crypto_vectors import replay

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"
V: dict[str, Any] = json.loads((VECTORS_DIR / "crypto-groups-v1.json").read_text("utf-8"))
d = c.b64decode
e = c.b64encode
GROUP = uuid.UUID(V["group_id"])


def account(name: str) -> c.Identity:
    v = V["accounts"][name]
    return c.generate_identity(uuid.UUID(v["user_id"]), replay(v["rng"]))


def membership(name: str) -> c.Identity:
    v = V["memberships"][name]
    key = d(V["accounts"][v["account"]]["account_key"])
    return g.membership_identity(key, GROUP, uuid.UUID(v["member_id"]))


def test_group_vectors_file_is_what_the_generator_produces() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_group_vectors", VECTORS_DIR / "make_group_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (VECTORS_DIR / "crypto-groups-v1.json").read_text("utf-8")


def test_membership_keys_and_certificate_vectors() -> None:
    for name, v in V["memberships"].items():
        identity = membership(name)
        assert (e(identity.sign_pk), e(identity.box_pk)) == (v["sign_pk"], v["box_pk"])
        assert e(c.public_bundle(identity)) == v["bundle"]
    bob = account("bob")
    cert = g.create_membership_certificate(bob, GROUP, membership("member"))
    assert e(cert) == V["certificate"]["bytes"]
    g.verify_membership_certificate(g.parse_membership_certificate(cert), bob.sign_pk, GROUP)


def test_info_moderator_key_commit_held_post_release_and_report_vectors() -> None:
    bob, moderator, member = account("bob"), membership("moderator"), membership("member")
    info = V["info"]
    seal = g.seal_group_secret(
        g.SecretKind.INFO_KEY, GROUP, 0, d(info["key"]), bob.box_pk, replay(info["seal_rng"])
    )
    assert e(seal) == info["seal"]
    assert g.open_group_secret(seal, g.SecretKind.INFO_KEY, GROUP, 0, bob.box_pk, bob.box_sk) == d(
        info["key"]
    )
    blob = g.encrypt_group_info(
        d(info["key"]), GROUP, info["plaintext"].encode(), replay(info["rng"])
    )
    assert e(blob) == info["bytes"]
    assert g.decrypt_group_info(blob, d(info["key"]), GROUP).decode() == info["plaintext"]

    mk = V["moderator_key"]
    package, secret = g.create_moderator_key(
        moderator, GROUP, 1, [(moderator.user_id, moderator.box_pk)], replay(mk["rng"])
    )
    assert (e(package), e(secret)) == (mk["package"], mk["secret"])
    parsed = g.parse_moderator_key(package)
    g.verify_moderator_key(parsed, moderator.sign_pk)
    assert g.open_moderator_key(parsed, moderator) == secret

    cv = V["commit"]
    rng = replay(cv["rng"])
    epoch_key = c.create_epoch_key(rng)
    commit = c.create_commit(
        member,
        GROUP,
        0,
        c.GENESIS_PREV_HASH,
        [
            c.NewMember(moderator.user_id, c.Role.MODERATOR, moderator.key_id, moderator.box_pk),
            c.NewMember(member.user_id, c.Role.MEMBER, member.key_id, member.box_pk),
        ],
        epoch_key,
        rng,
    )
    assert e(commit) == cv["bytes"]

    hv = V["held_post"]
    held = c.seal_message(
        member,
        GROUP,
        0,
        hv["plaintext"].encode(),
        moderator_pk=parsed.public_key,
        rng=replay(hv["rng"]),
    )
    assert e(held) == hv["envelope"]
    envelope = c.parse_envelope(held)
    assert e(g.open_held_key(envelope, secret)) == hv["message_key"]

    release = g.release_held_key(
        d(hv["message_key"]), envelope, 0, epoch_key, replay(V["release"]["rng"])
    )
    assert e(release) == V["release"]["bytes"]
    key = g.open_release(release, envelope, epoch_key)
    assert c.open_reported_message(envelope, member.sign_pk, key) == hv["plaintext"].encode()

    rv = V["report"]
    report = g.seal_report(
        envelope,
        key,
        g.ReportCategory(rv["category"]),
        rv["note"],
        parsed.public_key,
        replay(rv["rng"]),
    )
    assert e(report) == rv["seal"]
    opened = g.open_report(report, envelope, secret)
    assert (opened.category, opened.note) == (rv["category"], rv["note"])


def test_report_seal_opens_only_for_its_post() -> None:
    member = membership("member")
    secret = d(V["moderator_key"]["secret"])
    public = c.parse_envelope(d(V["held_post"]["envelope"]))
    mod_pk = g.parse_moderator_key(d(V["moderator_key"]["package"])).public_key
    key = g.open_held_key(public, secret)
    other = c.parse_envelope(c.seal_message(member, GROUP, 0, b"another post", moderator_pk=mod_pk))
    report = g.seal_report(public, key, g.ReportCategory.SPAM, "", mod_pk)
    with pytest.raises(c.WrongKeyError):
        g.open_report(report, other, secret)
    # A reporter revealing this post's key for another post fails the key commitment.
    misattributed = g.seal_report(other, key, g.ReportCategory.SPAM, "", mod_pk)
    with pytest.raises(c.KeyCommitmentError):
        g.open_report(misattributed, other, secret)
    with pytest.raises(c.KeyCommitmentError):
        g.release_held_key(key, other, 0, bytes(32))


def test_author_copy_vectors_and_the_held_post_it_opens() -> None:
    member = membership("member")
    hv, av = V["held_post"], V["author_copy"]
    account_key = d(V["accounts"][av["account"]]["account_key"])
    mod_pk = g.parse_moderator_key(d(V["moderator_key"]["package"])).public_key
    held, copy = g.seal_held_post(
        member,
        GROUP,
        0,
        hv["plaintext"].encode(),
        mod_pk,
        account_key,
        replay(hv["rng"] + av["rng"]),
    )
    assert (e(held), e(copy)) == (hv["envelope"], av["bytes"])
    assert len(copy) == g.AUTHOR_COPY_BYTES
    envelope = c.parse_envelope(held)
    key = g.open_author_copy(copy, envelope, account_key)
    assert e(key) == hv["message_key"]
    assert c.open_reported_message(envelope, member.sign_pk, key) == hv["plaintext"].encode()


def test_an_author_copy_opens_only_for_its_author_and_its_post() -> None:
    member = membership("member")
    bob_key = d(V["accounts"]["bob"]["account_key"])
    alice_key = d(V["accounts"]["alice"]["account_key"])
    mod_pk = g.parse_moderator_key(d(V["moderator_key"]["package"])).public_key
    envelope = c.parse_envelope(d(V["held_post"]["envelope"]))
    copy = d(V["author_copy"]["bytes"])
    # Another account (a moderator's included) derives another key.
    with pytest.raises(c.WrongKeyError):
        g.open_author_copy(copy, envelope, alice_key)
    # The server cannot move a copy onto another of the author's posts.
    other_raw, _ = g.seal_held_post(member, GROUP, 0, b"another post", mod_pk, bob_key)
    with pytest.raises(c.WrongKeyError):
        g.open_author_copy(copy, c.parse_envelope(other_raw), bob_key)
    # Nor wrap someone else's key for it: the copy's key must match the commitment.
    with pytest.raises(c.KeyCommitmentError):
        g.wrap_author_copy(bytes(32), envelope, bob_key)
    with pytest.raises(c.MalformedError):
        g.check_author_copy(copy[:-1])
    with pytest.raises(c.UnsupportedVersionError):
        g.check_author_copy(b"\x02" + copy[1:])


def test_a_joiner_may_add_only_itself() -> None:
    moderator, member = membership("moderator"), membership("member")
    stranger = g.membership_identity(bytes(32), GROUP, uuid.uuid4())

    def entry(i: c.Identity, role: c.Role) -> c.NewMember:
        return c.NewMember(i.user_id, role, i.key_id, i.box_pk)

    first = c.parse_commit(
        c.create_commit(
            moderator,
            GROUP,
            0,
            c.GENESIS_PREV_HASH,
            [entry(moderator, c.Role.MODERATOR)],
            bytes(32),
        )
    )
    join = c.parse_commit(
        c.create_commit(
            member,
            GROUP,
            1,
            first.hash,
            [entry(moderator, c.Role.MODERATOR), entry(member, c.Role.MEMBER)],
            bytes(32),
        )
    )
    g.check_group_chain_link(first, join)
    with pytest.raises(c.ChainError):
        c.check_chain_link(first, join)
    smuggles = c.parse_commit(
        c.create_commit(
            member,
            GROUP,
            1,
            first.hash,
            [
                entry(moderator, c.Role.MODERATOR),
                entry(member, c.Role.MEMBER),
                entry(stranger, c.Role.MEMBER),
            ],
            bytes(32),
        )
    )
    drops = c.parse_commit(
        c.create_commit(member, GROUP, 1, first.hash, [entry(member, c.Role.MEMBER)], bytes(32))
    )
    for bad in (smuggles, drops):
        with pytest.raises(c.ChainError):
            g.check_group_chain_link(first, bad)


def test_certificate_is_bound_to_account_thread_and_membership() -> None:
    bob, alice, member = account("bob"), account("alice"), membership("member")
    cert = g.parse_membership_certificate(d(V["certificate"]["bytes"]))
    g.verify_membership_certificate(cert, bob.sign_pk, GROUP)
    with pytest.raises(c.BadSignatureError):
        g.verify_membership_certificate(cert, alice.sign_pk, GROUP)
    with pytest.raises(c.BadSignatureError):
        g.verify_membership_certificate(cert, bob.sign_pk, uuid.uuid4())
    forged = bytearray(cert.raw)
    forged[60] ^= 1  # inside the membership bundle
    with pytest.raises(c.CryptoError):
        g.verify_membership_certificate(
            g.parse_membership_certificate(bytes(forged)), bob.sign_pk, GROUP
        )
    package = g.parse_moderator_key(d(V["moderator_key"]["package"]))
    with pytest.raises(c.BadSignatureError):
        g.verify_moderator_key(package, member.sign_pk)
    with pytest.raises(c.WrongKeyError):
        g.open_moderator_key(package, member)
