"""Builds tests/vectors/journal-v1.json (journal items and entry shares) from fixed seeds.

Run: `.venv/bin/python tests/vectors/make_journal_vectors.py`. Identities, the account key
and the recording RNG are those of `make_crypto_vectors.py`, so both files describe the
same people; `rng` lists the random chunks in draw order for replay in another language.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import crypto as c
from tests.vectors.make_crypto_vectors import (
    ALICE,
    BOB,
    CAROL,
    THREAD,
    RecordingRng,
    e,
    identity_vector,
)

OUT = Path(__file__).with_name("journal-v1.json")
ENTRY = uuid.UUID("e0e0e0e0-0000-4000-8000-000000000005")
DRAFT = uuid.UUID("d0d0d0d0-0000-4000-8000-000000000006")
SHARE = uuid.UUID("5a5a5a5a-0000-4000-8000-000000000007")


def build_vectors() -> dict[str, Any]:
    """The journal vector document; deterministic, so a test compares it with the file."""
    alice, alice_v = identity_vector(ALICE, "alice")
    bob, bob_v = identity_vector(BOB, "bob")
    carol, carol_v = identity_vector(CAROL, "carol")
    account_key = c.generate_account_key(RecordingRng("journal-account"))

    entry_text = json.dumps(
        {"kind": "entry", "title": "Été", "body": "Slept badly — 🌧 but walked."},
        ensure_ascii=False,
    ).encode()
    rng = RecordingRng("journal-entry")
    entry = c.seal_item(account_key, ALICE, ENTRY, entry_text, rng=rng)
    entry_rng = rng.take()
    checkin_text = b'{"kind":"checkin","mood":6,"feelings":["calm"],"sleep_hours":7.5}'
    rng = RecordingRng("journal-draft")
    draft = c.seal_item(account_key, ALICE, DRAFT, checkin_text, purpose=c.PURPOSE_DRAFT, rng=rng)
    draft_rng = rng.take()

    rng = RecordingRng("journal-share")
    share = c.create_share(
        alice,
        account_key,
        SHARE,
        THREAD,
        entry,
        [(CAROL, carol.box_pk), (BOB, bob.box_pk)],
        rng,
    )
    share_rng = rng.take()

    moved = bytearray(entry)
    moved[2] ^= 1
    forged = bytearray(share)
    forged[-1] ^= 1
    return {
        "version": 1,
        "description": "Interlude journal v1 vectors (docs/crypto.md §10); base64url without "
        "padding; rng lists the random chunks in draw order.",
        "identities": {"alice": alice_v, "bob": bob_v, "carol": carol_v},
        "account_key": e(account_key),
        "journal_key": e(c.journal_key(account_key)),
        "items": [
            {
                "name": "entry",
                "author": str(ALICE),
                "item_id": str(ENTRY),
                "purpose": c.PURPOSE_ENTRY,
                "plaintext": e(entry_text),
                "rng": entry_rng,
                "blob": e(entry),
            },
            {
                "name": "draft",
                "author": str(ALICE),
                "item_id": str(DRAFT),
                "purpose": c.PURPOSE_DRAFT,
                "plaintext": e(checkin_text),
                "rng": draft_rng,
                "blob": e(draft),
            },
        ],
        "share": {
            "author": "alice",
            "share_id": str(SHARE),
            "thread_id": str(THREAD),
            "entry": "entry",
            "recipients": ["carol", "bob"],
            "rng": share_rng,
            "share": e(share),
        },
        "invalid": [
            {"what": "item", "blob": e(bytes(moved)), "error": "WrongKeyError"},
            {"what": "item", "blob": e(entry[:-1]), "error": "MalformedError"},
            {"what": "share", "blob": e(bytes(forged)), "error": "BadSignatureError"},
        ],
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
