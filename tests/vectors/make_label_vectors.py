"""Builds tests/vectors/crypto-labels-v1.json (docs/crypto.md section 12, "Labels for
admins") from fixed seeds.

Run: `.venv/bin/python tests/vectors/make_label_vectors.py`. Randomness is recorded per
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
from crypto import group_labels as labels
from tests.vectors.make_crypto_vectors import RecordingRng, e

OUT = Path(__file__).with_name("crypto-labels-v1.json")
CLINIC = uuid.UUID("c1c1c1c1-0000-4000-8000-000000000008")
GROUP = uuid.UUID("6a6a6a6a-0000-4000-8000-000000000009")
ADMIN = uuid.UUID("ad000000-0000-4000-8000-00000000000a")
OTHER_ADMIN = uuid.UUID("ad000000-0000-4000-8000-00000000000b")
TEXT = "Groupe du jeudi — 木曜"
GENERATION = 2


def build_vectors() -> dict[str, Any]:
    """The vector document; deterministic, so tests can compare it with the file."""
    admin = c.generate_identity(ADMIN, RecordingRng("l-admin"))
    other = c.generate_identity(OTHER_ADMIN, RecordingRng("l-other-admin"))

    rng = RecordingRng("l-admin-key")
    public, secret = labels.create_admin_key(rng)
    key_rng = rng.take()
    rng = RecordingRng("l-admin-key-seal")
    seal = labels.seal_admin_key(secret, CLINIC, GENERATION, other.box_pk, rng)
    seal_rng = rng.take()
    rng = RecordingRng("l-label")
    label = labels.create_group_label(admin, GROUP, GENERATION, TEXT, public, rng)
    label_rng = rng.take()
    signature = labels.sign_admin_key(admin, CLINIC, GENERATION, public)
    return {
        "version": 1,
        "clinic_id": str(CLINIC),
        "group_id": str(GROUP),
        "accounts": {
            "admin": {"user_id": str(ADMIN), "rng": [e(admin.sign_seed), e(admin.box_sk)]},
            "other_admin": {
                "user_id": str(OTHER_ADMIN),
                "rng": [e(other.sign_seed), e(other.box_sk)],
            },
        },
        "admin_key": {
            "generation": GENERATION,
            "rng": key_rng,
            "public_key": e(public),
            "secret": e(secret),
            "seal_to": "other_admin",
            "seal_rng": seal_rng,
            "seal": e(seal),
        },
        "label": {"author": "admin", "text": TEXT, "rng": label_rng, "bytes": e(label)},
        "admin_key_signature": {
            "maker": "admin",
            "generation": GENERATION,
            "bytes": e(signature),
        },
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
