"""Builds tests/vectors/crypto-v1.json from fixed seeds.

Run: `.venv/bin/python tests/vectors/make_crypto_vectors.py`.

Every random draw comes from a recording RNG (BLAKE2b of a seed and a counter) and is
written to the vectors as `rng`, the list of chunks in draw order, so another
implementation can replay exactly the same randomness and must produce the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import crypto as c
from crypto import primitives

OUT = Path(__file__).with_name("crypto-v1.json")
ALICE = uuid.UUID("a11ce000-0000-4000-8000-000000000001")
BOB = uuid.UUID("b0b00000-0000-4000-8000-000000000002")
CAROL = uuid.UUID("ca401000-0000-4000-8000-000000000003")
THREAD = uuid.UUID("7e7e7e7e-0000-4000-8000-000000000004")


class RecordingRng:
    """Deterministic byte source that remembers what it handed out."""

    def __init__(self, seed: str) -> None:
        self.seed = seed.encode()
        self.counter = 0
        self.chunks: list[bytes] = []

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            block = self.seed + self.counter.to_bytes(8, "big")
            out += hashlib.blake2b(block, digest_size=64).digest()
            self.counter += 1
        chunk = out[:size]
        self.chunks.append(chunk)
        return chunk

    def take(self) -> list[str]:
        taken = [c.b64encode(chunk) for chunk in self.chunks]
        self.chunks = []
        return taken


def e(data: bytes) -> str:
    return c.b64encode(data)


def identity_vector(user_id: uuid.UUID, seed: str) -> tuple[c.Identity, dict[str, Any]]:
    rng = RecordingRng(seed)
    identity = c.generate_identity(user_id, rng)
    return identity, {
        "user_id": str(user_id),
        "rng": rng.take(),
        "sign_pk": e(identity.sign_pk),
        "box_pk": e(identity.box_pk),
        "key_id": e(identity.key_id),
        "bundle": e(c.public_bundle(identity)),
    }


def member(identity: c.Identity, role: c.Role) -> c.NewMember:
    return c.NewMember(identity.user_id, role, identity.key_id, identity.box_pk)


def member_json(identity: c.Identity, role: c.Role) -> dict[str, Any]:
    return {"user_id": str(identity.user_id), "role": int(role)}


def build_vectors() -> dict[str, Any]:
    """The full vector document; deterministic, so tests can compare it with the file."""
    alice, alice_v = identity_vector(ALICE, "alice")
    bob, bob_v = identity_vector(BOB, "bob")
    carol, carol_v = identity_vector(CAROL, "carol")

    kdf_key = bytes(range(32))
    kdf_cases = [
        {
            "key": e(kdf_key),
            "id": i,
            "context": ctx,
            "size": size,
            "out": e(primitives.kdf_derive(size, i, ctx.encode(), kdf_key)),
        }
        for i, ctx, size in [
            (1, "ilpasswd", 32),
            (2, "ilpasswd", 32),
            (7, "ilkeyid_", 16),
            (2**40 + 3, "ilepoch_", 64),
        ]
    ]

    password_nfc = "correct horse caf\u00e9 \U0001f40e"
    salt = bytes(range(100, 116))
    params = c.KDF_INTERACTIVE
    keys = c.derive_password_keys(password_nfc, salt, params, allow_interactive=True)

    rng = RecordingRng("account")
    account_key = c.generate_account_key(rng)
    wrapped = c.wrap_account_key(account_key, keys.kek, ALICE, params, rng)
    account_rng = rng.take()

    rng = RecordingRng("recovery")
    code = c.generate_recovery_code(rng)
    recovery_rng = rng.take()
    recovery_keys = c.derive_recovery_keys(code)
    rng = RecordingRng("recovery-wrap")
    recovery_wrapped = c.wrap_account_key_with_recovery(account_key, recovery_keys.kek, ALICE, rng)
    recovery_wrap_rng = rng.take()

    rng = RecordingRng("keyring")
    old_alice = c.generate_identity(ALICE, RecordingRng("alice-old"))
    keyring = c.encrypt_keyring([alice, old_alice], account_key, rng)
    keyring_rng = rng.take()

    rng = RecordingRng("epoch-seal")
    epoch_key0 = c.create_epoch_key(rng)
    seal = c.seal_epoch_key(epoch_key0, THREAD, 0, bob.box_pk, rng)
    seal_rng = rng.take()

    rng = RecordingRng("commit-0")
    commit0 = c.create_commit(
        alice,
        THREAD,
        0,
        c.GENESIS_PREV_HASH,
        [member(alice, c.Role.THERAPIST), member(bob, c.Role.CLIENT)],
        epoch_key0,
        rng,
    )
    commit0_rng = rng.take()
    rng = RecordingRng("commit-1")
    epoch_key1 = c.create_epoch_key(rng)
    commit1 = c.create_commit(
        alice,
        THREAD,
        1,
        c.commit_hash(commit0),
        [member(alice, c.Role.THERAPIST), member(carol, c.Role.MEMBER)],
        epoch_key1,
        rng,
    )
    commit1_rng = rng.take()

    plaintext = "Hello \u00e9t\u00e9 \u2014 \u3053\u3093\u306b\u3061\u306f \U0001f331".encode()
    rng = RecordingRng("envelope-epoch")
    envelope = c.seal_message(bob, THREAD, 0, plaintext, epoch_key=epoch_key0, rng=rng)
    envelope_rng = rng.take()
    opened = c.open_message(envelope, bob.sign_pk, epoch_key=epoch_key0)
    rng = RecordingRng("envelope-mod")
    mod_envelope = c.seal_message(
        carol, THREAD, 1, b"", moderator_pk=alice.box_pk, content_type=c.ContentType.JSON, rng=rng
    )
    mod_rng = rng.take()
    mod_opened = c.open_message(mod_envelope, carol.sign_pk, moderator=alice)

    bad_signature = bytearray(envelope)
    bad_signature[-1] ^= 1
    bad_version = bytearray(envelope)
    bad_version[0] = 2

    return {
        "version": 1,
        "description": "Interlude crypto v1 vectors; binary values are base64url without padding; "
        "rng lists the random chunks in draw order.",
        "encoding": {
            "valid": [
                {"hex": "", "b64": ""},
                {"hex": "ff", "b64": "_w"},
                {"hex": "fbff", "b64": "-_8"},
                {"hex": "000102", "b64": "AAEC"},
            ],
            "invalid": ["AA==", "_w=", "a+b/", "A", "AB", "AAF", "AA AA", "AA\n"],
        },
        "kdf": kdf_cases,
        "identities": {"alice": alice_v, "bob": bob_v, "carol": carol_v},
        "safety_number": {
            "a": "alice",
            "b": "bob",
            "number": c.safety_number(ALICE, alice.sign_pk, BOB, bob.sign_pk),
        },
        "password": {
            "password": password_nfc,
            "password_nfd": "correct horse cafe\u0301 \U0001f40e",
            "salt": e(salt),
            "params": {"version": params.version, "ops": params.ops, "mem": params.mem},
            "kek": e(keys.kek),
            "auth_key": e(keys.auth_key),
        },
        "account_key": {
            "user_id": str(ALICE),
            "rng": account_rng,
            "account_key": e(account_key),
            "wrapped": e(wrapped),
        },
        "recovery": {
            "rng": recovery_rng,
            "code": code,
            "kek": e(recovery_keys.kek),
            "auth_key": e(recovery_keys.auth_key),
            "wrap_rng": recovery_wrap_rng,
            "wrapped": e(recovery_wrapped),
            "typo": code[:-1] + ("0" if code[-1] != "0" else "1"),
        },
        "keyring": {
            "user_id": str(ALICE),
            "old_identity_rng": [e(old_alice.sign_seed), e(old_alice.box_sk)],
            "rng": keyring_rng,
            "blob": e(keyring),
        },
        "epoch_seal": {
            "thread_id": str(THREAD),
            "epoch": 0,
            "recipient": "bob",
            "rng": seal_rng,
            "epoch_key": e(epoch_key0),
            "seal": e(seal),
        },
        "commits": [
            {
                "author": "alice",
                "epoch": 0,
                "prev_hash": e(c.GENESIS_PREV_HASH),
                "members": [member_json(alice, c.Role.THERAPIST), member_json(bob, c.Role.CLIENT)],
                "epoch_key": e(epoch_key0),
                "rng": commit0_rng,
                "commit": e(commit0),
                "hash": e(c.commit_hash(commit0)),
            },
            {
                "author": "alice",
                "epoch": 1,
                "prev_hash": e(c.commit_hash(commit0)),
                "members": [
                    member_json(alice, c.Role.THERAPIST),
                    member_json(carol, c.Role.MEMBER),
                ],
                "epoch_key": e(epoch_key1),
                "rng": commit1_rng,
                "commit": e(commit1),
                "hash": e(c.commit_hash(commit1)),
            },
        ],
        "envelopes": [
            {
                "sender": "bob",
                "thread_id": str(THREAD),
                "epoch": 0,
                "scope": "epoch",
                "content_type": 1,
                "plaintext": e(plaintext),
                "rng": envelope_rng,
                "message_key": e(opened.message_key),
                "envelope": e(envelope),
            },
            {
                "sender": "carol",
                "thread_id": str(THREAD),
                "epoch": 1,
                "scope": "mod",
                "moderator": "alice",
                "content_type": 2,
                "plaintext": e(b""),
                "rng": mod_rng,
                "message_key": e(mod_opened.message_key),
                "envelope": e(mod_envelope),
            },
        ],
        "invalid_envelopes": [
            {"sender": "bob", "envelope": e(bytes(bad_signature)), "error": "BadSignatureError"},
            {
                "sender": "bob",
                "envelope": e(bytes(bad_version)),
                "error": "UnsupportedVersionError",
            },
            {"sender": "bob", "envelope": e(envelope[:-1]), "error": "MalformedError"},
            {"sender": "alice", "envelope": e(envelope), "error": "BadSignatureError"},
        ],
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
