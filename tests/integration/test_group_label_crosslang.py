"""Labels for admins in the browser (web/static/js/crypto.js) and in Python
(crypto/group_labels.py) agree: an admin key seal, its signature and a label made by
either verify and open in the other."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import crypto as c
from crypto import group_labels as labels
from tests.support.node import run_node_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "label-crosslang.mjs"
TEXT = "Mittwochsgruppe ☀ 水曜"


def run_node(mode: str, payload: dict[str, Any]) -> dict[str, Any]:
    return run_node_script(SCRIPT, mode, payload)


def _admin_payload(admin: c.Identity, clinic_id: uuid.UUID, thread_id: uuid.UUID) -> dict[str, Any]:
    return {
        "admin_id": str(admin.user_id),
        "sign_seed": c.b64encode(admin.sign_seed),
        "box_sk": c.b64encode(admin.box_sk),
        "clinic_id": str(clinic_id),
        "thread_id": str(thread_id),
        "generation": 3,
    }


def test_an_admin_key_and_label_made_in_the_browser_open_in_python() -> None:
    admin = c.generate_identity(uuid.uuid4())
    clinic_id, thread_id = uuid.uuid4(), uuid.uuid4()
    made = run_node("make", {**_admin_payload(admin, clinic_id, thread_id), "text": TEXT})
    public = c.b64decode(made["public_key"])
    signature = c.b64decode(made["signature"])
    labels.verify_admin_key(signature, clinic_id, 3, public, admin.user_id, admin.sign_pk)
    secret = labels.open_admin_key(c.b64decode(made["seal"]), clinic_id, 3, public, admin)
    label = labels.parse_group_label(c.b64decode(made["label"]))
    assert labels.open_group_label(label, thread_id, admin.sign_pk, secret) == TEXT


def test_an_admin_key_and_label_made_in_python_open_in_the_browser() -> None:
    admin = c.generate_identity(uuid.uuid4())
    clinic_id, thread_id = uuid.uuid4(), uuid.uuid4()
    public, secret = labels.create_admin_key()
    opened = run_node(
        "open",
        {
            **_admin_payload(admin, clinic_id, thread_id),
            "public_key": c.b64encode(public),
            "seal": c.b64encode(labels.seal_admin_key(secret, clinic_id, 3, admin.box_pk)),
            "label": c.b64encode(labels.create_group_label(admin, thread_id, 3, TEXT, public)),
            "signature": c.b64encode(labels.sign_admin_key(admin, clinic_id, 3, public)),
        },
    )
    assert opened == {"text": TEXT}
