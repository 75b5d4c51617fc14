"""Live cross-check: material made by web/static/js/crypto.js opens in Python, and back.

Drives tests/js/crosslang.mjs with node. Without node the test fails when CI=true and is
skipped (with a loud reason) elsewhere.
"""

import os
import uuid
from pathlib import Path
from typing import Any

import crypto as c
from crypto import groups as g
from tests.support.node import run_node_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "crosslang.mjs"
INTERACTIVE = c.KDF_INTERACTIVE
d = c.b64decode
e = c.b64encode


def run_node(mode: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return run_node_script(SCRIPT, mode, payload or {})


def identity(data: dict[str, str]) -> c.Identity:
    return c.Identity.from_secrets(
        uuid.UUID(data["user_id"]), d(data["sign_seed"]), d(data["box_sk"])
    )


def test_material_made_by_javascript_opens_in_python() -> None:
    made = run_node("make")
    alice, bob = identity(made["alice"]), identity(made["bob"])
    thread = uuid.UUID(made["thread_id"])
    c.verify_public_bundle(c.parse_public_bundle(d(made["bob"]["bundle"])), bob.user_id)
    keys = c.derive_password_keys(
        made["password"], d(made["salt"]), INTERACTIVE, allow_interactive=True
    )
    assert e(keys.auth_key) == made["auth_key"]
    account_key = c.unwrap_account_key(
        d(made["wrapped_account_key"]), keys.kek, alice.user_id, INTERACTIVE
    )
    assert e(account_key) == made["account_key"]
    recovery = c.derive_recovery_keys(made["recovery_code"])
    assert (
        c.unwrap_account_key_with_recovery(d(made["recovery_wrapped"]), recovery.kek, alice.user_id)
        == account_key
    )
    assert c.decrypt_keyring(d(made["keyring"]), account_key, alice.user_id) == (alice,)
    assert e(c.open_epoch_seal(d(made["seal"]), thread, 5, bob)) == made["epoch_key"]
    [commit] = c.verify_commit_chain([d(made["commit"])], {alice.key_id: alice.sign_pk})
    assert commit.member(bob.user_id) is not None
    epoch_key = c.open_commit_seal(commit, bob)
    opened = c.open_message(d(made["envelope"]), bob.sign_pk, epoch_key=epoch_key)
    assert e(opened.plaintext) == made["plaintext"]
    assert (
        c.open_reported_message(d(made["envelope"]), bob.sign_pk, opened.message_key)
        == opened.plaintext
    )
    assert c.open_message(d(made["mod_envelope"]), bob.sign_pk, moderator=alice).plaintext == b""
    held = c.parse_envelope(d(made["held_envelope"]))
    held_key = g.open_author_copy(d(made["author_copy"]), held, account_key)
    assert c.open_reported_message(held, bob.sign_pk, held_key) == "En attente — 保留 ⏳".encode()


def test_material_made_by_python_opens_in_javascript() -> None:
    thread = uuid.uuid4()
    alice, bob = c.generate_identity(uuid.uuid4()), c.generate_identity(uuid.uuid4())
    salt = os.urandom(16)
    password = "pässwörd 🔑 — ok"
    keys = c.derive_password_keys(password, salt, INTERACTIVE, allow_interactive=True)
    account_key = c.generate_account_key()
    code = c.generate_recovery_code()
    epoch_key = c.create_epoch_key()
    members = [
        c.NewMember(alice.user_id, c.Role.THERAPIST, alice.key_id, alice.box_pk),
        c.NewMember(bob.user_id, c.Role.CLIENT, bob.key_id, bob.box_pk),
    ]
    commit = c.create_commit(alice, thread, 0, c.GENESIS_PREV_HASH, members, epoch_key)
    plaintext = "Merci — ありがとう 🌿".encode()
    held, author_copy = g.seal_held_post(bob, thread, 0, plaintext, alice.box_pk, account_key)

    def secrets(i: c.Identity) -> dict[str, str]:
        bundle = e(c.public_bundle(i))
        return {
            "user_id": str(i.user_id),
            "sign_seed": e(i.sign_seed),
            "box_sk": e(i.box_sk),
            "bundle": bundle,
        }

    result = run_node(
        "open",
        {
            "thread_id": str(thread),
            "alice": secrets(alice),
            "bob": secrets(bob),
            "password": password,
            "salt": e(salt),
            "wrapped_account_key": e(
                c.wrap_account_key(account_key, keys.kek, alice.user_id, INTERACTIVE)
            ),
            "recovery_code": code,
            "recovery_wrapped": e(
                c.wrap_account_key_with_recovery(
                    account_key, c.derive_recovery_keys(code).kek, alice.user_id
                )
            ),
            "keyring": e(c.encrypt_keyring([alice], account_key)),
            "seal": e(c.seal_epoch_key(epoch_key, thread, 5, bob.box_pk)),
            "commit": e(commit),
            "envelope": e(c.seal_message(bob, thread, 0, plaintext, epoch_key=epoch_key)),
            "mod_envelope": e(c.seal_message(bob, thread, 0, b"", moderator_pk=alice.box_pk)),
            "held_envelope": e(held),
            "author_copy": e(author_copy),
        },
    )
    assert result == {
        "auth_key": e(keys.auth_key),
        "account_key": e(account_key),
        "recovered_account_key": e(account_key),
        "keyring_sign_pk": e(alice.sign_pk),
        "seal_epoch_key": e(epoch_key),
        "commit_epoch_key": e(epoch_key),
        "commit_hash": e(c.commit_hash(commit)),
        "plaintext": e(plaintext),
        "mod_plaintext": "",
        "report_plaintext": e(plaintext),
        "held_plaintext": e(plaintext),
        "safety_number": c.safety_number(alice.user_id, alice.sign_pk, bob.user_id, bob.sign_pk),
    }
