"""Builds tests/vectors/crypto-groups-v1.json (docs/crypto.md section 12) from fixed seeds.

Run: `.venv/bin/python tests/vectors/make_group_vectors.py`. Randomness is recorded per
operation as `rng` (chunks in draw order), as in make_crypto_vectors.py.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import crypto as c
from crypto import groups as g
from tests.vectors.make_crypto_vectors import RecordingRng, e

OUT = Path(__file__).with_name("crypto-groups-v1.json")
GROUP = uuid.UUID("6a6a6a6a-0000-4000-8000-000000000005")
ALICE = uuid.UUID("a11ce000-0000-4000-8000-000000000001")
BOB = uuid.UUID("b0b00000-0000-4000-8000-000000000002")
MOD_MEMBER = uuid.UUID("30d00000-0000-4000-8000-000000000006")
BOB_MEMBER = uuid.UUID("b0b0b0b0-0000-4000-8000-000000000007")


def build_vectors() -> dict[str, Any]:
    """The vector document; deterministic, so tests can compare it with the file."""
    alice = c.generate_identity(ALICE, RecordingRng("g-alice"))
    bob = c.generate_identity(BOB, RecordingRng("g-bob"))
    alice_account_key = bytes(range(32))
    bob_account_key = bytes(range(32, 64))
    moderator = g.membership_identity(alice_account_key, GROUP, MOD_MEMBER)
    member = g.membership_identity(bob_account_key, GROUP, BOB_MEMBER)
    certificate = g.create_membership_certificate(bob, GROUP, member)

    rng = RecordingRng("g-info-key")
    info_key = rng(32)
    info_seal = g.seal_group_secret(g.SecretKind.INFO_KEY, GROUP, 0, info_key, bob.box_pk, rng)
    info_seal_rng = rng.take()[1:]
    info_plain = json.dumps(
        {"title": "Thursday group", "description": "Between sessions", "guidelines": "Be kind."}
    ).encode()
    rng = RecordingRng("g-info")
    info = g.encrypt_group_info(info_key, GROUP, info_plain, rng)
    info_rng = rng.take()

    rng = RecordingRng("g-mod-key")
    package, mod_secret = g.create_moderator_key(
        moderator, GROUP, 1, [(MOD_MEMBER, moderator.box_pk)], rng
    )
    package_rng = rng.take()

    rng = RecordingRng("g-commit")
    epoch_key = c.create_epoch_key(rng)
    commit = c.create_commit(
        member,
        GROUP,
        0,
        c.GENESIS_PREV_HASH,
        [
            c.NewMember(MOD_MEMBER, c.Role.MODERATOR, moderator.key_id, moderator.box_pk),
            c.NewMember(BOB_MEMBER, c.Role.MEMBER, member.key_id, member.box_pk),
        ],
        epoch_key,
        rng,
    )
    commit_rng = rng.take()

    rng = RecordingRng("g-held")
    held = c.seal_message(
        member,
        GROUP,
        0,
        b"held for a moderator",
        moderator_pk=g.parse_moderator_key(package).public_key,
        rng=rng,
    )
    held_rng = rng.take()
    held_envelope = c.parse_envelope(held)
    message_key = g.open_held_key(held_envelope, mod_secret)

    rng = RecordingRng("g-author-copy")
    author_copy = g.wrap_author_copy(message_key, held_envelope, bob_account_key, rng)
    author_copy_rng = rng.take()

    rng = RecordingRng("g-release")
    release = g.release_held_key(message_key, held_envelope, 0, epoch_key, rng)
    release_rng = rng.take()

    rng = RecordingRng("g-report")
    report = g.seal_report(
        held_envelope,
        message_key,
        g.ReportCategory.PRIVACY,
        "names a person",
        g.parse_moderator_key(package).public_key,
        rng,
    )
    report_rng = rng.take()

    return {
        "version": 1,
        "group_id": str(GROUP),
        "accounts": {
            "alice": {
                "user_id": str(ALICE),
                "account_key": e(alice_account_key),
                "rng": [e(alice.sign_seed), e(alice.box_sk)],
            },
            "bob": {
                "user_id": str(BOB),
                "account_key": e(bob_account_key),
                "rng": [e(bob.sign_seed), e(bob.box_sk)],
            },
        },
        "memberships": {
            "moderator": {
                "account": "alice",
                "member_id": str(MOD_MEMBER),
                "sign_pk": e(moderator.sign_pk),
                "box_pk": e(moderator.box_pk),
                "bundle": e(c.public_bundle(moderator)),
            },
            "member": {
                "account": "bob",
                "member_id": str(BOB_MEMBER),
                "sign_pk": e(member.sign_pk),
                "box_pk": e(member.box_pk),
                "bundle": e(c.public_bundle(member)),
            },
        },
        "certificate": {"account": "bob", "membership": "member", "bytes": e(certificate)},
        "info": {
            "key": e(info_key),
            "seal_to": "bob",
            "seal_rng": info_seal_rng,
            "seal": e(info_seal),
            "plaintext": info_plain.decode(),
            "rng": info_rng,
            "bytes": e(info),
        },
        "moderator_key": {
            "author": "moderator",
            "generation": 1,
            "rng": package_rng,
            "package": e(package),
            "secret": e(mod_secret),
        },
        "commit": {
            "author": "member",
            "epoch_key": e(epoch_key),
            "rng": commit_rng,
            "bytes": e(commit),
        },
        "held_post": {
            "sender": "member",
            "plaintext": "held for a moderator",
            "rng": held_rng,
            "envelope": e(held),
            "message_key": e(message_key),
        },
        "author_copy": {"account": "bob", "rng": author_copy_rng, "bytes": e(author_copy)},
        "release": {"epoch": 0, "rng": release_rng, "bytes": e(release)},
        "report": {"category": 4, "note": "names a person", "rng": report_rng, "seal": e(report)},
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
